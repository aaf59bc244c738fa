"""Issue 3, "must hold" 2: toy-target quality benchmark (not a timed test).

    python benchmarks/bench_toy.py [--recipe gan-modern|gan] [--steps-1d 12000] [--steps-2d 6000] [--out DIR]
                                   [--seed N] [--cases NAME ...]

Trains `gan-modern` (default; `--recipe gan`: the 2014 recipe, SGD) with its toy presets on
gaussian-1d (the Figure 1 target), on gaussian-1d with mean 0 / std 1, and on
ring-2d (non-saturating G loss), then checks:
JSD ≤ 0.01 nats and |mean D − ½| ≤ 0.05 on real and generated points (the probe's eval-mode
means over 50,000 points), and on ring-2d all 8 modes covered with ≥ 90% high-quality samples.
Prints one line per case and writes the numbers to OUT/bench_toy.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import torch

import ganforge
from ganforge.training.report import read_metrics


def run_case(recipe: str, name: str, data: str, steps: int, out: Path, sets: list[str]) -> dict:
    run = out / name
    shutil.rmtree(run, ignore_errors=True)
    t0 = time.perf_counter()
    res = ganforge.train(recipe, data=data, steps=steps, out=run, console=False,
                         set=["train.threads=1", "train.log_every=250", "train.sample_every=100000",
                              "g_objective=non_saturating"] + sets)
    wall = time.perf_counter() - t0
    recs = read_metrics(run)
    last = recs[-1]
    row = {"recipe": recipe, "case": name, "data": data, "steps": res["step"], "train_seconds": round(res["seconds"], 1),
           "wall_seconds": round(wall, 1), "set": sets,
           **{k: last.get(k) for k in ("jsd", "c_of_g", "d_star_gap", "d_real_eval", "d_fake_eval", "d_real",
                                       "d_fake", "modes_covered", "modes_total", "hq_share", "mode_kl")},
           "best_jsd": min(r["jsd"] for r in recs if r.get("jsd") is not None)}
    if data.endswith("1d"):
        row["pass"] = bool(last["jsd"] <= 0.01 and abs(last["d_real_eval"] - 0.5) <= 0.05
                           and abs(last["d_fake_eval"] - 0.5) <= 0.05)
    else:
        row["pass"] = bool(last["modes_covered"] == last["modes_total"] and last["hq_share"] >= 0.9)
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps-1d", type=int, default=12000)
    ap.add_argument("--steps-2d", type=int, default=6000)
    ap.add_argument("--recipe", choices=["gan-modern", "gan"], default="gan-modern")
    ap.add_argument("--seed", type=int, default=None, help="train.seed for every case (default: the recipe's)")
    ap.add_argument("--cases", nargs="+", default=None, help="run only these cases (default: all three)")
    ap.add_argument("--out", default=None, help="default runs/bench_toy (gan-modern), runs/bench_toy_gan (gan)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    out = Path(args.out or ("runs/bench_toy" if args.recipe == "gan-modern" else f"runs/bench_toy_{args.recipe}"))
    out.mkdir(parents=True, exist_ok=True)
    cases = [("gaussian-1d", "gaussian-1d", args.steps_1d, []),
             ("gaussian-1d-mean0-std1", "gaussian-1d", args.steps_1d, ["data.args.mean=0", "data.args.std=1"]),
             ("ring-2d", "ring-2d", args.steps_2d, [])]
    if args.cases:
        unknown = set(args.cases) - {c[0] for c in cases}
        if unknown:
            ap.error(f"unknown case(s) {sorted(unknown)}; valid: {[c[0] for c in cases]}")
        cases = [c for c in cases if c[0] in args.cases]
    seed = [] if args.seed is None else [f"train.seed={args.seed}"]
    rows = []
    for name, data, steps, sets in cases:
        row = run_case(args.recipe, name, data, steps, out, sets + seed)
        rows.append(row)
        if data.endswith("1d"):
            print(f"{name:24s} {row['steps']} steps {row['wall_seconds']:.0f}s  JSD {row['jsd']:.4f} "
                  f"(best {row['best_jsd']:.4f})  D(real) {row['d_real_eval']:.3f}  D(fake) {row['d_fake_eval']:.3f}  "
                  f"{'PASS' if row['pass'] else 'FAIL'}", flush=True)
        else:
            print(f"{name:24s} {row['steps']} steps {row['wall_seconds']:.0f}s  modes {row['modes_covered']}/"
                  f"{row['modes_total']}  hq {row['hq_share']:.1%}  mode_kl {row['mode_kl']:.3f}  JSD {row['jsd']:.3f}  "
                  f"{'PASS' if row['pass'] else 'FAIL'}", flush=True)
    (out / "bench_toy.json").write_text(json.dumps({"recipe": args.recipe, "seed": args.seed, "torch_threads": 1, "cases": rows}, indent=2))


if __name__ == "__main__":
    main()
