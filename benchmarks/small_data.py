"""Small data with and without augmentation: each recipe's MNIST preset trained on the first 500
training images (``data.limit=500``) with no augmentation, with DiffAugment and with ADA, and on
all 60,000 for the same steps; each measured against the 10,000 test images with the shipped
``mnist-cnn`` features (FID, precision / recall on 10,000 samples) and for memorisation against the
images it trained on. One training at a time, one thread each; evaluation is not timed.

    python benchmarks/small_data.py --data-root ../shared/data                  # every row
    python benchmarks/small_data.py --data-root ../shared/data --only dcgan-ada  # one row again
    python benchmarks/small_data.py --write-only                                 # the table from the saved rows

Also the AT&T faces (400 images) at their own aspect ratio, without and with augmentation (rows
faces, faces-ada, faces-diffaugment). Writes OUT/<row>/ (the run and its result.json),
docs/results/small-data.md, and the final grids, nearest sample–training pairs and ADA's p curve in
docs/images/small-data/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
from pathlib import Path

from results_common import grid_of, load_results, mean_ms_per_step, portable, row_arguments, torch_version, train_and_eval

ROOT = Path(__file__).resolve().parents[1]
RECIPES = ("dcgan", "stylegan")
ARMS = {"full": [], "500": ["data.limit=500"], "500-diffaugment": ["data.limit=500", "augment=diffaugment"],
        "500-ada": ["data.limit=500", "augment=ada"]}


# the AT&T faces (400 gray images, 112×92) at their own aspect ratio, halved for a CPU: 56×48 (H×W) by
# padding, dcgan at a quarter of its width, batch 32; without and with ADA
FACES = ["data.image_size=[56,48]", "data.fit=pad", "G.args.ngf=32", "D.args.ndf=32", "train.batch_size=32",
         "train.steps=1500", "train.sample_every=250"]
FACE_ARMS = {"faces": FACES, "faces-ada": FACES + ["augment=ada"],
             # ADA at 5× the paper's speed (p from 0 to 1 in 100k images): a CPU run sees 48k images in all
             "faces-ada-kimg100": FACES + ["augment=ada", "augment_args.kimg=100"],
             "faces-diffaugment": FACES + ["augment=diffaugment"]}


# fewer still: 200 images at batch 64 (the preset's 128 exceeds the set), where D overfits within the run
TINY_ARMS = {"dcgan-200": ["data.limit=200", "train.batch_size=64"],
             "dcgan-200-diffaugment": ["data.limit=200", "train.batch_size=64", "augment=diffaugment"],
             "dcgan-200-ada": ["data.limit=200", "train.batch_size=64", "augment=ada", "augment_args.kimg=100"]}


def rows() -> list[tuple[str, str, list[str]]]:
    return [(f"{r}-{arm}", r, sets) for r in RECIPES for arm, sets in ARMS.items()] + \
        [(name, "dcgan", sets) for name, sets in TINY_ARMS.items()]


def face_rows() -> list[tuple[str, str, list[str]]]:
    return [(name, "dcgan", sets) for name, sets in FACE_ARMS.items()]


def run_row(name: str, recipe: str, sets: list[str], args) -> dict:
    out = Path(args.out) / name
    faces = name.startswith("faces")
    data = str(Path(args.data_root) / "faces/att_faces") if faces else "mnist"
    train = [recipe, "--data", data, "--data-root", args.data_root, "--set", "train.threads=1",
             *sum((["--set", s] for s in sets + args.sets), [])]
    # faces: no feature network knows them offline, so memorisation is measured in pixels only (identity
    # features) and no FID is taken; MNIST: mnist-cnn features against the 10,000 test images
    measure = ["--metrics", "memo", "--features", "identity", "--n", "2000"] if faces else \
        ["--metrics", "fid,pr,memo", "--n", str(args.n)]
    train_s, cards, records = train_and_eval(out, train, [*measure, "--data-root", args.data_root, "--threads", "1"],
                                             reuse=args.reuse, cards_name="small-data.eval.jsonl")
    value = {c["metric"]: c["value"] for c in cards}
    steps = [r for r in records if "sec_per_step" in r]
    ps = [r["augment_p"] for r in steps if "augment_p" in r]
    memo = next(c for c in cards if c["metric"] == "memorised_features")
    return {"row": name, "recipe": recipe, "sets": sets + args.sets, "steps": steps[-1]["step"] if steps else None,
            "train_minutes": round(train_s / 60, 2), "ms_per_step": mean_ms_per_step(records),
            "fid": value.get("fid"), "precision": value.get("precision"), "recall": value.get("recall"),
            "memorised_pixels": value.get("memorised_pixels"), "memorised_features": value.get("memorised_features"),
            "memorised_reference": memo["params"].get("reference_value"),
            "final_p": ps[-1] if ps else None,
            "command": " ".join(["ganforge", "train", *train, "--out", str(out)])}


def write(results: dict, args) -> None:
    images = ROOT / "docs/images/small-data"
    images.mkdir(parents=True, exist_ok=True)

    def pictures(name: str) -> str:
        links = []
        grid = grid_of(Path(args.out) / name)
        if grid is not None:
            shutil.copy(grid, images / f"{name}.png")
            links.append(f"[grid](../images/small-data/{name}.png)")
        pairs = Path(args.out) / name / "small-data.eval.memo-pairs.png"
        if pairs.is_file():
            shutil.copy(pairs, images / f"{name}-pairs.png")
            links.append(f"[nearest pairs](../images/small-data/{name}-pairs.png)")
        return ", ".join(links)

    def p(r) -> str:
        return "–" if r["final_p"] is None else f"{r['final_p']:.3f}"

    lines = ["# Small data: 500 MNIST images and 400 faces, with and without augmentation", "",
             f"Measured {datetime.date.today()} on {args.machine}, one thread per training (other work shared the "
             f"two cores, so minutes and ms/step are loaded figures), torch {torch_version()}; produced by "
             "`python benchmarks/small_data.py --data-root DATA` (`--only ROW` re-runs one row).", "",
             "## MNIST", "",
             "Each recipe's MNIST preset (its steps, batch and widths) on the first 500 training images "
             "(`--set data.limit=500`) or on all 60,000, measured on "
             f"{args.n:,} samples against the 10,000 test images with `mnist-cnn` features. Memorised: the share "
             "of samples nearer to one training image than half the median gap between training images "
             "(in `mnist-cnn` features; the test images' own share in brackets). Final p: ADA's probability at "
             "the end.", "",
             "| row | steps | min | ms/step | FID | precision | recall | memorised (test's) | final p | pictures |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, _, _ in rows():
        r = results.get(name)
        if r is not None:
            lines.append(f"| {name} | {r['steps']} | {r['train_minutes']} | {r['ms_per_step']} | {r['fid']:.1f} | "
                         f"{r['precision']:.3f} | {r['recall']:.3f} | {r['memorised_features']:.3f} "
                         f"({r['memorised_reference']:.3f}) | {p(r)} | {pictures(name)} |")
    lines += ["", "## AT&T faces at their own aspect ratio", "",
              "400 gray faces of 112×92 (H×W), halved and padded to 56×48, `dcgan` at ngf = ndf = 32, batch 32. No "
              "feature network knows faces offline, so there is no FID: memorised is the pixel share on 2,000 "
              "samples (same definition; the training images themselves score 1.0).", "",
              "| row | steps | min | ms/step | memorised (pixels) | final p | pictures |", "|---|---|---|---|---|---|---|"]
    for name, _, _ in face_rows():
        r = results.get(name)
        if r is not None:
            lines.append(f"| {name} | {r['steps']} | {r['train_minutes']} | {r['ms_per_step']} | "
                         f"{r['memorised_pixels']:.3f} | {p(r)} | {pictures(name)} |")
    curve = p_curve(Path(args.out), images / "faces-ada-p.png")
    if curve:
        lines += ["", "ADA's p and r_t on the faces: ![p curve](../images/small-data/faces-ada-p.png)"]
    lines += ["", "Commands (each row; DATA is the data root):", ""] + [
        f"    {portable(results[n]['command'])}" for n, _, _ in rows() + face_rows() if n in results]
    (ROOT / "docs/results/small-data.md").write_text("\n".join(lines) + "\n")


def p_curve(out: Path, path: Path) -> bool:
    """ADA's p and r_t along the faces-ada run (and p along every ADA row), as one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2))
    drawn = False
    for name in ("faces-ada", "faces-ada-kimg100", "dcgan-500-ada", "stylegan-500-ada"):
        metrics = out / name / "metrics.jsonl"
        if not metrics.is_file():
            continue
        recs = [json.loads(line) for line in metrics.read_text().splitlines() if line.strip()]
        recs = [r for r in recs if "augment_p" in r]
        ax.plot([r["step"] for r in recs], [r["augment_p"] for r in recs], label=f"{name}: p")
        if name.startswith("faces-ada"):
            ax.plot([r["step"] for r in recs], [r.get("augment_rt") for r in recs], "--", label=f"{name}: r_t")
        drawn = True
    if drawn:
        ax.axhline(0.6, color="grey", lw=0.8)
        ax.set_xlabel("step")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
    plt.close(fig)
    return drawn


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    row_arguments(ap, out=str(ROOT / "runs/small-data"), only="dcgan-500-ada", machine="2-core AMD EPYC, no GPU")
    args = ap.parse_args()
    if not args.write_only:
        if args.data_root is None:
            ap.error("--data-root DIR is needed to train")
        every = rows() + face_rows()
        wanted = set(args.only.split(",")) if args.only else None
        unknown = (wanted or set()) - {n for n, _, _ in every}
        if unknown:
            ap.error(f"unknown rows {sorted(unknown)}; valid: {', '.join(n for n, _, _ in every)}")
        for name, recipe, sets in every:
            if wanted is None or name in wanted:
                print(f"{name}: training", flush=True)
                result = run_row(name, recipe, sets, args)
                (Path(args.out) / name / "result.json").write_text(json.dumps(result, indent=1))
                print(json.dumps(result), flush=True)
    write(load_results(Path(args.out)), args)


if __name__ == "__main__":
    main()
