"""The README's first command, measured: `ganforge train gan --data digits --steps 3000`, then
1,000 samples read by the shipped digits-cnn classifier (trained on the real 8×8 digits, 99.7%
on its held-out fifth): the share it reads confidently (max softmax ≥ 0.9), the class histogram
of those reads, and the classifier's own figures on the 1,797 real digits for comparison.

    python benchmarks/bench_gan_digits.py --out /tmp/gan-digits              # train, then measure
    python benchmarks/bench_gan_digits.py --run /tmp/gan-digits/run          # measure a run
    python benchmarks/bench_gan_digits.py --out /tmp/g1200 --set G.args.hidden=[1200,1200]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch


def read_digits(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Images [N, 1, 8, 8] in [0, 1] (or uint8) → (max softmax, predicted class) under digits-cnn,
    brought to 28×28 as the metrics bring every image."""
    from ganforge.metrics.features import get_feature_net

    return get_feature_net("digits-cnn").extract(x)["probs"].max(1)


def summary(conf: torch.Tensor, cls: torch.Tensor, threshold: float = 0.9) -> dict:
    sure = conf >= threshold
    hist = torch.bincount(cls[sure], minlength=10).tolist()
    return {"n": len(conf), "confident_share": round(sure.float().mean().item(), 4), "threshold": threshold,
            "classes_confident": hist, "classes_present": int(sum(h > 0 for h in hist)),
            "largest_class_share": round(max(hist) / max(1, sum(hist)), 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/bench_gan_digits")
    ap.add_argument("--run", default=None, help="measure an existing run")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--set", action="append", default=[])
    args = ap.parse_args()
    torch.set_num_threads(1)
    out = Path(args.out)
    result: dict = {}
    if args.run:
        run = Path(args.run)
    else:
        run = out / "run"
        cmd = [sys.executable, "-m", "ganforge.cli", "train", "gan", "--data", "digits", "--steps", str(args.steps),
               "--out", str(run), "--seed", str(args.seed), "--set", "train.threads=1"]
        for s in args.set:
            cmd += ["--set", s]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.time()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        result["training"] = {"wall_seconds": round(time.time() - t0, 1), "cpu_seconds": round(
            after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 1), "set": args.set}

    from ganforge.api import load
    from ganforge.config import DataConfig
    from ganforge.data import load_data

    G = load(run)
    result["step"] = int(G.step)
    result["samples"] = summary(*read_digits(G.sample(args.n, seed=0)))
    real = load_data(DataConfig(name="digits"))
    result["real_digits"] = summary(*read_digits(real.x))
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2))
    s, r = result["samples"], result["real_digits"]
    print(f"{run} (step {result['step']}): {100 * s['confident_share']:.1f}% of {s['n']} samples read with "
          f"p ≥ {s['threshold']} by digits-cnn (real digits: {100 * r['confident_share']:.1f}%); "
          f"classes of those: {s['classes_confident']} ({s['classes_present']}/10 present, largest "
          f"{100 * s['largest_class_share']:.1f}%)")
    if "training" in result:
        t = result["training"]
        print(f"training: {t['cpu_seconds']:.0f} CPU s, {t['wall_seconds']:.0f} s wall")


if __name__ == "__main__":
    main()
