"""The live page in a real browser, while a run trains with --live: the step counter and the
grid change, and the page asks nothing of any host but the local server."""

import os
import signal
import subprocess
import sys
from urllib.parse import urlsplit

from .conftest import DOCS_IMAGES, SCREENSHOTS, wait_until


def _start_training(out):
    sets = {"train.threads": 1, "train.log_every": 10, "train.sample_every": 40 if not SCREENSHOTS else 200,
            "train.ckpt_every": 100000}
    args = [sys.executable, "-m", "ganforge.cli", "train", "gan", "--data", "digits", "--steps", "100000",
            "--out", str(out), "--live", "--port", "0"]
    for key, value in sets.items():
        args += ["--set", f"{key}={value}"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    for line in proc.stdout:
        if line.startswith("live page: "):
            return proc, line.split()[2]
    raise AssertionError(f"no live page announced (exit code {proc.wait()})")


def test_live_page_follows_training(page, tmp_path):
    proc, url = _start_training(tmp_path / "live")
    try:
        hosts: set[str] = set()
        page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname))
        page.goto(url)
        wait_until(page, "document.body.dataset.step > 0 && document.getElementById('grid-step').dataset.step > 0")
        first_step = int(page.locator("body").get_attribute("data-step"))
        first_grid = int(page.locator("#grid-step").get_attribute("data-step"))
        wait_until(page, f"document.body.dataset.step > {first_step} && "
                         f"document.getElementById('grid-step').dataset.step > {first_grid}")
        assert int(page.locator("#step").inner_text().replace(",", "")) > first_step
        assert page.locator("#grid-image").get_attribute("src").startswith("samples/step_")
        assert page.locator("figure.chart figcaption", has_text="Losses").count() == 1
        assert page.locator("#rate").inner_text() != "–" and page.locator("#eta").inner_text() != "–"
        if SCREENSHOTS:
            wait_until(page, "document.body.dataset.step >= 1500", timeout_s=120)
            page.screenshot(path=str(DOCS_IMAGES / "live.png"))
        assert hosts == {"127.0.0.1"}, hosts
        page.goto("about:blank")  # before the server stops, so that no poll fails
    finally:
        proc.send_signal(signal.SIGINT)  # finishes the step, saves a checkpoint, stops
        proc.wait(timeout=60)
