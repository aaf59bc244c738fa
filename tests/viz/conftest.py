"""Runs to show, and a real browser: Playwright driving the system's Chromium (Debian's
``chromium``; ``$GANFORGE_CHROMIUM`` names another). Browser tests skip, saying why, where
either is missing; ``.ci/run`` installs both."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

import ganforge
from ganforge.config import deep_merge, to_sets
from ganforge.registry import RECIPES

from ..conftest import quick_sets

SCREENSHOTS = os.environ.get("GANFORGE_SCREENSHOTS") == "1"  # rewrite docs/images/{report,live}.png
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"

CARD = {"metric": "fid", "value": 12.5, "std": 0.4, "std_kind": "std over 10 disjoint splits", "n_generated": 500,
        "n_reference": 500, "reference": {"dataset": "digits", "split": "train"}, "feature_net": {"name": "identity"},
        "generated": {"step": 40}, "created": "2026-01-01T00:00:00+00:00"}


def chromium_path() -> str | None:
    return os.environ.get("GANFORGE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright for the browser tests")
    executable = chromium_path()
    if executable is None:
        pytest.skip("no chromium on PATH (apt-get install chromium) for the browser tests")
    with sync_api.sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=executable, headless=True)
        except Exception as err:  # a browser that cannot start here: say why, do not fail the suite
            pytest.skip(f"chromium at {executable} did not start: {str(err).splitlines()[0]}")
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert not errors, errors


def wait_until(page, condition: str, timeout_s: float = 60.0) -> None:
    """Poll a JavaScript expression until true (the pages' CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(f"() => Boolean({condition})"):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout_s:.0f} s: {condition}")
        page.wait_for_timeout(100)


def train_tiny(name: str, out: Path, steps: int, **sets) -> Path:
    over = deep_merge({"train": {"batch_size": 16}}, RECIPES.get(name).test_overrides)
    base = {"train.log_every": 5, "train.sample_every": 10, "train.ckpt_every": steps}
    base.update(sets)
    ganforge.train(name, out=out, steps=steps, set=to_sets(over) + quick_sets(**base), console=False)
    return out


@pytest.fixture(scope="session")
def gan_run(tmp_path_factory) -> Path:
    """A gan run on digits with several grids and an eval card (longer when making screenshots)."""
    out = tmp_path_factory.mktemp("report") / "gan-digits"
    steps, every = (3000, {"train.log_every": 50, "train.sample_every": 300}) if SCREENSHOTS else \
        (200, {"train.log_every": 5, "train.sample_every": 50})
    # the recipe's own networks for digits: the toy-size ones draw the same grid at every step; the
    # released settings (SGD at 0.1, the output bias from the marginals clipped at 1e-7) change no
    # 8-bit pixel of the grid before step ~100
    ganforge.train("gan", data="digits", steps=steps, out=out, console=False,
                   set=quick_sets(**every, **{"train.ckpt_every": steps}))
    (out / "eval.jsonl").write_text(json.dumps(CARD) + "\n")
    return out
