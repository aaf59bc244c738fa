"""Starting or resuming a training run from recipe names and flags: ``ganforge.train`` less
the live page, which the caller may serve through ``page`` (``api.train`` does)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from .. import data as _data  # noqa: F401  (registers datasets)
from .. import losses as _losses  # noqa: F401  (registers losses)
from .. import models as _models  # noqa: F401  (registers models)
from .. import recipes as _recipes  # noqa: F401  (registers recipes)
from ..data.base import no_downloads
from ..errors import GanforgeError
from .resume import resume_config


def train(recipe: str | None = None, *, data: str | None = None, data_b: str | None = None, out: str | Path | None = None,
          steps: int | None = None, batch_size: int | None = None, seed: int | None = None,
          data_root: str | None = None, device: str | None = None, devices: int | None = None,
          num_nodes: int | None = None, precision: str | None = None, config: str | None = None, set: list[str] | tuple[str, ...] = (),
          resume: bool = False, dry_run: bool = False, console: bool = True,
          page: Callable[[Path], contextlib.AbstractContextManager] | None = None, evaluation=None) -> dict:
    """Train a recipe (see ``ganforge list``) and return a summary.

    Mirrors ``ganforge train``: ``set`` takes ``key=value`` strings like ``--set``; ``resume``
    continues ``out`` up to ``steps``; ``page``: called with the run directory once it is known,
    it returns a context (the live page) held open while training (not on a dry run); ``evaluation``:
    the health checks' evaluator (``ganforge.metrics.in_training``; None: none). Returns
    {"run_dir", "step", "seconds", "last"}.
    """
    from ..training.loop import run_training

    flags = _flags(data=data, data_b=data_b, data_root=data_root, steps=steps, batch_size=batch_size, seed=seed,
                   device=device, devices=devices, num_nodes=num_nodes, precision=precision)
    out_path = Path(out) if out is not None else None
    if resume:
        if out_path is None:
            raise GanforgeError("--resume needs --out RUN_DIR (the run to continue)")
        cfg = resume_config(out_path, recipe, sets=set, flags=flags, config=config)
    else:
        cfg, lines = _resolve(recipe, config=config, sets=set, flags=flags)
        if console and first_process():
            for line in lines:
                print(line, flush=True)
    if out_path is None and not dry_run:
        out_path = Path("runs") / f"{cfg.recipe}-{Path(cfg.data.name).name}"
    # resuming without --data-root takes the root from the run directory: never download into it
    untrusted_root = resume and data_root is None
    serving = page(out_path) if (page is not None and not dry_run) else contextlib.nullcontext()
    with no_downloads() if untrusted_root else contextlib.nullcontext(), serving:
        return run_training(cfg, out_path, resume=resume, dry_run=dry_run, console=console, evaluation=evaluation)


def _resolve(recipe: str | None, *, config, sets, flags) -> tuple:
    """(config, the lines saying what was chosen from the data): with no recipe named anywhere,
    the recipe and settings ``recipes.auto`` picks for the folder; then, for any recipe on a folder,
    the image size its G takes (``recipes.auto.fit_to_data``)."""
    import dataclasses

    from ..config import Config, load_yaml, parse_set
    from ..recipes.auto import RECIPE, choose, fit_to_data
    from ..recipes.base import resolve_config
    from ..registry import RECIPES

    named = recipe or (load_yaml(config).get("recipe") if config else None) or parse_set(list(sets)).get("recipe")
    lines: list[str] = []
    if named:
        cfg = resolve_config(recipe, config_file=config, sets=sets, overrides=flags)
    else:
        if not (flags.get("data") or {}).get("name"):
            raise GanforgeError("name a recipe, e.g. `ganforge train gan --data digits` (see `ganforge list`), or give "
                                "--data FOLDER alone to have the recipe and settings chosen from the images")
        chosen = choose(resolve_config(RECIPE, config_file=config, sets=sets, overrides=flags))
        diff = chosen.diff({f.name for f in dataclasses.fields(Config)})
        cfg = resolve_config(RECIPE, config_file=config, sets=sets, overrides=flags, data_diff=diff)
        lines = chosen.explain(cfg)
    rec = RECIPES.get(cfg.recipe)
    cfg, fitted = fit_to_data(cfg, domains=bool(rec.domains))
    limit = rec.known_limits.get(cfg.data.name)
    return cfg, lines + fitted + ([f"note: {limit}"] if limit else [])


def _flags(**kw) -> dict:
    """CLI flags → a config diff (None means "not given")."""
    names = {"data": ("data", "name"), "data_b": ("data_b", "name"), "data_root": ("data", "root"), "steps": ("train", "steps"),
             "batch_size": ("train", "batch_size"), "seed": ("train", "seed"), "device": ("train", "device"),
             "devices": ("train", "devices"), "num_nodes": ("train", "num_nodes"), "precision": ("train", "precision")}
    out: dict = {}
    for key, value in kw.items():
        if value is not None:
            section, field = names[key]
            out.setdefault(section, {})[field] = value
    return out


# what each launcher sets in every process but the run's first: Fabric's own (LOCAL_RANK, NODE_RANK),
# torchrun (RANK, GROUP_RANK) and SLURM's srun (SLURM_PROCID)
_RANK_VARIABLES = ("RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK", "SLURM_PROCID")


def first_process() -> bool:
    """True in the run's first process (global rank 0), the one that prints and serves the page; read
    from the launcher's environment, so it holds before Fabric starts and in every DDP process."""
    for name in _RANK_VARIABLES:
        value = os.environ.get(name, "0").strip()
        if value.isdigit() and int(value) != 0:
            return False
    return True
