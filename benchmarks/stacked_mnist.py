"""Mode collapse counted: every unconditional image recipe on Stacked MNIST (three MNIST digits as
the R, G and B channels: 1,000 modes), each with its MNIST preset (``ganforge train R --data
stacked-mnist``) on the same CPU budget, then the protocol of VEEGAN, PacGAN and R3GAN: 26,000
samples, each channel read by ``mnist-cnn``, the modes covered and the KL divergence of the mode
histogram from uniform (``ganforge eval RUN --metrics modes --n 26000 --reference stacked-mnist``).

    python benchmarks/stacked_mnist.py --data-root ../shared/data --minutes 6          # every row
    python benchmarks/stacked_mnist.py --data-root ../shared/data --only r3gan,dcgan   # some rows again
    python benchmarks/stacked_mnist.py --write-only                                    # the page from saved rows

The budget is wall time (``train.time_limit_s``): a row stops at its preset's last step or at the
budget, whichever comes first, so a preset longer than the budget is cut short (its learning-rate
decay unfinished). Rows run one thread each (``--threads``); two invocations side by side share the
machine's two cores evenly. Writes OUT/<recipe>/ (the run, its card and result.json),
docs/results/stacked-mnist.md, every row's figures in docs/results/stacked-mnist.json (the page is rewritten
from them) and the final grids in docs/images/stacked-mnist/.
"""

from __future__ import annotations

import argparse
import math
import subprocess
from pathlib import Path

