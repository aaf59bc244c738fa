"""Does the 2014 ``gan`` recipe train at every seed? Its MNIST preset (the released settings) trained
at seeds 0-9 with 1 and 2 threads, one run at a time, each reporting D(x) and D(G(z)) at the end and
the class coverage of its samples (read by the shipped ``mnist-cnn``) at every evaluation.

    python benchmarks/gan_seeds.py --data-root DATA                         # seeds 0-9 × threads 1, 2
    python benchmarks/gan_seeds.py --data-root DATA --seeds 0,1 --threads 2 --steps 4000
    python benchmarks/gan_seeds.py --write-only                             # the page from saved rows

Writes OUT/s<seed>-t<threads>/ (the runs), docs/results/gan-seeds.md (``--note TEXT``: a paragraph after its
table) and docs/results/gan-seeds.json, every row measured so far and the note, from which the page is rewritten.
A run is called collapsed when, at its last evaluation, D(G(z)) < 0.001 (D rejects every sample: G has stopped learning) or its
confidently read samples cover fewer than 5 of the 10 classes. The evaluations are the trainer's own
(``train.eval_every``: 2,000 samples against held-out reals), so they move no random stream and the
training is the preset's. The thread count, not the load, decides a CPU run's numbers; but never run two 2-thread runs at once on
2 cores (each then runs 10-100× slower).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from results_common import read_jsonl, torch_version, train_and_eval  # noqa: E402

COLLAPSE_D_FAKE = 1e-3
MIN_CLASSES = 5
PRESENT = 0.01  # a class is present when it holds at least this share of the confidently read samples


def parse_list(text: str) -> list[int]:
    """'0-9' or '0,3,5' → the integers."""
    if "-" in text and "," not in text:
        lo, hi = (int(v) for v in text.split("-"))
        return list(range(lo, hi + 1))
    return [int(v) for v in text.split(",") if v.strip()]


def _span(rows, threads: int) -> str:
    """The seeds measured at this thread count, as --seeds takes them."""
    seeds = sorted(seed for seed, t, _ in rows if t == threads)
    return f"{seeds[0]}-{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1)) else ",".join(map(str, seeds))


def summarise(run: Path) -> dict:
    """The figures of one finished run from its metrics.jsonl."""
    records = read_jsonl(run / "metrics.jsonl")
    losses = [r for r in records if "d_real" in r]
    evals = [r for r in records if "class_hist" in r]
    if not losses or not evals:
        raise SystemExit(f"{run}: no logged losses or evaluations; train with train.eval_every > 0")
    last = evals[-1]
    classes = [sum(share >= PRESENT for share in r["class_hist"]) for r in evals]
    collapsed = losses[-1]["d_fake"] < COLLAPSE_D_FAKE or classes[-1] < MIN_CLASSES
    return {"step": losses[-1]["step"], "d_real": losses[-1]["d_real"], "d_fake": losses[-1]["d_fake"],
            "classes": classes[-1], "classes_per_eval": classes, "eval_steps": [r["step"] for r in evals],
            "confident_share": last.get("confident_share"), "fid": last.get("fid"), "collapsed": collapsed,
            "date": str(datetime.date.fromtimestamp((run / "metrics.jsonl").stat().st_mtime))}


def train(run: Path, seed: int, threads: int, args) -> None:
    train_args = ["gan", "--data", "mnist", "--data-root", args.data_root, "--seed", str(seed),
                  "--set", f"train.threads={threads}", "--set", f"train.eval_every={args.eval_every}"]
    if args.steps:
        train_args += ["--steps", str(args.steps)]
    print(f"seed {seed}, {threads} thread(s): training → {run}", flush=True)
    train_and_eval(run, train_args)  # a fresh run folder; no eval beyond the trainer's own


SAVED = ROOT / "docs" / "results" / "gan-seeds.json"  # every row and the page's note, so a fresh clone rewrites it


def merge_saved(rows: list[tuple[int, int, dict]], note: str) -> tuple[list[tuple[int, int, dict]], str]:
    """The rows measured now over those saved before (by seed and thread count), and the page's note (``note``
    when given, else the saved one); both written back to SAVED."""
    saved = json.loads(SAVED.read_text()) if SAVED.is_file() else {"rows": {}, "note": ""}
    for seed, threads, r in rows:
        saved["rows"][f"s{seed}-t{threads}"] = {"seed": seed, "threads": threads, **r}
    saved["note"] = note or saved.get("note", "")
    SAVED.write_text(json.dumps(saved, indent=1, ensure_ascii=False) + "\n")
    merged = sorted(saved["rows"].values(), key=lambda r: (r["threads"], r["seed"]))
    return [(r["seed"], r["threads"], r) for r in merged], saved["note"]


def write_page(rows: list[tuple[int, int, dict]], args) -> Path:
    lines = ["# The 2014 `gan` recipe at ten seeds", "",
             "The MNIST preset (the released settings: maxout MLPs, SGD with momentum, dropout), trained at each seed "
             "with the thread counts below, one run at a time (the thread count, not the machine's load, decides "
             "a CPU run's numbers). D(x), D(G(z)): at the last log; classes: how many "
             f"of the 10 hold ≥ {PRESENT:.0%} of the samples `mnist-cnn` reads with p ≥ 0.9, at each evaluation "
             "(2,000 samples); collapsed: "
             f"D(G(z)) < {COLLAPSE_D_FAKE} or fewer than {MIN_CLASSES} classes at the end.", "",
             "Produced by " + " and ".join(
                 f"`python benchmarks/gan_seeds.py --data-root DATA --seeds {_span(rows, t)} --threads {t}"
                 + (f" --steps {steps}" if steps else "") + "`"
                 for t, steps in sorted({(t, r["step"]) for _, t, r in rows}))
             + f" on {args.machine}, torch {torch_version()}; each row's date is its own.", "",
             "| seed | threads | steps | D(x) | D(G(z)) | classes at each evaluation | confident | FID | collapsed | date |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for seed, threads, r in rows:
        per_eval = ", ".join(f"{c}" for c in r["classes_per_eval"])
        lines.append(f"| {seed} | {threads} | {r['step']} | {r['d_real']:.3f} | {r['d_fake']:.2g} | {per_eval} | "
                     f"{r['confident_share']:.2f} | {r['fid']:.1f} | {'**yes**' if r['collapsed'] else 'no'} | "
                     f"{r.get('date', '–')} |")
    for t in sorted({t for _, t, _ in rows}):
        group = [r for _, threads, r in rows if threads == t]
        lines += ["", f"{t} thread{'s' if t > 1 else ''}: {sum(r['collapsed'] for r in group)} of {len(group)} runs "
                  "collapsed."]
    lines += [""] + ([args.note, ""] if args.note else [])
    page = ROOT / "docs" / "results" / "gan-seeds.md"
    page.write_text("\n".join(lines))
    return page


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--out", default=str(ROOT / "runs" / "gan-seeds"))
    ap.add_argument("--seeds", default="0-9")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--steps", type=int, default=0, help="Steps per run (default: the preset's).")
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--reuse", action="store_true", help="Keep a finished run instead of training it again.")
    ap.add_argument("--write-only", action="store_true", help="Only write the page from the runs in OUT.")
    ap.add_argument("--machine", default="a 2-core AMD EPYC without AMX, no GPU")
    ap.add_argument("--note", default="", help="A paragraph for the page, after the table.")
    args = ap.parse_args()
    if not args.write_only and not args.data_root:
        ap.error("--data-root is required to train (or give --write-only)")
    out = Path(args.out)
    rows = []
    for threads in parse_list(args.threads):
        for seed in parse_list(args.seeds):
            run = out / f"s{seed}-t{threads}"
            finished = (run / "metrics.jsonl").is_file() and (args.reuse or args.write_only)
            if not finished:
                if args.write_only:
                    continue
                train(run, seed, threads, args)
            row = summarise(run)
            print(json.dumps({"seed": seed, "threads": threads, **row}), flush=True)
            rows.append((seed, threads, row))
    rows, args.note = merge_saved(rows, args.note)
    if rows:
        print(f"wrote {write_page(rows, args)}")


if __name__ == "__main__":
    main()
