"""A trained generator that samples in data units (what ``ganforge.load`` returns)."""

from __future__ import annotations

import numbers
from collections.abc import Iterator

import torch
from torch import Tensor, nn

from ..config import Config, check_seed
from ..errors import GanforgeError
from ..training.latent import LatentSpec, seeded_global_rng


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

    @property
    def class_names(self) -> list[str] | None:
        """The classes' names in index order, when the run's data named them (folder, CSV); else None."""
        return self.meta.get("class_names")

    def class_index(self, name) -> int:
        """A class given by name (``class_names``) or by index (an int, or a string of digits) → its index."""
        if not self.n_classes:
            raise GanforgeError("this run is not conditional: it takes no class (drop --class / y=)")
        names = self.class_names or []
        if isinstance(name, str) and name in names:
            return names.index(name)
        text = name.strip() if isinstance(name, str) else None
        if text is not None and text.isdigit():
            name = int(text)
        if isinstance(name, numbers.Integral) and not isinstance(name, bool) and 0 <= name < self.n_classes:
            return int(name)
        valid = (f"a name ({', '.join(names[:20])}{', …' if len(names) > 20 else ''}) or an index 0 … "
                 f"{self.n_classes - 1}") if names else f"an index 0 … {self.n_classes - 1} (this run records no class names)"
        raise GanforgeError(f"unknown class {name!r}; give {valid}")

    @torch.no_grad()
    def sample(self, n: int, *, seed: int | None = None, y=None, codes: dict | None = None, batch: int = 1000,
               return_labels: bool = False, truncation: float | None = None):
        """n samples. ``y``: a class for all, one per sample ([n]), or None: balanced classes
        (0, 1, …, K−1, 0, 1, …) in a conditional run; a class may be given by name (``class_names``).
        ``codes``: fixed values of named latent codes; the others are drawn. ``truncation``: redraw z's entries beyond ± this threshold
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
        for name, value in (("n", n), ("batch", batch)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise GanforgeError(f"{name} must be a whole number ≥ 1, got {value!r}")
        if seed is None:  # a fresh draw each call: take a seed from (and advance) torch's global stream
            seed = int(torch.randint(0, 2**62, (1,)).item())
        gen = torch.Generator().manual_seed(check_seed(seed))
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
        if isinstance(y, str) or (isinstance(y, (list, tuple)) and any(isinstance(v, str) for v in y)):
            y = [self.class_index(v) for v in y] if isinstance(y, (list, tuple)) else self.class_index(y)
        try:
            raw = None if y is None else torch.as_tensor(y).reshape(-1)
        except (TypeError, ValueError, RuntimeError):
            raise GanforgeError(f"y must be a class index or a list of them, got {y!r}") from None
        if raw is not None and (raw.is_complex() or raw.dtype == torch.bool or (raw.is_floating_point() and not bool(
                (raw == raw.round()).all()))):  # 2.5 would silently become class 2
            raise GanforgeError(f"y must hold whole class indices (0 … {self.n_classes - 1}), got {y!r}")
        given = None if raw is None else raw.long()
        if given is None:
            return lambda start, m: torch.arange(start, start + m) % self.n_classes
        if given.numel() not in (1, n):
            raise GanforgeError(f"y must be one class or one per sample ({n}), got {given.numel()} values")
        return lambda start, m: given.expand(n)[start : start + m].clone()

    def _generate(self, lat: dict[str, Tensor]) -> Tensor:
        """G on a latent draw, in data units, on the CPU."""
        from ..data.base import to_unit

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
        from ..training.latent import code_sweep

        if not self.latent.codes:
            raise GanforgeError("this run has no latent codes (--sweep is for InfoGAN runs)")
        lat, cols = code_sweep(self.latent, name, torch.Generator().manual_seed(check_seed(seed)), lo=lo, hi=hi, cols=cols)
        with seeded_global_rng(seed, self.device):
            return self._generate(lat), cols

    def forward(self, *args: Tensor) -> Tensor:
        return self.G(*args)
