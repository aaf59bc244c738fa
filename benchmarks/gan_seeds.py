"""Does the 2014 ``gan`` recipe train at every seed? Its MNIST preset trained at seeds 0-9 with 1 and 2
threads, one run at a time, each reporting D(x) and D(G(z)) at the end and the class coverage of its
samples (read by the shipped ``mnist-cnn``) at every evaluation.

    python benchmarks/gan_seeds.py --data-root DATA                         # seeds 0-9 × threads 1, 2
    python benchmarks/gan_seeds.py --data-root DATA --seeds 0,1 --threads 2 --steps 4000
    python benchmarks/gan_seeds.py --data-root DATA --label released --set opt.D.lr=0.05 --steps 4000
    python benchmarks/gan_seeds.py --write-only                             # the page from saved rows

``--set KEY=VALUE`` (repeatable) trains the preset with those overrides, under ``--label NAME`` (its rows
form their own table; ``released``: the released code's D rate). Writes OUT/<label>/s<seed>-t<threads>/ (the
runs), docs/results/gan-seeds.md (``--note TEXT``: a paragraph after the tables) and
docs/results/gan-seeds.json, every row measured so far and the note, from which the page is rewritten.
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
    seeds = sorted(r["seed"] for r in rows if r["threads"] == threads)
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
    for item in args.set:
        train_args += ["--set", item]
    if args.steps:
        train_args += ["--steps", str(args.steps)]
    print(f"seed {seed}, {threads} thread(s): training → {run}", flush=True)
    train_and_eval(run, train_args)  # a fresh run folder; no eval beyond the trainer's own


SAVED = ROOT / "docs" / "results" / "gan-seeds.json"  # every row and the page's note, so a fresh clone rewrites it


def merge_saved(rows: list[dict], note: str) -> tuple[list[dict], str]:
    """The rows measured now over those saved before (by label, seed and thread count), and the page's note
    (``note`` when given, else the saved one); both written back to SAVED."""
    saved = json.loads(SAVED.read_text()) if SAVED.is_file() else {"rows": {}, "note": ""}
    for r in rows:
        saved["rows"][f"{r['label']}/s{r['seed']}-t{r['threads']}"] = r
    saved["note"] = note or saved.get("note", "")
    SAVED.write_text(json.dumps(saved, indent=1, ensure_ascii=False) + "\n")
    order = list(LABELS)  # the preset first; labels not named there after, in the order first measured
    labels = sorted(dict.fromkeys(r["label"] for r in saved["rows"].values()),
                    key=lambda lab: order.index(lab) if lab in order else len(order))
    merged = sorted(saved["rows"].values(), key=lambda r: (labels.index(r["label"]), r["threads"], r["seed"]))
    return merged, saved["note"]


def _table(rows: list[dict], machine: str) -> list[str]:
    sets = "".join(f" --set {item}" for item in rows[0].get("sets", []))
    label = rows[0]["label"]
    lines = ["Produced by " + " and ".join(
                 f"`python benchmarks/gan_seeds.py --data-root DATA --seeds {_span(rows, t)} --threads {t}"
                 + (f" --steps {steps}" if steps else "") + (f" --label {label}{sets}" if label != "preset" else "")
                 + "`"
                 for t, steps in sorted({(r["threads"], r["step"]) for r in rows}))
             + f" on {machine}, torch {torch_version()}; each row's date is its own.", "",
             "| seed | threads | steps | D(x) | D(G(z)) | classes at each evaluation | confident | FID | collapsed | date |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        per_eval = ", ".join(f"{c}" for c in r["classes_per_eval"])
        lines.append(f"| {r['seed']} | {r['threads']} | {r['step']} | {r['d_real']:.3f} | {r['d_fake']:.2g} | {per_eval} | "
                     f"{r['confident_share']:.2f} | {r['fid']:.1f} | {'**yes**' if r['collapsed'] else 'no'} | "
                     f"{r.get('date', '–')} |")
    lines.append("")
    for t in sorted({r["threads"] for r in rows}):
        group = [r for r in rows if r["threads"] == t]
        lines.append(f"{t} thread{'s' if t > 1 else ''}: {sum(r['collapsed'] for r in group)} of {len(group)} runs "
                     "collapsed.  ")
    return lines


def write_page(rows: list[dict], args) -> Path:
    lines = ["# The 2014 `gan` recipe at ten seeds", "",
             "The MNIST preset (maxout MLPs, SGD with momentum, dropout: the released settings, D's rate aside; "
             "[paper-settings-gan2014.md](../paper-settings-gan2014.md)), trained at each seed "
             "with the thread counts below, one run at a time (the thread count, not the machine's load, decides "
             "a CPU run's numbers). D(x), D(G(z)): at the last log; classes: how many "
             f"of the 10 hold ≥ {PRESENT:.0%} of the samples `mnist-cnn` reads with p ≥ 0.9, at each evaluation "
             "(2,000 samples); collapsed: "
             f"D(G(z)) < {COLLAPSE_D_FAKE} or fewer than {MIN_CLASSES} classes at the end."]
    for label in dict.fromkeys(r["label"] for r in rows):
        group = [r for r in rows if r["label"] == label]
        sets = ", ".join(f"`{item}`" for item in group[0].get("sets", [])) or "no overrides"
        lines += ["", f"## {LABELS.get(label, label)} ({sets})", ""] + _table(group, args.machine)
    lines += [""] + ([args.note, ""] if args.note else [])
    page = ROOT / "docs" / "results" / "gan-seeds.md"
    page.write_text("\n".join(lines))
    return page


LABELS = {"preset": "The preset", "preset-10k": "The preset at its full length", "released": "The released code's rates"}


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
    ap.add_argument("--note", default="", help="A paragraph for the page, after the tables.")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="A config override (repeatable).")
    ap.add_argument("--label", default="preset", help="The name of these settings' table (default: preset).")
    args = ap.parse_args()
    if not args.write_only and not args.data_root:
        ap.error("--data-root is required to train (or give --write-only)")
    out = Path(args.out)
    rows = []
    for threads in parse_list(args.threads):
        for seed in parse_list(args.seeds):
            run = out / args.label / f"s{seed}-t{threads}"
            finished = (run / "metrics.jsonl").is_file() and (args.reuse or args.write_only)
            if not finished:
                if args.write_only:
                    continue
                train(run, seed, threads, args)
            row = summarise(run)
            row = {"label": args.label, "sets": list(args.set), "seed": seed, "threads": threads, **row}
            print(json.dumps(row), flush=True)
            rows.append(row)
    rows, args.note = merge_saved(rows, args.note)
    if rows:
        print(f"wrote {write_page(rows, args)}")


if __name__ == "__main__":
    main()
