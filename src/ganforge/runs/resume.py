"""Resuming a run: the saved config, with only the settings that may change changed."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from ..config import Config, build, load_yaml
from ..errors import GanforgeError

# Settings that may change when a run is resumed; everything else must match the saved run.
RESUMABLE = {"train.steps", "train.time_limit_s", "train.log_every", "train.sample_every", "train.ckpt_every", "train.device",
             "train.threads", "train.keep_checkpoints", "train.tensorboard", "train.eval_every", "train.eval_samples",
             "train.stop_when", "data.root",
             "data_b.root", "data.stream", "data.stream_cache", "data.workers"}  # streaming draws the same batches


def resume_config(run_dir: Path, recipe: str | None, *, sets=(), flags=None, config=None) -> Config:
    from ..config import LEGACY_KEYS, deep_merge, migrate, parse_set
    from ..recipes.base import check_config

    def current(diff: dict) -> dict:  # an old run's config, or a diff in old keys, in today's keys
        return migrate(diff) if LEGACY_KEYS & set(diff) else diff

    saved_path = run_dir / "config.yaml"
    if not saved_path.is_file():
        raise GanforgeError(f"--resume: {run_dir} is not a ganforge run directory (no config.yaml)")
    saved = current(load_yaml(saved_path))
    if recipe and recipe != saved.get("recipe"):
        raise GanforgeError(f"--resume: {run_dir} was trained with recipe {saved.get('recipe')!r}, not {recipe!r}")
    diff = deep_merge(current(load_yaml(config)) if config else {}, current(parse_set(list(sets))))
    diff = deep_merge(diff, current(flags or {}))
    cfg = build(Config, deep_merge(saved, diff))
    # compared as built, so that a value given again in another spelling (--set opt.G.lr=4e-4 against the
    # saved 0.0004) is the same value, not a change
    given, now, was = _flatten(diff), _flatten(asdict(cfg)), _flatten(asdict(build(Config, saved)))
    changed = sorted(k for k in given if now.get(k, given[k]) != was.get(k))
    bad = [k for k in changed if k not in RESUMABLE]
    if bad:
        raise GanforgeError(
            f"--resume cannot change {', '.join(bad)} (the run was trained with other values); "
            f"only {', '.join(sorted(RESUMABLE))} may change"
        )
    check_config(cfg)
    return cfg


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and k not in ("args",):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out
