"""Issue 11 benchmark: SAGAN and BigGAN on MNIST or CIFAR-10 (32×32, the recipes' CPU presets)
under a stated CPU budget each, then, with the project's offline features for that dataset:
FID, KID, precision/recall and conditional accuracy of balanced-class samples; for BigGAN the
EMA generator beside the raw one and the truncation curve (thresholds 2.0 … 0.25: FID,
precision, recall, and IS where Inception weights are present).

Pictures (``--pictures DIR``): ``<recipe>-<data>.png`` (one row per class), ``biggan-<data>-ema-vs-raw.png``,
``biggan-<data>-truncation.png`` (the curve and grids of one z at four thresholds) and
``sagan-<data>-attention.png`` (the paper's Figure 1: for query points in generated images, where
G's attention layer looks).

    python benchmarks/bench_attention.py --data mnist --data-root ../shared/data --budget 1800 --pictures docs/images
    python benchmarks/bench_attention.py --data mnist --data-root ../shared/data --runs sagan=RUN,biggan=RUN  # measure runs
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

THRESHOLDS = (2.0, 1.5, 1.0, 0.75, 0.5, 0.25)


def train(recipe: str, args) -> Path:
    import ganforge

    run = Path(args.out) / f"{recipe}-{args.data}"
    limit = [] if args.steps else [f"train.time_limit_s={args.budget}"]
    sets = [*limit, f"train.threads={args.threads}", "train.log_every=100", "train.sample_every=500",
            "train.ckpt_every=500", *args.sets]
    t0 = time.perf_counter()
    res = ganforge.train(recipe, data=args.data, data_root=args.data_root, steps=args.steps or 10**7, out=run,
                         set=sets, console=True)
    print(f"{recipe}: {res['step']} steps in {time.perf_counter() - t0:.0f} s", flush=True)
    return run


def measure(run: Path, args, **kw) -> dict:
    from ganforge.metrics import evaluate
    from ganforge.metrics.runner import EvalOptions

    metrics = kw.pop("metrics", "fid,kid,pr,cacc")
    opts = EvalOptions(n=args.n, seed=0, kid_subset_size=min(1000, args.n), **kw)
    cards = evaluate(run_dir=str(run), reference=f"{args.data}:test", data_root=args.data_root, metrics=metrics,
                     features="auto", options=opts, out=str(run / "eval-bench.jsonl"))
    out = {c["metric"]: c["value"] for c in cards}
    out["features"] = next((c["feature_net"]["name"] for c in cards if c.get("feature_net")), None)
    if "kid" in out:
        out["kid_std"] = next(c.get("std") for c in cards if c["metric"] == "kid")
    return out


def run_facts(run: Path) -> dict:
    from ganforge.training.report import read_metrics

    recs = read_metrics(run)
    steps = [0] + [r["step"] for r in recs]
    seconds = sum(r.get("sec_per_step", 0) * (s - prev) for r, s, prev in zip(recs, steps[1:], steps))
    return {"steps": steps[-1], "train_s": round(seconds)}


def inception_present() -> bool:
    try:
        from ganforge.metrics.features import inception_weights_file

        return inception_weights_file().is_file()
    except Exception:  # noqa: BLE001  (absent weights or a missing extra: IS is skipped)
        return False


def pictures(runs: dict[str, Path], args, curve: list[dict] | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import ganforge
    from ganforge.viz.grid import save_grid

    folder = Path(args.pictures)
    folder.mkdir(parents=True, exist_ok=True)
    for recipe, run in runs.items():
        G = ganforge.load(run)
        y = torch_arange_rows(G.n_classes or 1, 10)
        save_grid(G.sample(len(y), seed=0, y=y if G.n_classes else None), folder / f"{recipe}-{args.data}.png", nrow=10)
        if recipe == "biggan":
            ema_vs_raw(run, folder / f"biggan-{args.data}-ema-vs-raw.png")
            if curve:
                truncation_figure(G, curve, folder / f"biggan-{args.data}-truncation.png")
        if recipe == "sagan":
            attention_figure(G, folder / f"sagan-{args.data}-attention.png")


def torch_arange_rows(classes: int, cols: int):
    import torch

    return torch.arange(classes).repeat_interleave(cols)


def _imshow_grid(ax, x, nrow: int, title: str) -> None:
    from torchvision.utils import make_grid

    grid = make_grid(x, nrow=nrow, padding=1, pad_value=1.0).permute(1, 2, 0).numpy()
    ax.imshow(grid.squeeze(), cmap="gray" if grid.shape[2] == 1 or grid.ndim == 2 else None, vmin=0, vmax=1)
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def ema_vs_raw(run: Path, path: Path) -> None:
    import matplotlib.pyplot as plt

    import ganforge

    ema, raw = ganforge.load(run), ganforge.load(run, ema=False)
    y = torch_arange_rows(ema.n_classes or 1, 8)
    fig, axes = plt.subplots(1, 2, figsize=(8, 0.5 + 0.4 * len(y) / 8 * 2))
    _imshow_grid(axes[0], ema.sample(len(y), seed=1, y=y if ema.n_classes else None), 8, f"EMA G (step {ema.step})")
    _imshow_grid(axes[1], raw.sample(len(y), seed=1, y=y if raw.n_classes else None), 8, "raw G (same z, y)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def truncation_figure(G, curve: list[dict], path: Path) -> None:
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(11, 4.2))
    ax = fig.add_subplot(1, 5, (1, 2))
    t = [r["threshold"] for r in curve]
    ax.plot(t, [r["fid"] for r in curve], "o-", color="black", label="FID")
    ax.set_xlabel("truncation threshold")
    ax.set_ylabel("FID (project features)")
    ax.invert_xaxis()
    ax2 = ax.twinx()
    ax2.plot(t, [r["precision"] for r in curve], "s--", color="tab:blue", label="precision")
    ax2.plot(t, [r["recall"] for r in curve], "^--", color="tab:red", label="recall")
    ax2.set_ylim(0, 1)
    fig.legend(loc="upper left", fontsize=8)
    ax.set_title("BigGAN EMA G: fidelity vs variety", fontsize=9)
    y = torch_arange_rows(G.n_classes or 1, 3)[: 30]
    for i, thr in enumerate((2.0, 1.0, 0.5)):
        _imshow_grid(fig.add_subplot(1, 5, 3 + i), G.sample(len(y), seed=4, y=y if G.n_classes else None,
                                                            truncation=thr), 3, f"threshold {thr}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def attention_figure(G, path: Path, n_images: int = 4, queries: int = 3) -> None:
    """Figure 1 of the paper: for query positions in generated images, the attention map of G's
    self-attention layer (β over the pooled key positions, up-sampled to the image)."""
    import matplotlib.pyplot as plt
    import torch
    import torch.nn.functional as F

    att = G.G.attention
    seen = {}
    hook = att.register_forward_hook(lambda m, inp, out: seen.__setitem__("x", inp[0]))
    y = torch.arange(n_images) % (G.n_classes or 1)
    x = G.sample(n_images, seed=5, y=y if G.n_classes else None)
    hook.remove()
    with torch.no_grad():
        beta, _ = att.attention(seen["x"])  # [N, HW, HW']
    side = seen["x"].shape[-1]
    pooled = int(round(beta.shape[-1] ** 0.5))
    colors = ["red", "lime", "deepskyblue"]
    fig, axes = plt.subplots(n_images, queries + 1, figsize=(2.0 * (queries + 1), 2.0 * n_images))
    for i in range(n_images):
        img = x[i].mean(0)
        # queries: the brightest feature-map cells of the image, spread apart
        small = F.adaptive_avg_pool2d(img[None, None], side)[0, 0]
        order = small.flatten().argsort(descending=True).tolist()
        picks = []
        for q in order:
            r, c = divmod(q, side)
            if all(abs(r - r2) + abs(c - c2) >= side // 3 for r2, c2 in picks):
                picks.append((r, c))
            if len(picks) == queries:
                break
        scale = img.shape[-1] / side
        axes[i, 0].imshow(x[i].permute(1, 2, 0).squeeze(), cmap="gray", vmin=0, vmax=1)
        for k, (r, c) in enumerate(picks):
            axes[i, 0].plot((c + 0.5) * scale - 0.5, (r + 0.5) * scale - 0.5, "o", color=colors[k], ms=6)
            amap = beta[i, r * side + c].view(1, 1, pooled, pooled)
            amap = F.interpolate(amap, size=img.shape[-2:], mode="nearest")[0, 0]
            axes[i, k + 1].imshow(img, cmap="gray", vmin=0, vmax=1)
            axes[i, k + 1].imshow(amap, cmap="inferno", alpha=0.6)
            axes[i, k + 1].plot((c + 0.5) * scale - 0.5, (r + 0.5) * scale - 0.5, "o", color=colors[k], ms=6)
        for a in axes[i]:
            a.axis("off")
    axes[0, 0].set_title("sample + queries", fontsize=9)
    for k in range(queries):
        axes[0, k + 1].set_title(f"attention of query {k + 1}", fontsize=9)
    fig.suptitle(f"SAGAN G's self-attention at {side}×{side} (γ = {att.gamma.item():.3f})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="mnist", choices=["mnist", "fashion-mnist", "cifar10"])
    ap.add_argument("--data-root", required=True)
    ap.add_argument("--recipes", default="sagan,biggan")
    ap.add_argument("--budget", type=float, default=1800, help="wall seconds of training per recipe")
    ap.add_argument("--steps", type=int, default=None, help="a step budget instead of --budget")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", default=None, help="measure existing runs: recipe=RUN_DIR,... (no training)")
    ap.add_argument("--out", default="runs/bench-attention")
    ap.add_argument("--n", type=int, default=5000, help="samples (and test images) per measurement")
    ap.add_argument("--set", dest="sets", action="append", default=[])
    ap.add_argument("--pictures", default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    if args.runs:
        runs = {k: Path(v) for k, v in (item.split("=", 1) for item in args.runs.split(","))}
    else:
        runs = {r: train(r, args) for r in args.recipes.split(",")}
    rows, curve = [], None
    for recipe, run in runs.items():
        row = {"recipe": recipe, "data": args.data, **run_facts(run), "generator": "EMA" if recipe == "biggan" else "G",
               **measure(run, args)}
        rows.append(row)
        if recipe == "biggan":
            rows.append({"recipe": recipe, "data": args.data, **run_facts(run), "generator": "raw",
                         **measure(run, args, ema=False)})
            metrics = "fid,pr" + (",is" if inception_present() else "")
            curve = [{"threshold": t, **measure(run, args, truncation=t, metrics=metrics)} for t in THRESHOLDS]
    print(f"\n{args.data}, {args.n} samples vs {args.n} test images, features {rows[0]['features']}")
    print("| recipe | G | steps | train s | FID | KID | precision | recall | cond. acc. |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['recipe']} | {r['generator']} | {r['steps']} | {r['train_s']} | {r['fid']:.1f} | "
              f"{r['kid']:.2f} ± {r['kid_std'] or 0:.2f} | {r['precision']:.3f} | {r['recall']:.3f} | "
              f"{100 * r['conditional_accuracy']:.1f}% |")
    if curve:
        print("\nBigGAN truncation (EMA G)\n| threshold | FID | precision | recall |" + (" IS |" if "is" in curve[0] else ""))
        print("|---|---|---|---|" + ("---|" if "is" in curve[0] else ""))
        for c in curve:
            print(f"| {c['threshold']} | {c['fid']:.1f} | {c['precision']:.3f} | {c['recall']:.3f} |"
                  + (f" {c['is']:.2f} |" if "is" in c else ""))
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "truncation": curve}, indent=2))
    if args.pictures:
        pictures(runs, args, curve)


if __name__ == "__main__":
    main()
