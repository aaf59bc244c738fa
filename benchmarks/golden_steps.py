"""Fingerprint every recipe's resolved configs and its first training steps, to check that a
refactor of the trainer changes nothing: run once before (``--write FILE``, e.g. from a checkout
of the old commit with PYTHONPATH=OLD/src), once after (``--check FILE``).

- configs: every recipe resolved on each dataset below; on --check every key of the old config
  must have the same value (keys a refactor adds are allowed; the old top-level
  ``spectral_norm`` is compared with ``D.spectral_norm``);
- steps: SHA-256 of the raw bytes of every weight and optimiser-state tensor after ``--steps``
  steps on CPU, one thread, at the recipe's tiny test size (bitwise equality).

    PYTHONPATH=/tmp/old/src python benchmarks/golden_steps.py --write /tmp/golden.json
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
from ganforge.config import LEGACY_KEYS, deep_merge, migrate, to_sets
from ganforge.recipes.base import resolve_config
from ganforge.registry import RECIPES
from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint

DATASETS = ("mnist", "fashion-mnist", "cifar10", "digits", "gaussian-1d", "bimodal-1d", "sine-1d", "ring-2d",
            "grid-2d", "spiral-2d")


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
        sets = to_sets(over) + ["train.threads=1", "train.log_every=5", "train.sample_every=1000",
                                   "train.ckpt_every=1000"]
        with tempfile.TemporaryDirectory() as tmp:
            ganforge.train(name, out=Path(tmp) / "run", steps=steps, set=sets, console=False)
            state = load_checkpoint(latest_checkpoint(Path(tmp) / "run"))
        entry = {"config": configs}
        for key in ("G", "D", "opt_G", "opt_D"):
            h = hashlib.sha256()
            _digest(state[key], h)
            entry[key] = h.hexdigest()
        out[name] = entry
        print(name, {k: v for k, v in entry.items() if k != "config"}, flush=True)
    return out


def _config_diff(old: dict, new: dict, prefix: str = "") -> list[str]:
    """Keys of ``old`` whose values differ in ``new`` (keys only in ``new`` are fine). An old config
    is first read in today's keys (``config.migrate``: spectral_norm → D.spectral_norm, opt_G →
    opt.G, d_steps_boost → recipe_args.d_steps_boost, where a null boost is the same as none)."""
    if not prefix:  # the old side went through JSON: compare like with like (int keys become strings)
        new = json.loads(json.dumps(new))
    if not prefix and LEGACY_KEYS & set(old):
        old = migrate(old)
        if old.get("recipe_args", {}).get("d_steps_boost", 0) is None and "d_steps_boost" not in new["recipe_args"]:
            del old["recipe_args"]["d_steps_boost"]
    out = []
    for key, value in old.items():
        if isinstance(value, dict) and isinstance(new.get(key), dict) and key != "args":
            out += _config_diff(value, new[key], f"{prefix}{key}.")
        elif new.get(key, object()) != value:
            out.append(f"{prefix}{key}")
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
        bad = [f"{n}.{k}" for n in got for k in got[n] if k != "config" and got[n][k] != golden[n][k]]
        bad += [f"{n}.config[{d}].{key}" for n in got for d in golden[n]["config"]
                for key in _config_diff(golden[n]["config"][d], got[n]["config"][d])]
        print("identical" if not bad else f"DIFFERENT: {', '.join(bad)}")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
