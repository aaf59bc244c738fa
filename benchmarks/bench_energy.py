"""Issue 10 benchmark: EBGAN and BEGAN on MNIST under a fixed CPU budget each, then FID and KID
(shipped mnist-cnn features), precision and recall, beside the real-data floor (MNIST train vs
test, same features and counts). For BEGAN also M_global at the start and the end, k_t at the
end, and a γ sweep (0.3 / 0.5 / 0.7, each with the same budget).

Pictures (``--pictures DIR``): ``began-convergence.png`` (M_global and k_t over training above
the sample grids at four points, the idea of the paper's Figure 3), ``began-gamma.png`` (one
grid per γ) and ``ebgan-mnist.png``.

    python benchmarks/bench_energy.py --data-root ../shared/data --budget 600 --pictures docs/images
    python benchmarks/bench_energy.py --data-root ../shared/data --steps 12000 --only ebgan   # one run, added
    python benchmarks/bench_energy.py --data-root ../shared/data --draw --pictures docs/images  # table + pictures
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

LOG_EVERY = 100
SAMPLE_EVERY = 250
GAMMAS = (0.3, 0.5, 0.7)


def runs(gammas: tuple[float, ...]) -> list[tuple[str, str, list[str]]]:
    """(label, recipe, --set items). The recipes' mnist presets set the scale (BEGAN: 32×32, n = 32)."""
    out = [("ebgan", "ebgan", [])]
    out += [(f"began-gamma{g}", "began", [f"recipe_args.gamma={g}"]) for g in gammas]
    return out


def train_and_measure(label: str, recipe: str, sets: list[str], args, opts) -> dict:
    import ganforge
    from ganforge.metrics import evaluate
    from ganforge.training.report import read_metrics

    run = Path(args.out) / label
    shutil.rmtree(run, ignore_errors=True)
    limit = [] if args.steps else [f"train.time_limit_s={args.budget}"]
    sets = [*limit, f"train.log_every={LOG_EVERY}",
            f"train.sample_every={SAMPLE_EVERY}", "train.ckpt_every=100000", *sets, *args.sets]
    t0 = time.perf_counter()
    res = ganforge.train(recipe, data="mnist", data_root=args.data_root, steps=args.steps or 10**7, out=run, set=sets,
                         console=False)
    wall = time.perf_counter() - t0
    cards = evaluate(run_dir=str(run), reference="mnist:test", data_root=args.data_root, metrics="fid,kid,pr",
                     features="mnist-cnn", options=opts, out=str(run / "eval.jsonl"))
    v = {c["metric"]: (c["value"], c.get("std")) for c in cards}
    recs = read_metrics(run)
    row = {"run": label, "recipe": recipe, "sets": sets, "steps": res["step"], "train_s": round(wall, 1),
           "fid": v["fid"][0], "kid": v["kid"][0], "kid_std": v["kid"][1],
           "precision": v["precision"][0], "recall": v["recall"][0]}
    if recipe == "began":
        row.update(m_global_start=recs[0]["m_global"], m_global_end=recs[-1]["m_global"], k_end=recs[-1]["k"])
    return row


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def grid_of(run: Path, n: int = 64, seed: int = 0):
    """An 8-column sample grid of the run's generator, [H, W] in [0, 1] (one channel)."""
    from torchvision.utils import make_grid

    import ganforge

    x = ganforge.load(run).sample(n, seed=seed)
    return make_grid(x, nrow=8, padding=2, pad_value=0.5)[0].numpy()


