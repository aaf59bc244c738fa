"""Every recipe's MNIST preset as a user first meets it: ``ganforge train R --data mnist`` with no
other flag, trained alone, then measured on 10,000 samples against the 10,000 test images (at the
run's size, as trained) with the shipped ``mnist-cnn``: FID, KID, precision, recall, and
- unconditional recipes: the share of samples read with p ≥ 0.9 and the rarest class's share of those;
- class-conditional recipes (balanced classes): the share read as the class asked for with p ≥ 0.9,
  overall and in the worst class;
- infogan: the categorical code's agreement with the digit read after the best one-to-one matching of
  code values to digits.
``--dataset fashion-mnist`` does the same on Fashion-MNIST with ``fashion-mnist-cnn``.

    python benchmarks/mnist_presets.py --data-root ../shared/data                 # every row
    python benchmarks/mnist_presets.py --data-root ../shared/data --only stylegan # one row again
    python benchmarks/mnist_presets.py --write-only                               # the page from saved rows
    python benchmarks/mnist_presets.py --data-root DATA --timing 300 --only dcgan # ms/step alone, nothing else running
    python benchmarks/mnist_presets.py --data-root DATA --only infogan --seed 1   # another seed of a row
    python benchmarks/mnist_presets.py --data-root DATA --real                    # the test images, read alike

A row trained with ``--seed S`` (S ≠ 0, the preset's seed) is saved as ``<recipe>-seed<S>`` and its command is
listed on the page; infogan's agreement column lists every seed, and its target, two of three seeds, counts them.

Writes OUT/<recipe>/ (the run, its eval cards and result.json), docs/results/<dataset>.md, every row's
figures in docs/results/<dataset>.json (the page is rewritten from them) and the final grids in
docs/images/<dataset>/. Training time is wall time, so run nothing else beside it; the
evaluation is not counted. Rows trained beside another run (one thread each) are timed again alone
with ``--timing STEPS``: the first STEPS steps of the preset with the machine's threads and no
evaluation, whose mean ms/step × the preset's steps is the row's "min alone" on that machine (the growing
recipes, whose steps cost more as they grow, are timed over the whole preset instead). Timings are kept per machine
kind (a row trained on one kind may be timed again on another): the page shows a "min alone" column for each kind
measured, and a row over 20 minutes on any of them misses the time target.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from results_common import (
    dated,
    grid_link,
    load_results,
    mean_ms_per_step,
    measure_row,
    notes_and_commands,
    row_arguments,
    this_machine,
    torch_version,
    train_and_eval,
)

ROOT = Path(__file__).resolve().parents[1]
UNCONDITIONAL = ("gan", "gan-modern", "dcgan", "lsgan", "wgan", "wgan-gp", "sngan", "ebgan", "began", "pggan",
                 "stylegan", "r3gan")
CLASS_CONDITIONAL = ("cgan", "cgan-projection", "acgan", "sagan", "biggan")  # asked for a class
CONDITIONAL = CLASS_CONDITIONAL + ("infogan",)  # infogan: a categorical code, read by agreement
RECIPES = UNCONDITIONAL + CONDITIONAL
# the targets a preset must meet (FID ≤; every other figure ≥)
TARGETS = {"mnist": {"fid": 15, "precision": 0.7, "recall": 0.4, "confident_share": 0.8, "smallest_class_share": 0.04},
           "fashion-mnist": {"fid": 25}}
COND_TARGETS = {"mnist": {"fid": 15, "recall": 0.4, "confident_cacc": 0.97, "worst_class_cacc": 0.95},
                "fashion-mnist": {"fid": 25}}
INFOGAN_TARGETS = {"mnist": {"agreement": 0.95}, "fashion-mnist": {}}
METRICS = "fid,kid,pr,classes"
COND_METRICS = "fid,kid,pr,cacc"
FIGURES = ("fid", "kid", "precision", "recall", "confident_share", "smallest_class_share", "conditional_accuracy",
           "confident_cacc", "worst_class_cacc")


def row_name(recipe: str, seed: int) -> str:
    return recipe if seed == 0 else f"{recipe}-seed{seed}"


def run_row(recipe: str, args) -> dict:
    out = Path(args.out) / row_name(recipe, args.seed)
    train = [recipe, "--data", args.dataset, "--data-root", args.data_root,
             *(["--seed", str(args.seed)] if args.seed else []), *sum((["--set", s] for s in args.sets), [])]
    metrics = COND_METRICS if recipe in CLASS_CONDITIONAL else METRICS
    measure = ["--metrics", metrics, "--n", str(args.n), "--data-root", args.data_root]
    train_s, cards, records = train_and_eval(out, train, measure, reuse=args.reuse, cards_name="preset.eval.jsonl")
    value = {c["metric"]: c["value"] for c in cards}
    hist = next((c["params"]["class_hist"] for c in cards if c["metric"] == "confident_share"), None)
    per_class = next((c["params"]["per_class"] for c in cards if c["metric"] == "confident_cacc"), None)
    steps = [r for r in records if "sec_per_step" in r]
    row = {"row": row_name(recipe, args.seed), "seed": args.seed, "dataset": args.dataset, "steps": steps[-1]["step"] if steps else None,
           "train_minutes": round(train_s / 60, 2), "ms_per_step": mean_ms_per_step(records),
           **{k: value.get(k) for k in FIGURES if k in value}, "class_hist": hist, "per_class_cacc": per_class,
           "command": " ".join(["ganforge", "train", *train, "--out", str(out)])}
    if recipe == "infogan":
        from bench_conditional import infogan_agreement

        found = infogan_agreement(out, n=args.n, features=f"{args.dataset}-cnn")
        row.update(agreement=found["agreement"], matching=found["matching"], confusion=found["confusion"])
    return row


# how the presets frame the 28×28 digits: as they are, resized to 32×32 (the default fit), centred in 32×32 (pggan)
FRAMINGS = (("28×28, as they are", None, None), ("32×32, resized", [32, 32], "crop"),
            ("32×32, centred (data.fit=centre)", [32, 32], "centre"))


def real_reads(args) -> dict:
    """The test images themselves, brought to each framing a preset trains at and read the way its samples are:
    the classification figures a perfect generator would reach there (each label taken as the class asked for)."""
    from ganforge.metrics.runner import EvalContext, EvalOptions, SampleSet, load_dataset_set
    from ganforge.registry import METRICS

    found = {}
    for label, size, fit in FRAMINGS:
        like = {"image_size": size, "fit": fit} if size else None
        ref = load_dataset_set(args.dataset, split="test", data_root=args.data_root, n=args.n, like=like)
        gen = SampleSet(ref.x, ref.labels, {"images": f"{args.dataset}:test, {label}"})
        ctx = EvalContext(gen, ref, f"{args.dataset}-cnn", EvalOptions(n=args.n))
        values = {r.metric: r.value for name in ("classes", "cacc") for r in METRICS.get(name).compute(ctx)}
        found[label] = {k: values.get(k) for k in ("confident_share", "smallest_class_share", "confident_cacc",
                                                   "worst_class_cacc")}
        print(args.dataset, label, found[label], flush=True)
    return found


def grows(recipe: str) -> bool:
    """Whether the recipe grows its networks during the run (pggan, stylegan): its first steps, at the
    smallest resolution, cost a fraction of its last ones, so only the whole run times it."""
    import ganforge.recipes  # noqa: F401  (registers the recipes)
    from ganforge.registry import RECIPES

    return "start_resolution" in RECIPES.get(recipe).args


def time_alone(recipe: str, args) -> float:
    """Mean ms per step of the preset's first ``args.timing`` steps, alone, without evaluation; for a growing
    recipe, of the whole preset (its steps cost more as it grows)."""
    import tempfile

    length = [] if grows(recipe) else ["--steps", str(args.timing)]
    if not length:
        print(f"{recipe} grows as it trains: timing the whole preset, not its first {args.timing} steps", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        train = [recipe, "--data", args.dataset, "--data-root", args.data_root, *length,
                 "--set", "train.eval_every=0", "--set", f"train.log_every={max(args.timing // 4, 1)}"]
        _, _, records = train_and_eval(Path(tmp) / "run", train)  # training only
    return mean_ms_per_step(records)


def alone_timings(r: dict, page_machine: str) -> dict:
    """The row's ms/step alone by machine: ``alone_ms`` ({machine: ms}), and the older single
    ``alone_ms_per_step``, which was timed on the row's own machine."""
    found = dict(r.get("alone_ms", {}))
    if r.get("alone_ms_per_step"):
        found.setdefault(r.get("machine", page_machine), r["alone_ms_per_step"])
    return found


