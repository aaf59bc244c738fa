"""The report of a 5,000-step run renders in under a second from disk,
and the live page costs training no measurable speed (not a timed test).

    python benchmarks/bench_viz.py [--steps 5000] [--rounds 2] [--recipe gan --data digits] [--out runs/bench_viz]

Trains RECIPE on DATA (default `gan` on digits; one thread) alternately without and with
`--live` (a headless Chromium page open on the live page, polling as a person's would; on a 2-D
toy target it also shows D's field), ``--rounds`` times each, and reports steps/s from
metrics.jsonl (the first log interval left out). Then writes the report of the first run and
times it in the browser from `goto` to the page's "ready" mark, best of 5.
Needs Playwright and the system's Chromium (as the browser tests do).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from ganforge.training.report import mean_sec_per_step, read_metrics
from ganforge.viewers.report import write_report


def train(out: Path, steps: int, live: bool, browser, recipe: str, data: str) -> float:
    """Steps/s of one run; with ``live``, a page stays open on the live server while it trains."""
    shutil.rmtree(out, ignore_errors=True)
    args = [sys.executable, "-m", "ganforge.cli", "train", recipe, "--data", data, "--steps", str(steps),
            "--out", str(out), "--set", "train.threads=1"] + (["--live", "--port", "0"] if live else [])
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    page = None
    try:
        for line in proc.stdout:
            if live and line.startswith("live page: "):
                page = browser.new_page()
                page.goto(line.split()[2])
        if proc.wait() != 0:
            raise SystemExit(f"training failed: {' '.join(args)}")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait()
        if page is not None:
            page.close()
    return 1.0 / mean_sec_per_step(read_metrics(out), after_step=100)


def report_seconds(run: Path, browser, tries: int = 5) -> tuple[float, float, int]:
    """(seconds to write the report, best seconds to render it in the browser, its size in bytes)."""
    t0 = time.perf_counter()
    path = write_report(run)
    written = time.perf_counter() - t0
    best = float("inf")
    for _ in range(tries):
        page = browser.new_page()
        t0 = time.perf_counter()
        page.goto(path.resolve().as_uri())
        page.wait_for_selector("body[data-ready='1']")
        best = min(best, time.perf_counter() - t0)
        page.close()
    return written, best, path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--recipe", default="gan")
    parser.add_argument("--data", default="digits")
    parser.add_argument("--out", type=Path, default=Path("runs/bench_viz"))
    parser.add_argument("--chromium", default=shutil.which("chromium"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, headless=True)
        rates: dict[str, list[float]] = {"plain": [], "live": []}
        for i in range(args.rounds):
            for mode in ("plain", "live"):
                rate = train(args.out / f"{mode}-{i}", args.steps, mode == "live", browser, args.recipe, args.data)
                rates[mode].append(rate)
                print(f"round {i + 1} {mode:5s}: {rate:.1f} steps/s", flush=True)
        written, rendered, size = report_seconds(args.out / "plain-0", browser)
        browser.close()
    mean = {mode: sum(r) / len(r) for mode, r in rates.items()}
    print(f"steps/s without --live {mean['plain']:.1f}, with --live and a page open {mean['live']:.1f} "
          f"({(mean['live'] / mean['plain'] - 1) * 100:+.1f}%)")
    print(f"report of the {args.steps}-step run: written in {written:.2f} s ({size / 1e6:.2f} MB), "
          f"rendered in {rendered:.2f} s")
    result = {"steps": args.steps, "steps_per_s": rates, "report_write_s": written, "report_render_s": rendered,
              "report_bytes": size}
    (args.out / "bench_viz.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
