"""The Python API: ``train`` and ``load``, with the same power as the command line."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import torch
from torch import Tensor, nn

from . import data as _data  # noqa: F401  (registers datasets)
from . import losses as _losses  # noqa: F401  (registers losses)
from . import models as _models  # noqa: F401  (registers models)
from . import recipes as _recipes  # noqa: F401  (registers recipes)
from .config import Config, build, load_yaml
from .data.base import no_downloads
from .errors import GanforgeError
from .training.latent import LatentSpec, seeded_global_rng


def train(recipe: str | None = None, *, data: str | None = None, data_b: str | None = None, out: str | Path | None = None,
          steps: int | None = None, batch_size: int | None = None, seed: int | None = None,
          data_root: str | None = None, device: str | None = None, devices: int | None = None,
          precision: str | None = None, config: str | None = None, set: list[str] | tuple[str, ...] = (),
          resume: bool = False, dry_run: bool = False, console: bool = True, live: int | None = None) -> dict:
    """Train a recipe (see ``ganforge list``) and return a summary.

    Mirrors ``ganforge train``: ``set`` takes ``key=value`` strings like ``--set``; ``resume``
    continues ``out`` up to ``steps``; ``live``: serve the live page on this localhost port while
    training (0: any free port). Returns {"run_dir", "step", "seconds", "last"}.
    """
    from .recipes.base import resolve_config
    from .training.loop import run_training

    flags = _flags(data=data, data_b=data_b, data_root=data_root, steps=steps, batch_size=batch_size, seed=seed,
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
    # resuming without --data-root takes the root from the run directory: never download into it
    untrusted_root = resume and data_root is None
    serving = _live_page(out_path, live) if (live is not None and not dry_run) else contextlib.nullcontext()
    with no_downloads() if untrusted_root else contextlib.nullcontext(), serving:
        return run_training(cfg, out_path, resume=resume, dry_run=dry_run, console=console)


def _live_page(out: Path, port: int):
    """The live page of ``out``, served by the first process only (DDP ranks re-run this call)."""
    import os

    if int(os.environ.get("LOCAL_RANK", "0")) or int(os.environ.get("NODE_RANK", "0")):
        return contextlib.nullcontext()
    from .viz.live import POLL_MS, LiveServer

    server = LiveServer(out, port=port, linger_s=2 * POLL_MS / 1000)  # open pages see the last step
    print(f"live page: {server.url} (while it trains)", flush=True)
    return server


# Settings that may change when a run is resumed; everything else must match the saved run.
RESUMABLE = {"train.steps", "train.time_limit_s", "train.log_every", "train.sample_every", "train.ckpt_every", "train.device",
             "train.threads", "train.keep_checkpoints", "train.tensorboard", "data.root",
             "data_b.root"}


def resume_config(run_dir: Path, recipe: str | None, *, sets=(), flags=None, config=None) -> Config:
    from .config import LEGACY_KEYS, deep_merge, migrate, parse_set
    from .recipes.base import check_config

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
    names = {"data": ("data", "name"), "data_b": ("data_b", "name"), "data_root": ("data", "root"), "steps": ("train", "steps"),
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
    points [N, D] in data coordinates. Conditional runs take classes (``y``), InfoGAN runs
    take code values (``codes={"cat": 3, "cont1": 0.5}``)."""

    def __init__(self, G: nn.Module, cfg: Config, meta: dict, latent=None) -> None:
        super().__init__()
        self.G, self.cfg, self.meta = G, cfg, meta
        self.kind = meta.get("data_kind", "image")
        self.latent = latent or LatentSpec.from_config(cfg, meta.get("n_classes"))
        self.truncation: float | None = None  # the default of sample(): BigGAN's truncation trick when set
        self.ema = False  # whether G holds the run's EMA weights (set by ``load``)

    @property
    def n_classes(self) -> int | None:
        return self.latent.n_classes

    @torch.no_grad()
    def sample(self, n: int, *, seed: int | None = None, y=None, codes: dict | None = None, batch: int = 1000,
               return_labels: bool = False, truncation: float | None = None):
        """n samples. ``y``: a class for all, one per sample ([n]), or None: balanced classes
        (0, 1, …, K−1, 0, 1, …) in a conditional run. ``codes``: fixed values of named latent
        codes; the others are drawn. ``truncation``: redraw z's entries beyond ± this threshold
        (BigGAN's truncation trick; default ``self.truncation``). With ``return_labels`` returns
        (samples, labels or None)."""
        self._check_samples()
        chunks = list(self.sample_chunks(n, seed=seed, y=y, codes=codes, batch=batch, truncation=truncation))
        x = torch.cat([c for c, _ in chunks])
        labels = None if chunks[0][1] is None else torch.cat([lab for _, lab in chunks])
        return (x, labels) if return_labels else x

    @torch.no_grad()
    def sample_chunks(self, n: int, *, seed: int | None = None, y=None, codes: dict | None = None,
                      batch: int = 1000, truncation: float | None = None) -> Iterator[tuple[Tensor, Tensor | None]]:
        """``sample`` in pieces of ``batch``: (samples, labels or None) per piece, so that any
        number of samples can go straight to a file. Same draws as ``sample`` with the same seed."""
        self._check_samples()
        if n < 1:
            raise GanforgeError("n must be ≥ 1")
        if seed is None:  # a fresh draw each call: take a seed from (and advance) torch's global stream
            seed = int(torch.randint(0, 2**62, (1,)).item())
        gen = torch.Generator().manual_seed(seed)
        labels = self._labels(n, y)
        truncation = self.truncation if truncation is None else truncation
        with seeded_global_rng(seed, self.device):
            for start in range(0, n, batch):
                m = min(batch, n - start)
                part = None if labels is None else labels(start, m)
                lat = self.latent.fix(self.latent.sample(m, generator=gen, truncation=truncation), y=part, codes=codes)
                yield self._generate(lat), part

    def _check_samples(self) -> None:
        if getattr(self.G, "translates", False):
            raise GanforgeError(f"this run's generator translates images ({self.cfg.recipe}); it draws no samples from "
                                f"noise: use `ganforge translate RUN --input IMAGES --direction a2b|b2a`")

    def _labels(self, n: int, y):
        """None for an unconditional run, else a function (start, m) → the classes of samples
        start … start+m−1: ``y`` (one class, or one per sample), or balanced 0, 1, …, K−1, 0, …"""
        if not self.n_classes:
            if y is not None:
                raise GanforgeError("this run is not conditional: it takes no class (drop --class / y=)")
            return None
        try:
            given = None if y is None else torch.as_tensor(y).long().reshape(-1)
        except (TypeError, ValueError, RuntimeError):
            raise GanforgeError(f"y must be a class index or a list of them, got {y!r}") from None
        if given is None:
            return lambda start, m: torch.arange(start, start + m) % self.n_classes
        if given.numel() not in (1, n):
            raise GanforgeError(f"y must be one class or one per sample ({n}), got {given.numel()} values")
        return lambda start, m: given.expand(n)[start : start + m].clone()

    def _generate(self, lat: dict[str, Tensor]) -> Tensor:
        """G on a latent draw, in data units, on the CPU."""
        from .data.base import to_unit

        x = self.G(*(a.to(self.device) for a in self.latent.g_args(lat)))
        if not bool(torch.isfinite(x).all()):
            raise GanforgeError(f"the generator (step {getattr(self, 'step', '?')}) outputs NaN/inf: its checkpoint "
                                f"holds a diverged model; retrain, or resume from an earlier checkpoint")
        return (to_unit(x, getattr(self.G, "out_range", None)) if self.kind == "image" else x.float()).cpu()

    @property
    def device(self) -> torch.device:
        return next(self.G.parameters()).device

    @torch.no_grad()
    def code_sweep(self, name: str | None = None, *, seed: int = 0, lo: float = -2.0, hi: float = 2.0,
                   cols: int = 10) -> tuple[Tensor, int]:
        """InfoGAN's Figure 2: rows = categorical code values, columns = continuous code ``name``
        from ``lo`` to ``hi``, one fixed noise vector. Returns (images [rows·cols, C, H, W], cols)."""
        from .training.latent import code_sweep

        if not self.latent.codes:
            raise GanforgeError("this run has no latent codes (--sweep is for InfoGAN runs)")
        lat, cols = code_sweep(self.latent, name, torch.Generator().manual_seed(seed), lo=lo, hi=hi, cols=cols)
        with seeded_global_rng(seed, self.device):
            return self._generate(lat), cols

    def forward(self, *args: Tensor) -> Tensor:
        return self.G(*args)