def minutes_alone(r: dict, machine: str, page_machine: str) -> float | None:
    """The row's training minutes alone on MACHINE: its ms/step alone there × its steps; where it was not timed
    there, the row's own minutes if it ran on MACHINE; otherwise unknown (None)."""
    ms = alone_timings(r, page_machine).get(machine)
    if ms and r.get("steps"):
        return round(ms * r["steps"] / 60000, 1)
    return r["train_minutes"] if r.get("machine", page_machine) == machine else None


def machines(results: dict, page_machine: str) -> list[str]:
    """Every machine a row was trained or timed on, the page's first."""
    found = {page_machine}
    for r in results.values():
        found |= {r.get("machine", page_machine), *alone_timings(r, page_machine)}
    return [page_machine, *sorted(found - {page_machine})]


def short_machine(machine: str) -> str:
    """ "a 2-core Intel Xeon without AMX, no GPU" → "Intel Xeon"; "… with AMX …" → "Intel Xeon with AMX" (its own
    column: a kind of its own)."""
    m = re.match(r"an? \d+-core (.+?) (?:without AMX|(with AMX))", machine)
    return " ".join(g for g in m.groups() if g) if m else machine


def time_row(recipe: str, args, ap) -> None:
    """Time the row's preset alone on this machine and keep it with the row: in its run folder's result.json, or,
    where the run folder is gone, in the rows saved beside the page."""
    import torch

    from ganforge.bench import measure_peak

    path = Path(args.out) / recipe / "result.json"
    saved = ROOT / "docs/results" / f"{args.dataset}.json"
    rows = json.loads(saved.read_text()) if saved.is_file() else {}
    if path.is_file():
        row = json.loads(path.read_text())
    elif recipe in rows:
        row = rows[recipe]
    else:
        ap.error(f"no measured row {recipe!r} in {args.out} or {saved} to time")
    peak = round(measure_peak(torch.float32) / 1e9)  # machines of one kind differ: keep the rate the timing saw
    ms, machine = time_alone(recipe, args), this_machine()
    row["alone_ms"] = {**alone_timings(row, args.machine), machine: ms}
    row["alone_matmul_gflops"] = {**row.get("alone_matmul_gflops", {}), machine: peak}
    row.pop("alone_ms_per_step", None)
    if path.is_file():
        path.write_text(json.dumps(row, indent=1))
    else:
        saved.write_text(json.dumps({**rows, recipe: row}, indent=1, ensure_ascii=False) + "\n")
    print(recipe, ms, "ms/step alone on", machine, f"(fp32 matmul {peak} GFLOP/s)", flush=True)