def picture_convergence(run: Path, gamma: float, path: Path) -> None:
    """M_global and k_t over training above the preview grids at four points of the run."""
    plt = _pyplot()
    from PIL import Image

    from ganforge.training.report import read_metrics

    recs = read_metrics(run)
    steps = [r["step"] for r in recs]
    shots = sorted(run.glob("samples/step_*.png"))
    picks = [shots[round(i * (len(shots) - 1) / 3)] for i in range(4)] if len(shots) >= 4 else shots
    fig = plt.figure(figsize=(12, 6.6))
    ax = fig.add_axes([0.07, 0.58, 0.84, 0.37])
    ax.plot(steps, [r["m_global"] for r in recs], color="tab:blue", label="M_global")
    ax.set_xlabel("training step")
    ax.set_ylabel("M_global = L(x) + |γL(x) − L(G(z))|", color="tab:blue")
    ax2 = ax.twinx()
    ax2.plot(steps, [r["k"] for r in recs], color="tab:orange", label="k_t")
    ax2.set_ylabel("k_t", color="tab:orange")
    ax.set_title(f"BEGAN on MNIST (γ = {gamma}): the convergence measure M_global and k_t over training, "
                 f"the samples below")
    for i, shot in enumerate(picks):
        a = fig.add_axes([0.02 + i * 0.245, 0.02, 0.23, 0.46])
        a.imshow(Image.open(shot), cmap="gray")
        a.set_title(f"step {int(shot.stem.split('_')[1]):,}", fontsize=9)
        a.axis("off")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def picture_gamma(rows: list[dict], out: Path, path: Path) -> None:
    plt = _pyplot()

    sweep = [r for r in rows if r["recipe"] == "began"]
    fig, axes = plt.subplots(1, len(sweep), figsize=(4.2 * len(sweep), 4.6))
    for ax, r in zip(list(getattr(axes, "flat", [axes])), sweep):
        ax.imshow(grid_of(out / r["run"]), cmap="gray", vmin=0, vmax=1)
        gamma = r["run"].split("gamma")[1]
        ax.set_title(f"γ = {gamma}: FID {r['fid']:.1f}, recall {r['recall']:.2f}", fontsize=10)
        ax.axis("off")
    fig.suptitle(f"BEGAN's diversity ratio γ on MNIST ({sweep[0]['steps']:,} steps each)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def picture_grid(run: Path, title: str, path: Path) -> None:
    plt = _pyplot()

    fig, ax = plt.subplots(figsize=(5, 5.3))
    ax.imshow(grid_of(run), cmap="gray", vmin=0, vmax=1)
    ax.set_title(title, fontsize=10)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", required=True)
    ap.add_argument("--budget", type=float, default=600.0, help="training seconds per run")
    ap.add_argument("--steps", type=int, default=None,
                    help="a step budget per run instead of --budget (results independent of machine load)")
    ap.add_argument("--n", type=int, default=10000, help="samples for FID/KID/PR (and reference images)")
    ap.add_argument("--out", default="runs/bench-energy")
    ap.add_argument("--gammas", default=",".join(str(g) for g in GAMMAS))
    ap.add_argument("--only", default=None, help="comma-separated run labels (e.g. ebgan,began-gamma0.5)")
    ap.add_argument("--convergence-gamma", type=float, default=0.5, help="the γ run drawn with M_global")
    ap.add_argument("--pictures", default=None, help="folder for the pictures (e.g. docs/images)")
    ap.add_argument("--set", dest="sets", action="append", default=[], help="extra --set for every run")
    ap.add_argument("--draw", action="store_true", help="no training: the table and pictures of the runs in --out")
    args = ap.parse_args()

    from ganforge.metrics import EvalOptions, evaluate

    out = Path(args.out)
    saved = out / "results.json"  # runs measured by earlier invocations (--only) are kept
    gammas = tuple(float(g) for g in args.gammas.split(",") if g)
    rows = []
    if args.draw:  # only the table and the pictures, from the runs measured before
        floor = json.loads(saved.read_text())["floor"]
    else:
        opts = EvalOptions(n=args.n, kid_subset_size=min(1000, args.n))
        floor = {c["metric"]: c["value"] for c in evaluate(
            images="mnist:train", reference="mnist:test", data_root=args.data_root, metrics="fid,kid,pr",
            features="mnist-cnn", options=opts, out=None)}
        for label, recipe, sets in [r for r in runs(gammas) if not args.only or r[0] in args.only.split(",")]:
            row = train_and_measure(label, recipe, sets, args, opts)
            rows.append(row)
            print(json.dumps(row), flush=True)
    earlier = json.loads(saved.read_text()) if saved.exists() else {"rows": []}  # read now: runs may be parallel
    rows = [r for r in earlier["rows"] if r["run"] not in {x["run"] for x in rows}] + rows
    order = [x[0] for x in runs(GAMMAS + gammas)]
    rows.sort(key=lambda r: order.index(r["run"]) if r["run"] in order else len(order))
    if not args.draw:
        out.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps({"rows": rows, "floor": floor, "n": args.n}, indent=1))

    budget = f"{args.steps:,} steps" if args.steps else f"{args.budget:.0f} s of training"
    if args.draw:
        budget = "the recorded budget"
    n = earlier.get("n", args.n) if args.draw else args.n
    print(f"\nMNIST, {budget} per run, n = {n} samples vs MNIST test (mnist-cnn features)")
    print("| run | steps | train s | FID | KID | precision | recall | M_global start → end | k_t end |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        m = (f"{r['m_global_start']:.3f} → {r['m_global_end']:.3f} | {r['k_end']:.4f}" if "k_end" in r else "– | –")
        print(f"| {r['run']} | {r['steps']:,} | {r['train_s']:.0f} | {r['fid']:.1f} | {r['kid']:.2f} ± {(r['kid_std'] or 0):.2f} "
              f"| {r['precision']:.3f} | {r['recall']:.3f} | {m} |")
    print(f"| real data (MNIST train vs test) | – | – | {floor['fid']:.2f} | {floor['kid']:.2f} | {floor['precision']:.3f} "
          f"| {floor['recall']:.3f} | – | – |")
    if args.pictures:
        pics = Path(args.pictures)
        pics.mkdir(parents=True, exist_ok=True)
        by = {r["run"]: r for r in rows}
        main_run = f"began-gamma{args.convergence_gamma}"
        if main_run in by:
            picture_convergence(out / main_run, args.convergence_gamma, pics / "began-convergence.png")
        if sum(r["recipe"] == "began" for r in rows) > 1:
            picture_gamma(rows, out, pics / "began-gamma.png")
        if "ebgan" in by:
            r = by["ebgan"]
            picture_grid(out / "ebgan", f"EBGAN-PT on MNIST, {r['steps']:,} steps: FID {r['fid']:.1f}",
                         pics / "ebgan-mnist.png")


if __name__ == "__main__":
    main()
