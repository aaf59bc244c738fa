"""Issue 12 benchmark: PGGAN and StyleGAN grown to 32×32 on a CPU step budget (the recipes' dataset
presets: MNIST, CIFAR-10), then FID / KID / precision-recall with the project's offline features
(``ganforge eval``: mnist-cnn for MNIST, cifar10-cnn / auto for CIFAR-10), the wall time spent per
resolution (each resolution's fade-in counted with it), and the pictures:

- ``pggan-<data>-growing.png``: the EMA generator's fixed-noise grid at the end of each
  resolution's stabilising phase (4², 8², 16², 32²);
- ``stylegan-<data>-style-mixing.png``, ``-noise.png``, ``-truncation.png``: the paper's
  Figures 3, 4 and 8 (``ganforge.viz.style_pictures``).

    python benchmarks/bench_growing.py --data-root ../shared/data --pictures docs/images            # both, MNIST
    python benchmarks/bench_growing.py --data-root ../shared/data --only pggan --data cifar10
    python benchmarks/bench_growing.py --data-root ../shared/data --reuse --out /tmp/growing       # eval + pictures
                                                                                                  # of finished runs
Runs single-threaded (train.threads=1); wall times depend on the machine's load.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import defaultdict
from pathlib import Path

LOG_EVERY = 50


def stable_ends(cfg) -> dict[int, int]:
    """resolution → the step at which its stabilising phase ends (the last resolution: the run's end)."""
    a = cfg.recipe_args
    batch = cfg.train.batch_size
    size = cfg.data.image_size[0]
    start = int(math.log2(a["start_resolution"]))
    period = a["stabilise_images"] + a["fade_images"]
    ends = {}
    for lg in range(start, int(math.log2(size)) + 1):
        images = (lg - start) * period + a["stabilise_images"]
        ends[2**lg] = min(images // batch, cfg.train.steps)
    ends[size] = cfg.train.steps
    return ends


def time_per_resolution(run: Path) -> dict[int, float]:
    """Seconds per resolution (the higher one during a fade), from metrics.jsonl's intervals."""
    from ganforge.training.report import read_metrics

    spent: dict[int, float] = defaultdict(float)
    last = 0
    for r in read_metrics(run):
        spent[int(round(r["resolution"]))] += r["sec_per_step"] * (r["step"] - last)
        last = r["step"]
    return dict(sorted(spent.items()))


def train(recipe: str, data: str, args) -> Path:
    import ganforge
    from ganforge.recipes import resolve_config

    run = Path(args.out) / f"{recipe}-{data}"
    cfg = resolve_config(recipe, overrides={"data": {"name": data}})
    every = min(stable_ends(cfg).values())
    if args.reuse and (run / "checkpoints").is_dir():
        return run
    sets = ["train.threads=1", f"train.log_every={LOG_EVERY}", f"train.sample_every={every}",
            f"train.ckpt_every={every}", *args.sets]
    ganforge.train(recipe, data=data, data_root=args.data_root, out=run, set=sets, console=False)
    return run


def measure(recipe: str, data: str, run: Path, args) -> dict:
    from ganforge.metrics import evaluate
    from ganforge.metrics.runner import EvalOptions
    from ganforge.training.report import read_metrics

    t0 = time.perf_counter()
    cards = evaluate(run_dir=str(run), data_root=args.data_root, metrics="fid,kid,pr",
                     options=EvalOptions(n=args.n, kid_subset_size=min(1000, args.n)), out=str(run / "eval.jsonl"))
    v = {c["metric"]: (c["value"], c.get("std"), c.get("features")) for c in cards}
    from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint

    recs = read_metrics(run)
    per_res = time_per_resolution(run)
    images = int(load_checkpoint(latest_checkpoint(run))["recipe_state"]["images"])  # the image clock at the end
    return {"recipe": recipe, "data": data, "steps": recs[-1]["step"], "kimg": round(images / 1000, 1),
            "train_s": round(sum(per_res.values()), 1), "s_per_resolution": {str(k): round(s, 1) for k, s in per_res.items()},
            "fid": v["fid"][0], "kid": v["kid"][0], "kid_std": v["kid"][1], "precision": v["precision"][0],
            "recall": v["recall"][0], "features": v["fid"][2], "n": args.n, "eval_s": round(time.perf_counter() - t0, 1)}


def pictures(recipe: str, data: str, run: Path, out: Path) -> list[Path]:
    import ganforge

    out.mkdir(parents=True, exist_ok=True)
    if recipe == "stylegan":
        from ganforge.viz.style_pictures import save_style_pictures

        G = ganforge.load(run)
        return list(save_style_pictures(G.G, out, prefix=f"stylegan-{data}").values())
    from PIL import Image, ImageDraw

    ends = stable_ends(ganforge.load(run).cfg)
    tiles = []
    for res, step in ends.items():
        shot = run / "samples" / f"step_{step:06d}.png"
        if shot.is_file():
            img = Image.open(shot).convert("RGB")
            img = img.resize((360, round(360 * img.height / img.width)), Image.NEAREST)
            tiles.append((res, step, img))
    width = sum(t[2].width for t in tiles) + 10 * (len(tiles) + 1)
    canvas = Image.new("RGB", (width, tiles[0][2].height + 34), "white")
    x = 10
    draw = ImageDraw.Draw(canvas)
    for res, step, img in tiles:
        canvas.paste(img, (x, 28))
        draw.text((x, 8), f"{res}x{res} (step {step:,})", fill="black")
        x += img.width + 10
    path = out / f"pggan-{data}-growing.png"
    canvas.save(path)
    return [path]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-root", required=True)
    ap.add_argument("--data", default="mnist", help="mnist, fashion-mnist or cifar10 (the recipes' CPU presets)")
    ap.add_argument("--only", choices=["pggan", "stylegan"], default=None)
    ap.add_argument("--out", default="/tmp/ganforge-growing")
    ap.add_argument("--n", type=int, default=5000, help="samples for FID / KID / PR (and reference images)")
    ap.add_argument("--set", dest="sets", action="append", default=[], help="extra --set items for both runs")
    ap.add_argument("--reuse", action="store_true", help="keep finished runs in --out; only measure and draw")
    ap.add_argument("--pictures", default=None, help="folder for the PNGs (e.g. docs/images)")
    args = ap.parse_args()
    rows = []
    for recipe in ([args.only] if args.only else ["pggan", "stylegan"]):
        run = train(recipe, args.data, args)
        row = measure(recipe, args.data, run, args)
        if args.pictures:
            row["pictures"] = [str(p) for p in pictures(recipe, args.data, run, Path(args.pictures))]
        rows.append(row)
        print(json.dumps(row), flush=True)
    results = Path(args.out) / "results.json"
    old = json.loads(results.read_text()) if results.is_file() else []
    keep = [r for r in old if (r["recipe"], r["data"]) not in {(x["recipe"], x["data"]) for x in rows}]
    results.write_text(json.dumps(keep + rows, indent=2))
    print("\n| recipe | data | steps | kimg | train s (per resolution) | FID | KID | precision | recall |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in keep + rows:
        per = ", ".join(f"{k}²: {v:.0f}" for k, v in r["s_per_resolution"].items())
        print(f"| {r['recipe']} | {r['data']} | {r['steps']:,} | {r['kimg']} | {r['train_s']:.0f} ({per}) | "
              f"{r['fid']:.1f} | {r['kid']:.1f} ± {r['kid_std']:.1f} | {r['precision']:.3f} | {r['recall']:.3f} |")


if __name__ == "__main__":
    main()