from mnist_presets import UNCONDITIONAL as RECIPES  # every unconditional image recipe
from results_common import (
    dated,
    grid_link,
    load_results,
    mean_ms_per_step,
    measure_row,
    notes_and_commands,
    read_jsonl,
    row_arguments,
    torch_version,
    train_and_eval,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = 26000  # the protocol's sample count (VEEGAN, PacGAN, R3GAN)


def run_row(recipe: str, args) -> dict:
    out = Path(args.out) / recipe
    train = [recipe, "--data", "stacked-mnist", "--data-root", args.data_root,
             "--set", f"train.time_limit_s={args.minutes * 60:g}", "--set", f"train.threads={args.threads}",
             "--set", "train.eval_every=0", *sum((["--set", s] for s in args.sets), [])]
    measure = ["--metrics", "modes", "--n", str(args.n), "--reference", "stacked-mnist", "--data-root", args.data_root]
    command = " ".join(["ganforge", "train", *train, "--out", str(out)])
    try:
        train_s, cards, records = train_and_eval(out, train, measure, reuse=args.reuse, cards_name="modes.eval.jsonl")
    except subprocess.CalledProcessError as e:  # a run that stops with an error (e.g. diverged) is a row too
        records = read_jsonl(out / "metrics.jsonl") if (out / "metrics.jsonl").is_file() else []
        finite = [r["step"] for r in records if isinstance(r.get("d_loss"), (int, float)) and math.isfinite(r["d_loss"])]
        return {"row": recipe, "failed": f"exit status {e.returncode}", "last_finite_step": finite[-1] if finite else None,
                "budget_minutes": args.minutes, "threads": args.threads, "command": command}
    card = {c["metric"]: c for c in cards}
    steps = [r for r in records if "sec_per_step" in r]
    return {"row": recipe, "steps": steps[-1]["step"] if steps else None, "train_minutes": round(train_s / 60, 2),
            "ms_per_step": mean_ms_per_step(records), "budget_minutes": args.minutes, "threads": args.threads,
            "modes": card["modes_covered"]["value"], "kl": card["mode_kl"]["value"],
            "real_modes": card["modes_covered"]["params"].get("reference_value"),
            "real_kl": card["mode_kl"]["params"].get("reference_value"), "real_n": card["mode_kl"].get("n_reference"),
            "command": command}


def write(results: dict, args) -> None:
    images = ROOT / "docs/images/stacked-mnist"
    images.mkdir(parents=True, exist_ok=True)
    real = next((r for r in results.values() if r.get("real_modes") is not None), None)
    lines = ["# Mode collapse on Stacked MNIST", "",
             "Each unconditional recipe's MNIST preset on `stacked-mnist` (three MNIST training digits as the R, G "
             "and B channels of a 28×28 image: 1,000 modes), stopped at its last step or at the budget, whichever "
             f"came first; then {SAMPLES:,} samples, each channel read by `mnist-cnn`: the modes covered (≥ 1 sample) "
             "and the KL divergence of the mode histogram from uniform (natural log), the protocol of VEEGAN, PacGAN "
             "and R3GAN (`ganforge eval RUN --metrics modes --n 26000 --reference stacked-mnist`).", ""]
    if real:
        lines += [f"The floor a perfect generator reaches: the {real.get('real_n') or 10000:,} real test images, brought to "
                  "each run's size and read the same way (column 'real test images'); 26,000 real training images give "
                  "1,000 modes and KL 0.025 (docs/paper-settings-r3gan.md).", ""]
    lines += [f"Produced by `python benchmarks/stacked_mnist.py --data-root DATA --minutes M` on {args.machine}, torch "
              f"{torch_version()}, one thread per row, two rows running side by side; each row's date is its own, "
              "and a row whose date names a machine ran on that one.", "",
              "| recipe | budget (min) | steps done | ms/step | modes (of 1,000) | KL | real test images: modes, KL | grid | "
              "date |", "|---|---|---|---|---|---|---|---|---|"]
    for recipe in RECIPES:
        r = results.get(recipe)
        if r is None:
            lines.append(f"| `{recipe}` | not measured yet |" + " |" * 7)
            continue
        if r.get("failed"):
            lines.append(f"| `{recipe}` | {r['budget_minutes']:g} | stopped ({r['failed']}); last finite losses at step "
                         f"{r['last_finite_step']} | | | | | | {dated(r, args.machine)} |")
            continue
        link = grid_link(Path(args.out) / recipe, images, recipe, "../images/stacked-mnist")
        lines.append(f"| `{recipe}` | {r['budget_minutes']:g} | {r['steps']} | {r['ms_per_step']} | {r['modes']:.0f} | "
                     f"{r['kl']:.3f} | {r['real_modes']:.0f}, {r['real_kl']:.3f} | {link} | {dated(r, args.machine)} |")
    ranked = sorted((r for r in results.values() if r.get("modes") is not None), key=lambda r: (-r["modes"], r["kl"]))
    if ranked:
        lines += ["", "Ranked by modes covered within the budget: " + ", ".join(
            f"`{r['row']}` {r['modes']:.0f} (KL {r['kl']:.2f})" for r in ranked) + ". A row stopped by the budget "
            "short of its preset's length (column 'steps done') measures how fast a recipe covers the modes, not "
            "where it ends."]
    lines += notes_and_commands(results, RECIPES)
    (ROOT / "docs/results/stacked-mnist.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=6.0, help="Wall-time budget of each row's training.")
    ap.add_argument("--threads", type=int, default=1)
    row_arguments(ap, out=str(ROOT / "runs" / "stacked-mnist"), only="r3gan,dcgan")
    args = ap.parse_args()
    if args.n == 10000:  # row_arguments' default: this protocol's is 26,000
        args.n = SAMPLES
    if not args.write_only:
        if args.data_root is None:
            ap.error("--data-root DIR is needed to train")
        wanted = args.only.split(",") if args.only else list(RECIPES)
        unknown = set(wanted) - set(RECIPES)
        if unknown:
            ap.error(f"unknown rows {sorted(unknown)}; valid: {', '.join(RECIPES)}")
        for recipe in wanted:
            measure_row(recipe, Path(args.out), lambda: run_row(recipe, args))  # noqa: B023 (called at once)
    write(load_results(Path(args.out), ROOT / "docs/results/stacked-mnist.json"), args)


if __name__ == "__main__":
    main()
