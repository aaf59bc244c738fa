"""The Python API: ``train`` and ``load``, with the same power as the command line."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn

from . import data as _data  # noqa: F401  (registers datasets)
from . import losses as _losses  # noqa: F401  (registers losses)
from . import models as _models  # noqa: F401  (registers models)
from . import recipes as _recipes  # noqa: F401  (registers recipes)
from .config import Config, build, load_yaml
from .errors import GanforgeError


def train(recipe: str | None = None, *, data: str | None = None, out: str | Path | None = None,
          steps: int | None = None, batch_size: int | None = None, seed: int | None = None,
          data_root: str | None = None, device: str | None = None, devices: int | None = None,
          precision: str | None = None, config: str | None = None, set: list[str] | tuple[str, ...] = (),
          resume: bool = False, dry_run: bool = False, console: bool = True) -> dict:
    """Train a recipe (see ``ganforge list``) and return a summary.

    Mirrors ``ganforge train``: ``set`` takes ``key=value`` strings like ``--set``; ``resume``
    continues ``out`` up to ``steps``. Returns {"run_dir", "step", "seconds", "last"}.
    """
    from .recipes.base import resolve_config
    from .training.loop import run_training

    flags = _flags(data=data, data_root=data_root, steps=steps, batch_size=batch_size, seed=seed,
                   device=device, devices=devices, precision=precision)
    out_path = Path(out) if out is not None else None
    if resume:
        if out_path is None:
            raise GanforgeError("--resume needs --out RUN_DIR (the run to continue)")
        cfg = resume_config(out_path, recipe, sets=set, flags=flags, config=config)
    else:
        cfg = resolve_config(recipe, config_file=config, sets=set, overrides=flags)
    if out_path is None and not dry_run:
        out_path = Path("runs") / f"{cfg.recipe}-{Path(cfg.data.name).name}"
    return run_training(cfg, out_path, resume=resume, dry_run=dry_run, console=console)


# Settings that may change when a run is resumed; everything else must match the saved run.
RESUMABLE = {"train.steps", "train.time_limit_s", "train.log_every", "train.sample_every", "train.ckpt_every", "train.device",
             "train.threads", "data.root"}


def resume_config(run_dir: Path, recipe: str | None, *, sets=(), flags=None, config=None) -> Config:
    from .config import deep_merge, parse_set
    from .recipes.base import check_config

    saved_path = run_dir / "config.yaml"
    if not saved_path.is_file():
        raise GanforgeError(f"--resume: {run_dir} is not a ganforge run directory (no config.yaml)")
    saved = load_yaml(saved_path)
    if recipe and recipe != saved.get("recipe"):
        raise GanforgeError(f"--resume: {run_dir} was trained with recipe {saved.get('recipe')!r}, not {recipe!r}")
    diff = deep_merge(load_yaml(config) if config else {}, parse_set(list(sets)))
    diff = deep_merge(diff, flags or {})
    changed = sorted(k for k, v in _flatten(diff).items() if _flatten(saved).get(k) != v)
    bad = [k for k in changed if k not in RESUMABLE]
    if bad:
        raise GanforgeError(
            f"--resume cannot change {', '.join(bad)} (the run was trained with other values); "
            f"only {', '.join(sorted(RESUMABLE))} may change"
        )
    cfg = build(Config, deep_merge(saved, diff))
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


def _flags(**kw) -> dict:
    """CLI flags → a config diff (None means "not given")."""
    names = {"data": ("data", "name"), "data_root": ("data", "root"), "steps": ("train", "steps"),
             "batch_size": ("train", "batch_size"), "seed": ("train", "seed"), "device": ("train", "device"),
             "devices": ("train", "devices"), "precision": ("train", "precision")}
    out: dict = {}
    for key, value in kw.items():
        if value is not None:
            section, field = names[key]
            out.setdefault(section, {})[field] = value
    return out


class TrainedGenerator(nn.Module):
    """A trained generator with ``sample(n)`` in data units: images [N, C, H, W] in [0, 1],
    points [N, D] in data coordinates."""

    def __init__(self, G: nn.Module, cfg: Config, meta: dict) -> None:
        super().__init__()
        self.G, self.cfg, self.meta = G, cfg, meta
        self.kind = meta.get("data_kind", "image")

    @torch.no_grad()
    def sample(self, n: int, *, seed: int | None = None, batch: int = 1000) -> Tensor:
        from .data.base import to_unit
        from .models.mlp import sample_noise

        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        device = next(self.G.parameters()).device
        outs = []
        for start in range(0, n, batch):
            m = min(batch, n - start)
            z = sample_noise(m, self.cfg.z_dim, self.cfg.z_dist, generator=gen).to(device)
            x = self.G(z)
            outs.append(to_unit(x, getattr(self.G, "out_range", None)) if self.kind == "image" else x.float())
        return torch.cat(outs).cpu()

    def forward(self, z: Tensor) -> Tensor:
        return self.G(z)


def read_run(run_dir: str | Path) -> tuple[Config, dict]:
    """(resolved config, run.json metadata) of a run directory."""
    import json

    run_dir = Path(run_dir)
    if not (run_dir / "config.yaml").is_file() or not (run_dir / "run.json").is_file():
        raise GanforgeError(f"{run_dir} is not a ganforge run directory (config.yaml and run.json missing)")
    return build(Config, load_yaml(run_dir / "config.yaml")), json.loads((run_dir / "run.json").read_text())


def load(run_dir: str | Path, *, device: str = "cpu") -> TrainedGenerator:
    """The generator of a run directory, from its last complete checkpoint, in eval mode."""
    from .training.build import build_models
    from .training.checkpoint import latest_checkpoint, load_checkpoint

    run_dir = Path(run_dir)
    cfg, meta = read_run(run_dir)
    last = latest_checkpoint(run_dir)
    if last is None:
        raise GanforgeError(f"{run_dir} has no complete checkpoint yet; train it longer (checkpoints every "
                            f"train.ckpt_every steps)")
    G, _ = build_models(cfg, tuple(meta["data_shape"]))
    state = load_checkpoint(last)
    G.load_state_dict(state.get("G_ema") or state["G"])
    G.eval().to(device)
    out = TrainedGenerator(G, cfg, meta)
    out.step = int(state["step"])
    return out