def seed_rows(results: dict, recipe: str) -> list[dict]:
    """The recipe's rows at other seeds (``--seed``), by seed."""
    return sorted((r for name, r in results.items() if name.startswith(f"{recipe}-seed")), key=lambda r: r["seed"])


def agreement_seeds(results: dict) -> list[float]:
    """infogan's agreement at every seed measured: the preset's (seed 0) first."""
    return [r["agreement"] for r in [results.get("infogan", {}), *seed_rows(results, "infogan")] if "agreement" in r]


def missed_target(r: dict, k: str, t: float) -> bool:
    if k == "agreement" and len(r.get("agreement_seeds", [])) >= 3:  # two of three seeds (or more) must reach it
        return sum(a >= t for a in r["agreement_seeds"]) < 2 * len(r["agreement_seeds"]) / 3
    return r.get(k) is None or (r[k] > t if k == "fid" else r[k] < t)


def verdict(r: dict, targets: dict, kinds: list[str], page_machine: str) -> str:
    """'yes', or the targets missed (20 min: over 20 minutes alone on one of the machine kinds)."""
    missed = [k for k, t in targets.items() if missed_target(r, k, t)]
    missed += ["20 min"] if any((minutes_alone(r, m, page_machine) or 0) > 20 for m in kinds) else []
    return "yes" if not missed else "no: " + ", ".join(missed)