def read_run(run_dir: str | Path) -> tuple[Config, dict]:
    """(resolved config, run.json metadata) of a run directory."""
    import json

    run_dir = Path(run_dir)
    if not (run_dir / "config.yaml").is_file() or not (run_dir / "run.json").is_file():
        raise GanforgeError(f"{run_dir} is not a ganforge run directory (config.yaml and run.json missing)")
    try:
        meta = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise GanforgeError(f"{run_dir / 'run.json'} is not readable JSON ({err}); the run directory is damaged") from None
    _check_meta(meta, run_dir / "run.json")
    return build(Config, load_yaml(run_dir / "config.yaml")), meta


def _check_meta(meta, path: Path) -> None:
    """run.json's fields that shape the rebuilt networks must have their documented types."""
    shape = meta.get("data_shape") if isinstance(meta, dict) else None
    if not (isinstance(shape, list) and shape and all(isinstance(d, int) and not isinstance(d, bool) and d >= 1
                                                       for d in shape)):
        raise GanforgeError(f"{path}: data_shape must be a list of positive integers, got {shape!r}; the run "
                            f"directory is damaged")
    kind = meta.get("data_kind", "image")
    if (kind, len(shape)) not in (("image", 3), ("points", 1)):
        raise GanforgeError(f"{path}: data_kind {kind!r} does not fit data_shape {shape} (images are [C, H, W], "
                            f"points [D]); the run directory is damaged")
    classes = meta.get("n_classes")
    if classes is not None and not (isinstance(classes, int) and not isinstance(classes, bool) and classes >= 1):
        raise GanforgeError(f"{path}: n_classes must be a positive integer or null, got {classes!r}")


