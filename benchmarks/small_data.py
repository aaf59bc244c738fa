"""Small data with and without augmentation: each recipe's MNIST preset trained on the first 500
training images (``data.limit=500``) with no augmentation, with DiffAugment and with ADA, and on
all 60,000 for the same steps; each measured against the 10,000 test images with the shipped
``mnist-cnn`` features (FID, precision / recall on 10,000 samples) and for memorisation against the
images it trained on. One training at a time, one thread each; evaluation is not timed.

    python benchmarks/small_data.py --data-root ../shared/data                  # every row
    python benchmarks/small_data.py --data-root ../shared/data --only dcgan-ada  # one row again
    python benchmarks/small_data.py --write-only                                 # the table from the saved rows

Writes OUT/<row>/ (the runs), OUT/results.json, docs/results/small-data.md and the final grids in
docs/images/small-data/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECIPES = ("dcgan", "stylegan")
ARMS = {"full": [], "500": ["data.limit=500"], "500-diffaugment": ["data.limit=500", "augment=diffaugment"],
        "500-ada": ["data.limit=500", "augment=ada"]}


def rows() -> list[tuple[str, str, list[str]]]:
    return [(f"{r}-{arm}", r, sets) for r in RECIPES for arm, sets in ARMS.items()]


def run_row(name: str, recipe: str, sets: list[str], args) -> dict:
    out = Path(args.out) / name
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "ganforge.cli", "train", recipe, "--data", "mnist", "--data-root", args.data_root,
           "--out", str(out), "--set", "train.threads=1", *sum((["--set", s] for s in sets + args.sets), [])]
    t0 = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    train_s = time.time() - t0
    eval_cmd = [sys.executable, "-m", "ganforge.cli", "eval", str(out), "--metrics", "fid,pr,memo", "--n", str(args.n),
                "--data-root", args.data_root, "--threads", "1", "--out", str(out / "small-data.eval.jsonl")]
    subprocess.run(eval_cmd, check=True, stdout=subprocess.DEVNULL)
    cards = [json.loads(line) for line in (out / "small-data.eval.jsonl").read_text().splitlines() if line.strip()]
    value = {c["metric"]: c["value"] for c in cards}
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line.strip()]
    steps = [r for r in records if "sec_per_step" in r]
    ps = [r["augment_p"] for r in steps if "augment_p" in r]
    memo = next(c for c in cards if c["metric"] == "memorised_features")
    return {"row": name, "recipe": recipe, "sets": sets + args.sets, "steps": steps[-1]["step"] if steps else None,
            "train_minutes": round(train_s / 60, 2),
            "ms_per_step": round(1000 * sum(r["sec_per_step"] for r in steps[1:]) / max(len(steps) - 1, 1), 1),
            "fid": value.get("fid"), "precision": value.get("precision"), "recall": value.get("recall"),
            "memorised_pixels": value.get("memorised_pixels"), "memorised_features": value.get("memorised_features"),
            "memorised_reference": memo["params"].get("reference_value"),
            "final_p": ps[-1] if ps else None, "command": " ".join(["ganforge", *cmd[3:]])}


def grid_of(run: Path) -> Path | None:
    grids = sorted((run / "samples").glob("*.png"))
    return grids[-1] if grids else None


def write(results: dict, args) -> None:
    images = ROOT / "docs/images/small-data"
    images.mkdir(parents=True, exist_ok=True)
    lines = ["# Small data: 500 MNIST images, with and without augmentation", "",
             f"Measured {datetime.date.today()} on {platform.processor() or platform.machine()} "
             f"({args.machine}), one thread per training, torch {_torch()}; produced by "
             "`python benchmarks/small_data.py --data-root DATA`.", "",
             "Each recipe's MNIST preset (its steps, batch and widths) on the first 500 training images "
             "(`--set data.limit=500`) or on all 60,000, measured on "
             f"{args.n:,} samples against the 10,000 test images with `mnist-cnn` features. Memorised: the share "
             "of samples nearer to one training image than half the median gap between training images "
             "(features; the test images' own share in brackets).", "",
             "| row | steps | min | ms/step | FID | precision | recall | memorised (test's) | final p | grid |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, _, _ in rows():
        r = results.get(name)
        if r is None:
            continue
        grid = grid_of(Path(args.out) / name)
        link = ""
        if grid is not None:
            shutil.copy(grid, images / f"{name}.png")
            link = f"[grid](../images/small-data/{name}.png)"
        p = "" if r["final_p"] is None else f"{r['final_p']:.3f}"
        lines.append(f"| {name} | {r['steps']} | {r['train_minutes']} | {r['ms_per_step']} | {r['fid']:.1f} | "
                     f"{r['precision']:.3f} | {r['recall']:.3f} | {r['memorised_features']:.3f} "
                     f"({r['memorised_reference']:.3f}) | {p} | {link} |")
    lines += ["", "Commands (each row):", ""] + [f"    {results[n]['command']}" for n, _, _ in rows() if n in results]
    (ROOT / "docs/results/small-data.md").write_text("\n".join(lines) + "\n")


def _torch() -> str:
    import torch

    return torch.__version__


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--out", default=str(ROOT / "runs/small-data"))
    ap.add_argument("--only", default=None, help="Comma-separated rows, e.g. dcgan-500-ada.")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--set", dest="sets", action="append", default=[], help="Extra config for every row.")
    ap.add_argument("--machine", default="2-core AMD EPYC, no GPU")
    ap.add_argument("--write-only", action="store_true")
    args = ap.parse_args()
    results_path = Path(args.out) / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    if not args.write_only:
        if args.data_root is None:
            ap.error("--data-root DIR is needed to train")
        wanted = set(args.only.split(",")) if args.only else None
        unknown = (wanted or set()) - {n for n, _, _ in rows()}
        if unknown:
            ap.error(f"unknown rows {sorted(unknown)}; valid: {', '.join(n for n, _, _ in rows())}")
        for name, recipe, sets in rows():
            if wanted is None or name in wanted:
                print(f"{name}: training", flush=True)
                results[name] = run_row(name, recipe, sets, args)
                print(json.dumps(results[name]), flush=True)
                results_path.parent.mkdir(parents=True, exist_ok=True)
                results_path.write_text(json.dumps(results, indent=1))
    write(results, args)


if __name__ == "__main__":
    main()