def f(x, fmt=".3f"):
    return "–" if x is None else format(x, fmt)


def real_table(ds: str) -> list[str]:
    """The page's table of the test images read as the samples are (``--real``), where measured."""
    path = ROOT / "docs/results" / f"{ds}-real.json"
    if not path.is_file():
        return []
    rows = json.loads(path.read_text())
    measured = rows.pop("_date", "")
    return ["## The test images, read the same way", "",
            "What a generator that drew the test images themselves would score on the classifier's figures, at each "
            "framing a preset trains at: the 10,000 test images brought to the run's size as its training images are, "
            "then read as its samples are (a 32×32 frame scaled back to 28×28, a centred one cut back), each label "
            "taken as the class asked for. Scaling 28 → 32 → 28 blurs the strokes: a resized 32×32 preset is to be "
            f"compared with the second row, a centred one with the third. Produced by `python benchmarks/mnist_presets.py --dataset "
            f"{ds} --data-root DATA --real` ({measured}).", "",
            "| test images | confident | rarest class | read as asked | worst class |", "|---|---|---|---|---|",
            *(f"| {label} | {f(r['confident_share'])} | {f(r['smallest_class_share'])} | {f(r['confident_cacc'])} | "
              f"{f(r['worst_class_cacc'])} |" for label, r in rows.items()), ""]


