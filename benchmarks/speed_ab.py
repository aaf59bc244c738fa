"""Seconds per training step of a few recipes under two source trees, interleaved (A, B, A, B, ...)
on the same machine in one session: the check that a refactor of the trainer costs no speed.

    git worktree add /tmp/before <old commit>
    python benchmarks/speed_ab.py --data-root DATA --a /tmp/before/src --b src [--recipes gan,dcgan,wgan] [--rounds 3]

Each measurement is ``ganforge train RECIPE --data mnist`` in its own process (fp32, the machine's
threads), the mean seconds per step after a warm-up (from metrics.jsonl); the best of the rounds
counts (a shared machine only slows a run down). WGAN runs without its critic boost, so that every
step holds the same 5 critic updates. Run it alone on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

STEPS = {"gan": (100, 400), "dcgan": (10, 60), "wgan": (5, 30)}  # (warm-up, timed)


def time_one(src: str, recipe: str, data_root: str, out: Path) -> float:
    warm, timed = STEPS.get(recipe, (10, 50))
    total = warm + timed
    cmd = [sys.executable, "-m", "ganforge.cli", "train", recipe, "--data", "mnist", "--data-root", data_root,
           "--steps", str(total), "--out", str(out), "--set", f"train.log_every={max(1, timed // 5)}",
           "--set", f"train.sample_every={total}", "--set", f"train.ckpt_every={total}"]
    if recipe == "wgan":
        cmd += ["--set", "d_steps_boost=null"]
    env = dict(os.environ, PYTHONPATH=str(Path(src).resolve()))
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line.strip()]
    rows = [r for r in rows if "sec_per_step" in r and r["step"] > warm]
    return sum(r["sec_per_step"] for r in rows) / len(rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-root", required=True)
    ap.add_argument("--a", required=True, help="source tree A (the folder holding ganforge/)")
    ap.add_argument("--b", required=True, help="source tree B")
    ap.add_argument("--recipes", default="gan,dcgan,wgan")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    best: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for recipe in args.recipes.split(","):
                for side, src in (("A", args.a), ("B", args.b)):
                    sec = time_one(src, recipe, args.data_root, Path(tmp) / f"{recipe}-{side}-{r}")
                    best.setdefault((recipe, side), []).append(sec)
                    print(f"round {r + 1} {recipe:6s} {side}: {1e3 * sec:8.2f} ms/step", flush=True)
    print("recipe   A best ms/step   B best ms/step   B/A")
    for recipe in args.recipes.split(","):
        a, b = min(best[(recipe, "A")]), min(best[(recipe, "B")])
        print(f"{recipe:8s} {1e3 * a:14.2f} {1e3 * b:16.2f} {b / a:7.3f}")


if __name__ == "__main__":
    main()
