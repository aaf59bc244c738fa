"""Issue 5 benchmark: dcgan, lsgan, wgan, wgan-gp and sngan on MNIST (32×32) for a fixed
wall-clock budget each, then FID/KID with the shipped MNIST classifier, beside the real-data
floor (MNIST train vs test with the same features and counts).

All five use the DCGAN backbone at width 32 (the WGAN-GP / SN-GAN ResNets cost far too much
per step for a few CPU minutes); each keeps its own loss, regulariser, optimiser and n_critic.
The critic's normalisation follows each paper: batch norm (DCGAN, LSGAN, WGAN), layer norm
(WGAN-GP, which forbids batch norm), none (SN-GAN, spectral norm instead).

    python benchmarks/bench_conv_family.py --data-root ../shared/data --budget 150 --n 5000
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

LOG_EVERY = 20
RECIPES = {"dcgan": "batch", "lsgan": "batch", "wgan": "batch", "wgan-gp": "layer", "sngan": "none"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", required=True)
    ap.add_argument("--budget", type=float, default=150.0, help="training seconds per recipe")
    ap.add_argument("--n", type=int, default=5000, help="samples for FID/KID (and reference images)")
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--out", default="runs/bench-conv")
    ap.add_argument("--recipes", default=",".join(RECIPES))
    ap.add_argument("--json", default=None)
    ap.add_argument("--set", dest="sets", action="append", default=[],
                    help="extra config override for every recipe, e.g. train.channels_last=true")
    args = ap.parse_args()

    import torch

    import ganforge
    from ganforge.bench import measure_peak
    from ganforge.metrics import EvalOptions, evaluate
    from ganforge.training.report import mean_sec_per_step, read_metrics

    peak = measure_peak(torch.float32)
    opts = EvalOptions(n=args.n, kid_subset_size=min(1000, args.n))
    floor = evaluate(images="mnist:train", reference="mnist:test", data_root=args.data_root, metrics="fid,kid",
                     features="mnist-cnn", options=opts, out=None)
    floor_v = {c["metric"]: c["value"] for c in floor}
    rows = []
    for name in args.recipes.split(","):
        run = Path(args.out) / name
        shutil.rmtree(run, ignore_errors=True)
        sets = ["G.arch=dcgan_generator", "D.arch=dcgan_discriminator", f"G.args.ngf={args.width}",
                f"D.args.ndf={args.width}", f"D.args.norm={RECIPES[name]}", "data.image_size=32",
                f"train.time_limit_s={args.budget}", f"train.log_every={LOG_EVERY}", "train.sample_every=100000",
                "train.ckpt_every=100000", *args.sets]
        info = ganforge.train(name, data="mnist", data_root=args.data_root, set=sets, dry_run=True, console=False)
        t0 = time.perf_counter()
        res = ganforge.train(name, data="mnist", data_root=args.data_root, steps=10**7, out=run, set=sets,
                             console=False)
        wall = time.perf_counter() - t0
        sec = mean_sec_per_step(read_metrics(run), after_step=LOG_EVERY)  # the first interval holds warm-up
        cfg = info["config"]
        imgs = cfg["train"]["batch_size"] * cfg["d_steps"] / sec
        cards = evaluate(run_dir=str(run), reference="mnist:test", data_root=args.data_root, metrics="fid,kid",
                         features="mnist-cnn", options=opts, out=str(run / "eval.jsonl"))
        v = {c["metric"]: (c["value"], c.get("std")) for c in cards}
        row = {"recipe": name, "steps": res["step"], "train_s": round(wall, 1), "images_per_s": imgs,
               "gflops": info["flops_per_step"] / sec / 1e9, "util": info["flops_per_step"] / sec / peak,
               "fid": v["fid"][0], "kid": v["kid"][0], "kid_std": v["kid"][1]}
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"\nmeasured fp32 matmul peak: {peak / 1e9:.0f} GFLOP/s; n = {args.n} samples vs MNIST test")
    print("| recipe | G steps in budget | images/s | GFLOP/s (% of peak) | FID (mnist-cnn) | KID (mnist-cnn) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['recipe']} | {r['steps']} | {r['images_per_s']:.0f} | {r['gflops']:.1f} ({100 * r['util']:.0f}%) "
              f"| {r['fid']:.2f} | {r['kid']:.2f} ± {(r['kid_std'] or 0):.2f} |")
    print(f"| real-data floor (MNIST train vs test) | – | – | – | {floor_v['fid']:.2f} | {floor_v['kid']:.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "floor": floor_v, "peak": peak}, indent=2))


if __name__ == "__main__":
    main()