def run_shapes(meta: dict) -> dict | None:
    """A two-domain run's per-network shapes from run.json (None for one domain)."""
    from .data.unpaired import domain_shapes

    domains, shape_b = meta.get("domains"), meta.get("data_shape_b")
    if not domains:
        return None
    ok = (isinstance(domains, dict) and all(isinstance(v, list) and len(v) == 2 and set(v) <= {"a", "b"}
                                             for v in domains.values())
          and isinstance(shape_b, list) and len(shape_b) == 3 and all(isinstance(d, int) and d >= 1 for d in shape_b))
    if not ok:
        raise GanforgeError("run.json: domains / data_shape_b are malformed; the run directory is damaged")
    return domain_shapes(domains, tuple(meta["data_shape"]), tuple(shape_b))


def load_network(run_dir: Path, cfg: Config, meta: dict, name: str, latent: LatentSpec, *, device: str = "cpu",
                 ema: bool = True) -> tuple[nn.Module, int, bool]:
    """Network ``name`` of a run (config and run.json already read), from its last complete
    checkpoint, in eval mode: its EMA when the run kept one and ``ema``. Returns (network, the
    checkpoint's step, whether the EMA weights were loaded)."""
    from .training.build import build_networks
    from .training.checkpoint import check_fits, checkpoint_step, load_latest

    last, state = load_latest(run_dir, missing=f"{run_dir} has no complete checkpoint yet; train it longer (checkpoints "
                                                f"every train.ckpt_every steps)")
    net = build_networks(cfg, tuple(meta["data_shape"]), latent, names=(name,), shapes=run_shapes(meta))[name]
    has_ema = isinstance(state, dict) and isinstance(state.get(f"{name}_ema"), dict)
    key = f"{name}_ema" if has_ema and ema else name
    check_fits({key: net}, state, last)
    net.load_state_dict(state[key])
    return net.eval().to(device), checkpoint_step(last), key != name


def load(run_dir: str | Path, *, device: str = "cpu", ema: bool = True,
         truncation: float | None = None) -> TrainedGenerator:
    """The generator of a run directory (its EMA when the run kept one, unless ``ema=False``),
    from its last complete checkpoint, in eval mode. ``truncation``: the default threshold of
    its ``sample`` (BigGAN's truncation trick; None: plain z)."""
    run_dir = Path(run_dir)
    cfg, meta = read_run(run_dir)
    latent = LatentSpec.from_config(cfg, meta.get("n_classes"))
    G, step, used_ema = load_network(run_dir, cfg, meta, meta.get("sampler", "G"), latent, device=device, ema=ema)
    out = TrainedGenerator(G, cfg, meta, latent)
    out.step, out.ema = step, used_ema
    if truncation is not None:
        from .training.latent import check_truncation

        check_truncation(truncation, latent.z_dist)
        out.truncation = truncation
    return out