def write(results: dict, args) -> None:
    ds = args.dataset
    if "infogan" in results:
        results["infogan"] = {**results["infogan"], "agreement_seeds": agreement_seeds(results)}
    images = ROOT / "docs/images" / ds
    images.mkdir(parents=True, exist_ok=True)
    net = f"{ds}-cnn"

    kinds = machines(results, args.machine)

    def table(rows, head: list[str], cells) -> list[str]:
        alone = [f"min alone, {short_machine(m)}" for m in kinds]
        lines = ["| recipe | steps | min | ms/step | " + " | ".join(alone) + " | FID | KID | precision | recall | " +
                 " | ".join(head) + " | targets met | grid | date |", "|---" * (11 + len(kinds) + len(head)) + "|"]
        for recipe in rows:
            r = results.get(recipe)
            if r is None:
                lines.append(f"| `{recipe}` | not measured yet |" + " |" * (9 + len(kinds) + len(head)))
                continue
            link = grid_link(Path(args.out) / recipe, images, recipe, f"../images/{ds}")
            figures, targets = cells(recipe, r)
            lines.append(f"| `{recipe}` | {r['steps']} | {r['train_minutes']} | {r['ms_per_step']} | "
                         + " | ".join(f(minutes_alone(r, m, args.machine), ".1f") for m in kinds) +
                         f" | {f(r.get('fid'), '.1f')} | {f(r.get('kid'), '.2f')} | "
                         f"{f(r.get('precision'))} | {f(r.get('recall'))} | " + " | ".join(figures) +
                         f" | {verdict(r, targets, kinds, args.machine)} | {link} | {dated(r, args.machine)} |")
        return lines

    def targets_line(targets: dict) -> str:
        return ", ".join(f"{k} {'≤' if k == 'fid' else '≥'} {v}" for k, v in targets.items())

    def unconditional(recipe, r):
        return [f(r.get("confident_share")), f(r.get("smallest_class_share"))], TARGETS[ds]

    def conditional(recipe, r):
        if recipe == "infogan":
            seeds = r.get("agreement_seeds", [])
            shown = " / ".join(f(a) for a in seeds) if len(seeds) > 1 else f(r.get("agreement"))
            return ["–", "–", shown], {**{k: v for k, v in COND_TARGETS[ds].items()
                                                         if "cacc" not in k}, **INFOGAN_TARGETS[ds]}
        return [f(r.get("confident_cacc")), f(r.get("worst_class_cacc")), "–"], COND_TARGETS[ds]

    lines = [f"# Each recipe's {ds} preset, as a user first runs it", "",
             f"`ganforge train RECIPE --data {ds} --data-root DATA`, with no other flag; measured on "
             f"{args.n:,} samples against the 10,000 test images brought to the run's size, in `{net}` features "
             f"(`ganforge eval RUN --metrics {METRICS} --n {args.n}`; conditional recipes `--metrics {COND_METRICS}`). "
             "Each target must hold and training must take ≤ 20 minutes alone on the machine.", "",
             f"Produced by `python benchmarks/mnist_presets.py --data-root DATA --dataset {ds}` (`--only RECIPE` "
             f"re-runs one row) on {args.machine}, torch {torch_version()}; each row's date is its own, and a "
             f"row whose date names a machine ran on that one.", "",
             "## Unconditional recipes", "",
             "Confident: the share of samples the classifier reads with p ≥ 0.9; rarest class: the smallest class's "
             f"share of those. Targets: {targets_line(TARGETS[ds])}.", "",
             *table(UNCONDITIONAL, ["confident", "rarest class"], unconditional), "",
             "## Conditional recipes", "",
             "Samples are drawn for balanced classes (sample i asks for class i mod 10). Read as asked: the share the "
             "classifier reads as the class asked for with p ≥ 0.9; worst class: that share in the class where it is "
             "lowest. InfoGAN asks for no class: agreement is the share of samples whose categorical code value maps "
             "to the class read, after the best one-to-one matching of the 10 code values to the 10 classes "
             "(1,000 samples per value); where more seeds were trained (`--seed S`) it lists each, seed 0 first, "
             f"and two of three must reach the target. Targets: {targets_line(COND_TARGETS[ds])}"
             + (f"; infogan: {targets_line(INFOGAN_TARGETS[ds])}" if INFOGAN_TARGETS[ds] else "") + ".", "",
             *table(CONDITIONAL, ["read as asked", "worst class", "agreement"], conditional), "",
             *real_table(ds),
             "min, ms/step: wall time of the training (evaluation not counted); rows trained with "
             "`--set train.threads=1` shared the two cores with another run. min alone, per machine kind: the "
             "preset's first steps timed again with nothing else running (`--timing`), × its steps; the row's own "
             "minutes where it was not and ran on that kind; – where it has not been timed there. Machines of one kind "
             "differ (see [../speed.md](../speed.md)): a timing keeps the fp32 matrix-product rate its machine "
             "reached (`alone_matmul_gflops` in the row's JSON), and a newer timing on a kind replaces the older.",
             *notes_and_commands(results, [*RECIPES, *sorted(n for n in results if "-seed" in n)])]
    (ROOT / "docs/results" / f"{ds}.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="mnist", choices=sorted(TARGETS))
    ap.add_argument("--timing", type=int, default=0, help="Only time the first STEPS steps of each row alone.")
    ap.add_argument("--seed", type=int, default=0, help="Train the rows at this seed (saved as RECIPE-seedS).")
    ap.add_argument("--real", action="store_true", help="Only read the test images at each framing (the ceiling).")
    row_arguments(ap, out=None, only="stylegan,pggan")  # --out: runs/presets-DATASET
    args = ap.parse_args()
    args.out = args.out or str(ROOT / "runs" / f"presets-{args.dataset}")
    if args.real:
        if args.data_root is None:
            ap.error("--data-root DIR is needed to read the test images")
        from datetime import date

        found = {**real_reads(args), "_date": f"{date.today().isoformat()}, {args.machine}"}
        (ROOT / "docs/results" / f"{args.dataset}-real.json").write_text(json.dumps(found, indent=1,
                                                                                    ensure_ascii=False) + "\n")
    elif not args.write_only:
        if args.data_root is None:
            ap.error("--data-root DIR is needed to train")
        wanted = args.only.split(",") if args.only else list(RECIPES)
        unknown = set(wanted) - set(RECIPES)
        if unknown:
            ap.error(f"unknown rows {sorted(unknown)}; valid: {', '.join(RECIPES)}")
        if args.timing and args.sets:  # a timing is saved as the row's: it must be the preset's own settings
            ap.error("--timing times each preset as the code sets it and saves that as the row's; --set is not applied "
                     "there. Time a changed setting by hand: ganforge train R --steps N --set train.eval_every=0 --set ...")
        for recipe in wanted:
            if args.timing:
                time_row(recipe, args, ap)
                continue
            measure_row(row_name(recipe, args.seed), Path(args.out), lambda: run_row(recipe, args))  # noqa: B023
    write(load_results(Path(args.out), ROOT / "docs/results" / f"{args.dataset}.json"), args)


if __name__ == "__main__":
    main()
