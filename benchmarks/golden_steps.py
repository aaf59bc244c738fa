"""Fingerprint every recipe's resolved configs and its first training steps, to check that a
refactor of the trainer changes nothing: run once before (``--write FILE``), once after
(``--check FILE``). Fingerprints are SHA-256 of the raw bytes of every weight and optimiser
state tensor after ``--steps`` steps on CPU, one thread, at the recipe's tiny test size.

    python benchmarks/golden_steps.py --write /tmp/golden.json
    python benchmarks/golden_steps.py --check /tmp/golden.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

import torch

import ganforge
from ganforge.config import deep_merge
from ganforge.recipes.base import resolve_config
from ganforge.registry import RECIPES
from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint

DATASETS = ("mnist", "fashion-mnist", "cifar10", "digits", "gaussian-1d", "ring-2d")


def _flat_sets(d: dict, prefix: str = "") -> list[str]:
    out = []
    for k, v in d.items():
        if isinstance(v, dict) and k != "args":
            out += _flat_sets(v, f"{prefix}{k}.")
        elif isinstance(v, dict):
            out += [f"{prefix}{k}.{a}={json.dumps(b)}" for a, b in v.items()]
        else:
            out.append(f"{prefix}{k}={json.dumps(v)}")
    return out


def _digest(obj, h) -> None:
    if isinstance(obj, torch.Tensor):
        h.update(obj.detach().cpu().contiguous().numpy().tobytes())
    elif isinstance(obj, dict):
        for k in sorted(obj, key=str):
            h.update(str(k).encode())
            _digest(obj[k], h)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _digest(v, h)
    else:
        h.update(repr(obj).encode())


def fingerprint(names: list[str], steps: int) -> dict:
    out: dict = {}
    for name in names:
        rec = RECIPES.get(name)
        configs = {d: resolve_config(name, sets=[f"data.name={d}"]).to_dict() for d in DATASETS}
        over = deep_merge({"train": {"batch_size": 16}}, rec.test_overrides)
        sets = _flat_sets(over) + ["train.threads=1", "train.log_every=5", "train.sample_every=1000",
                                   "train.ckpt_every=1000"]
        with tempfile.TemporaryDirectory() as tmp:
            ganforge.train(name, out=Path(tmp) / "run", steps=steps, set=sets, console=False)
            state = load_checkpoint(latest_checkpoint(Path(tmp) / "run"))
        entry = {"config": hashlib.sha256(json.dumps(configs, sort_keys=True).encode()).hexdigest()}
        for key in ("G", "D", "opt_G", "opt_D"):
            h = hashlib.sha256()
            _digest(state[key], h)
            entry[key] = h.hexdigest()
        out[name] = entry
        print(name, entry, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write")
    ap.add_argument("--check")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--recipes", default="")
    args = ap.parse_args()
    torch.set_num_threads(1)
    names = [r for r in args.recipes.split(",") if r] or RECIPES.names()
    if args.check:
        golden = json.loads(Path(args.check).read_text())
        names = [n for n in names if n in golden]
    got = fingerprint(names, args.steps)
    if args.write:
        Path(args.write).write_text(json.dumps(got, indent=1))
    if args.check:
        bad = [f"{n}.{k}" for n in got for k in got[n] if got[n][k] != golden[n][k]]
        print("identical" if not bad else f"DIFFERENT: {', '.join(bad)}")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
