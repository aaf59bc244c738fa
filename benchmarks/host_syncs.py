"""Host synchronisations per training step for every recipe (issue 29), counted on this CPU by
``ganforge.training.host_syncs`` (reads of device values, copies to the host, data-dependent
shapes, blocking copies to the device).

Each recipe trains at its tiny test size (``test_overrides``, batch 16 unless the recipe sets
its own) for ``--steps`` steps, logging every ``--log-every``; a few variants add paths the
defaults do not take. Printed per recipe: the mean syncs of a step between log intervals (the
figure that must be 0), the mean of a log step before the last (statistics flushed, the NaN
flag read: syncs expected there; the last step also samples and checkpoints), and where the
between-log syncs come from.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/host_syncs.py                   # all recipes
    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/host_syncs.py --recipes gan,pggan --json out.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path

import torch

from ganforge.config import deep_merge, to_sets
from ganforge.recipes.base import resolve_config
from ganforge.registry import RECIPES
from ganforge.training.host_syncs import count_training

# (label, recipe, config diff): paths off the recipes' test defaults
VARIANTS = [
    ("wgan (short boost)", "wgan", {"recipe_args": {"d_steps_boost": {"d_steps": 3, "first": 2, "every": 5}}}),
    ("stylegan + lazy r1", "stylegan", {"d_penalties": {"r1": {"weight": 5.0, "every": 2}}}),
    ("dcgan simultaneous", "dcgan", {"update_order": "simultaneous"}),
    ("gan alternating", "gan", {"update_order": "alternating"}),
    ("pggan minibatch per resolution", "pggan", {"recipe_args": {"minibatch": {8: 2, 16: 2}}}),
]


def measure(name: str, diff: dict, steps: int, log_every: int) -> dict:
    over = deep_merge(deep_merge({"train": {"batch_size": 16}}, RECIPES.get(name).test_overrides), diff)
    cfg = resolve_config(name, sets=to_sets(over) + [
        "train.threads=1", f"train.steps={steps}", f"train.log_every={log_every}",
        "train.sample_every=100000", "train.ckpt_every=100000"])
    with tempfile.TemporaryDirectory() as tmp:
        count = count_training(cfg, Path(tmp) / "run")
    quiet = count.between_logs()
    last = max(count.per_step)  # the last step also draws samples and writes the checkpoint
    logged = [count.total(s) for s in count.log_steps if s in count.per_step and s != last]
    where = Counter(w for s in quiet for w in count.where.get(s, []))
    return {"between_logs": round(sum(quiet.values()) / max(len(quiet), 1), 2),
            "log_step": round(sum(logged) / max(len(logged), 1), 2),
            "where": dict(where.most_common(5))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recipes", default="", help="comma-separated names (default: every recipe and the variants)")
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--log-every", type=int, default=4)
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()
    torch.set_num_threads(1)
    chosen = [r for r in args.recipes.split(",") if r]
    rows = [(n, n, {}) for n in (chosen or RECIPES.names())] + ([] if chosen else VARIANTS)
    results = {}
    print(f"{'recipe':32s} {'syncs/step between logs':>24s} {'syncs/log step':>15s}")
    for label, name, diff in rows:
        r = results[label] = measure(name, diff, args.steps, args.log_every)
        print(f"{label:32s} {r['between_logs']:24.2f} {r['log_step']:15.2f}", flush=True)
        for where, n in r["where"].items():
            print(f"    {n:4d} × {where}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
