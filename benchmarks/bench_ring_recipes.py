"""Issue 5, "must hold" 4: mode coverage on ring-2d (8 Gaussians) for each image recipe's loss,
regulariser, optimiser and schedule, on the shared toy MLPs (recipes/base.py
point_data_defaults). Prints one line per recipe and a markdown table.

    python benchmarks/bench_ring_recipes.py --steps 3000 [--recipes wgan-gp,wgan,...]
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import ganforge
from ganforge.training.report import read_metrics

RECIPES = ["wgan-gp", "wgan", "dcgan", "lsgan", "sngan"]


def _num(v) -> str:
    return "–" if v is None else f"{v:.3f}"  # mode KL is undefined when no mode is covered


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=3000, help="G steps per recipe")
    ap.add_argument("--recipes", default=",".join(RECIPES))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs/bench-ring")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    rows = []
    for name in args.recipes.split(","):
        run = Path(args.out) / name
        shutil.rmtree(run, ignore_errors=True)
        res = ganforge.train(name, data="ring-2d", steps=args.steps, out=run, seed=args.seed, console=False,
                             set=[f"train.threads={args.threads}", "train.log_every=250", "train.sample_every=100000"])
        recs = read_metrics(run)
        last = recs[-1]
        row = {"recipe": name, "steps": res["step"], "seconds": round(res["seconds"], 1),
               "modes_covered": last["modes_covered"], "modes_total": last["modes_total"],
               "hq_share": last["hq_share"], "mode_kl": last["mode_kl"], "jsd": last["jsd"],
               "max_modes_seen": max(r["modes_covered"] for r in recs)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    print("\n| recipe (loss, regulariser) on ring-2d | G steps | modes covered | high-quality share | mode KL | s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['recipe']} | {r['steps']} | {r['modes_covered']}/{r['modes_total']} | {100 * r['hq_share']:.1f}% "
              f"| {_num(r['mode_kl'])} | {r['seconds']} |")


if __name__ == "__main__":
    main()
