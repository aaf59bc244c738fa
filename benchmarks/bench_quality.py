"""Quality against time (issue 15): FID of each convolutional recipe's CPU preset on MNIST against
the CPU seconds its training has used, beside a plain PyTorch DCGAN loop of the same
architecture (torchvision MNIST through a DataLoader with transforms, as tutorials write it)
run in the same session.

Time is the training process's CPU time (``time.process_time``, one thread), counted from
before the data are loaded: it moves far less than wall time on a shared machine. Evaluation
is not counted: every ``--every`` CPU seconds training pauses, the sampling network (eval mode)
draws ``--n`` images with a fixed seed, and their FID against the 10,000 MNIST test images is
taken with the shipped ``mnist-cnn`` features (``--data cifar10``: CIFAR-10 at a reduced width,
``cifar10-cnn`` features). Each run ends at its preset's steps or at ``--cap`` CPU seconds.

    OMP_NUM_THREADS=1 python benchmarks/bench_quality.py --data-root ../shared/data
    python benchmarks/bench_quality.py --draw runs/bench-quality/results.json   # plot and table again

``--recipes pytorch-loop-RECIPE`` (lsgan, wgan, wgan-gp, sngan; also dcgan, which is
``pytorch-loop``): the same kind of plain loop, of that recipe's own algorithm as ganforge resolves
it (loss, critic iterations and their warm-up, optimiser, lr schedule, clipping, gradient penalty,
spectral norm, batch sizes, z, dequantisation; ``run_plain``), so that each recipe can be measured
against its own algorithm written plainly rather than against the DCGAN loop:

    OMP_NUM_THREADS=1 python benchmarks/bench_quality.py --data-root DATA --data cifar10 \
        --every 15 --cap 150 --recipes pytorch-loop-sngan,sngan --out OUT
    OMP_NUM_THREADS=1 python benchmarks/bench_quality.py --data-root DATA --data cifar10 \
        --every 15 --cap 150 --recipes sngan --label sngan-bf16 --set train.precision=bf16-mixed --out OUT
    python benchmarks/bench_quality.py --data cifar10 --collect --images --out OUT

Writes OUT/results.json, OUT/<name>/grid.png, and with --images the plot
docs/images/quality-vs-time.png and the sample panel docs/images/quality-vs-time-samples.png
(with matched loops in OUT: docs/images/quality-vs-time[-cifar10]-matched[-samples].png, one panel
per recipe).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from quality_common import BASELINE, CIFAR_SETS, RECIPES, CpuClock, FidProbe, fid_curve
from quality_draw import draw, draw_matched
from quality_plain import run_plain


def run_recipe(name: str, args, probe: FidProbe, z_seed: int) -> dict:
    from ganforge.recipes.base import resolve_config
    from ganforge.registry import RECIPES
    from ganforge.training.loop import make_fabric
    from ganforge.training.run import TrainingRun

    torch.set_num_threads(1)
    clock = CpuClock()
    clock.start()  # data loading and building count
    extra = CIFAR_SETS[name] if args.data == "cifar10" else []
    cfg = resolve_config(name, sets=[f"data.name={args.data}", f"data.root={args.data_root}", "train.threads=1",
                                     "train.device=cpu", *extra, *args.sets])
    fabric = make_fabric(cfg)
    fabric.launch()
    run = TrainingRun(cfg, RECIPES.get(name), fabric)
    clock.stop()
    total, setup = cfg.train.steps, clock.total
    state = {"step": 0}

    def chunk() -> bool:
        run.step(state["step"], False)
        state["step"] += 1
        return state["step"] < total

    gen = torch.Generator().manual_seed(z_seed)
    lat = run.latent.sample(args.n, generator=gen)
    z = run.latent.g_args(lat)[0]
    out = fid_curve(chunk, lambda: run.sampling_net, z, probe, clock, args.every, args.cap,
                 Path(args.out) / (args.label or name) / "grid.png")
    return {"name": name, "preset_steps": total, "batch": cfg.train.batch_size, "d_steps": cfg.d_steps,
            "setup_s": round(setup, 1), **out}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--data", default="mnist", choices=["mnist", "cifar10"])
    ap.add_argument("--recipes", default=",".join((BASELINE, *RECIPES)))
    ap.add_argument("--every", type=float, default=20.0, help="CPU seconds between FID evaluations")
    ap.add_argument("--cap", type=float, default=360.0, help="CPU seconds at most per run")
    ap.add_argument("--baseline-steps", type=int, default=None, help="default: the dcgan preset's steps")
    ap.add_argument("--n", type=int, default=2000, help="generated images per FID")
    ap.add_argument("--out", default="runs/bench-quality")
    ap.add_argument("--set", dest="sets", action="append", default=[], help="extra config override for every recipe")
    ap.add_argument("--label", default=None, help="the run's name in the table and its folder (e.g. dcgan-bf16)")
    ap.add_argument("--collect", action="store_true", help="only gather OUT/*/result.json into the table and plots")
    ap.add_argument("--images", action="store_true", help="write docs/images/quality-vs-time*.png")
    ap.add_argument("--draw", default=None, help="only print the table (and --images) from a results.json")
    args = ap.parse_args()
    if args.draw:
        draw(json.loads(Path(args.draw).read_text()), args.images)
        return
    if args.collect:
        collect(args)
        return
    if args.data_root is None:
        ap.error("--data-root is required (the folder holding MNIST/raw, cifar10_jpeg/)")
    torch.set_num_threads(1)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    probe = FidProbe(args.data, args.data_root, args.n)
    for name in [n for n in args.recipes.split(",") if n]:
        print(f"== {name}", flush=True)
        if name == BASELINE:
            row = run_plain("dcgan", args, probe, 0, args.baseline_steps)
        elif name.startswith(BASELINE + "-"):  # pytorch-loop-<recipe>: a plain loop of that recipe's algorithm
            row = run_plain(name[len(BASELINE) + 1:], args, probe, 0)
        else:
            row = run_recipe(name, args, probe, 0)
        if args.label:
            row["name"] = args.label
        row.update(data=args.data, sets=args.sets, load=" ".join(_load()))
        (Path(args.out) / row["name"] / "result.json").write_text(json.dumps(row, indent=1))
    collect(args)


def _load() -> list[str]:
    return open("/proc/loadavg").read().split()[:3] if Path("/proc/loadavg").is_file() else ["?"]


def collect(args) -> None:
    """Every OUT/<run>/result.json of this dataset (runs may be made by separate processes, e.g. in
    parallel: their CPU times do not depend on it) → OUT/results.json, the table and the plots."""
    rows = [json.loads(p.read_text()) for p in sorted(Path(args.out).glob("*/result.json"))]
    rows = [r for r in rows if r.get("data") == args.data]
    rank = {n: i for i, n in enumerate((BASELINE, *RECIPES))}
    rows.sort(key=lambda r: (rank.get(r["name"], rank.get(r["name"].rsplit("-", 1)[0], 99)), r["name"]))
    results = {"data": args.data, "features": f"{args.data}-cnn", "n": args.n, "every": args.every, "cap": args.cap,
               "out": args.out, "load": "; ".join(f"{r['name']}: {r['load']}" for r in rows),
               "torch": torch.__version__, "runs": rows}
    (Path(args.out) / "results.json").write_text(json.dumps(results, indent=1))
    if any(r["name"].startswith(BASELINE + "-") for r in rows):
        draw_matched(results, args.images)
    if any(r["name"] == BASELINE for r in rows):
        draw(results, args.images)
    elif not any(r["name"].startswith(BASELINE + "-") for r in rows):
        print("(no baseline run yet: run --recipes pytorch-loop or pytorch-loop-RECIPE to draw the table)")


if __name__ == "__main__":
    main()
