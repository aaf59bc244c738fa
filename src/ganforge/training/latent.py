"""What G is fed: noise z, a class y (conditional GANs), latent codes (InfoGAN).

``LatentSpec.sample`` draws a dict {"z": [N, z_dim], "y": int64 [N], <code name>: ...};
``g_args`` turns it into G's positional arguments: ``(z,)``, ``(z, y)``, or, with codes,
``(cat(z, one-hot categorical codes, continuous codes),)`` as InfoGAN feeds its generator.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor

from ..errors import GanforgeError
from ..models.base import sample_noise

CODE_KINDS = ("categorical", "uniform", "normal")


@dataclass(frozen=True)
class Code:
    name: str
    kind: str  # categorical | uniform (U[−1, 1]) | normal
    dim: int  # categories (categorical, fed one-hot) or dimensions (continuous): its width in G's input


@contextlib.contextmanager
def seeded_global_rng(seed: int, device: torch.device) -> Iterator[None]:
    """Run a block on torch's global stream seeded with ``seed`` and restore the stream after:
    generators with noise of their own (dropout kept on when sampling) draw from it, and drawing
    samples must neither depend on nor move the caller's (or the training's) stream."""
    with torch.random.fork_rng(devices=[device] if torch.device(device).type == "cuda" else []):
        torch.manual_seed(seed)
        yield


def check_truncation(threshold: float, z_dist: str) -> None:
    """A truncation threshold must be finite and > 0, and z normal: else one clear error."""
    if z_dist != "normal":
        raise GanforgeError(f"truncation resamples a normal z; this run draws z from {z_dist!r}")
    if not threshold > 0 or threshold != threshold or threshold == float("inf"):
        raise GanforgeError(f"the truncation threshold must be a finite number > 0 (e.g. 0.5), got {threshold}")


def truncate(z: Tensor, threshold: float, z_dist: str, *, generator: torch.Generator | None = None) -> Tensor:
    """The truncation trick (Brock et al., 2019, Sec. 3.1): z ~ N(0, I) with every entry whose
    magnitude exceeds ``threshold`` resampled until all fall inside — a truncated normal. z: [N, D]."""
    check_truncation(threshold, z_dist)
    z = z.clone()
    outside = z.abs() > threshold
    for _ in range(REDRAW_ROUNDS):  # P(|z| ≤ 0.25) ≈ 0.2: a few dozen rounds suffice
        if not bool(outside.any()):
            return z
        fresh = torch.randn(int(outside.sum()), generator=generator, device=z.device, dtype=z.dtype)
        z[outside] = fresh
        outside = z.abs() > threshold
    # a tiny threshold accepts almost nothing (1e-6: one draw in 1.25 million): the entries still
    # outside are drawn from the same truncated normal by its inverse CDF, z = √2·erfinv(U(−a, a)) with
    # a = erf(t/√2), instead of redrawing without end
    n = int(outside.sum())
    if n:
        a = math.erf(threshold / math.sqrt(2.0))
        u = (torch.rand(n, generator=generator, device=z.device, dtype=torch.float64) * 2 - 1) * a
        z[outside] = (math.sqrt(2.0) * torch.erfinv(u)).clamp(-threshold, threshold).to(z.dtype)
    return z


REDRAW_ROUNDS = 64  # rejection rounds before the inverse CDF takes over (0.5: P(still outside) ≈ 1e-13)


class LatentSpec:
    def __init__(self, z_dim: int, z_dist: str, *, n_classes: int | None = None, codes: tuple[Code, ...] = ()) -> None:
        self.z_dim, self.z_dist, self.n_classes, self.codes = z_dim, z_dist, n_classes, tuple(codes)
        for c in self.codes:
            if c.kind not in CODE_KINDS:
                raise GanforgeError(f"code {c.name!r}: unknown kind {c.kind!r}; valid: {', '.join(CODE_KINDS)}")
            if c.dim < 1 or (c.kind == "categorical" and c.dim < 2):
                raise GanforgeError(f"code {c.name!r}: dim must be ≥ 1 (≥ 2 categories for a categorical code)")
        names = [c.name for c in self.codes]
        if len(set(names)) != len(names) or {"z", "y"} & set(names):
            raise GanforgeError(f"code names must be unique and not 'z' or 'y', got {names}")

    @classmethod
    def from_config(cls, cfg, n_classes: int | None) -> "LatentSpec":
        codes = tuple(Code(c.name, c.kind, c.dim) for c in cfg.codes)
        return cls(cfg.z_dim, cfg.z_dist, n_classes=n_classes if cfg.conditional else None, codes=codes)

    @property
    def g_in_dim(self) -> int:
        """The width of G's first input: z alone, or z with the codes appended."""
        return self.z_dim + sum(c.dim for c in self.codes)

    @property
    def categorical(self) -> list[Code]:
        return [c for c in self.codes if c.kind == "categorical"]

    @property
    def continuous(self) -> list[Code]:
        return [c for c in self.codes if c.kind != "categorical"]

    def sample(self, n: int, *, generator: torch.Generator | None = None, device=None,
               truncation: float | None = None) -> dict[str, Tensor]:
        """A fresh draw for n samples: z first (so an unconditional draw is exactly
        ``sample_noise``), then y uniform over the classes, then each code in order.
        ``truncation``: BigGAN's truncation trick — entries of z with |z| > threshold are redrawn
        until none is left (normal z only)."""
        device = device if device is not None else (generator.device if generator is not None else None)
        z = sample_noise(n, self.z_dim, self.z_dist, generator=generator, device=device)
        out = {"z": z if truncation is None else truncate(z, truncation, self.z_dist, generator=generator)}
        if self.n_classes:
            out["y"] = torch.randint(0, self.n_classes, (n,), generator=generator, device=device)
        for c in self.codes:
            if c.kind == "categorical":
                out[c.name] = torch.randint(0, c.dim, (n,), generator=generator, device=device)
            elif c.kind == "uniform":
                out[c.name] = torch.rand(n, c.dim, generator=generator, device=device) * 2 - 1
            else:
                out[c.name] = torch.randn(n, c.dim, generator=generator, device=device)
        return out

    def zeros(self, n: int) -> dict[str, Tensor]:
        """An all-zero draw (shape checks; consumes no random numbers)."""
        out = {"z": torch.zeros(n, self.z_dim)}
        if self.n_classes:
            out["y"] = torch.zeros(n, dtype=torch.long)
        for c in self.codes:
            out[c.name] = torch.zeros(n, dtype=torch.long) if c.kind == "categorical" else torch.zeros(n, c.dim)
        return out

    def g_args(self, lat: dict[str, Tensor]) -> tuple[Tensor, ...]:
        z = lat["z"]
        if self.codes:
            parts = [z] + [F.one_hot(lat[c.name], c.dim).to(z.dtype) if c.kind == "categorical"
                           else lat[c.name].to(z.dtype) for c in self.codes]
            z = torch.cat(parts, dim=1)
        return (z, lat["y"]) if self.n_classes else (z,)

    def fix(self, lat: dict[str, Tensor], *, y=None, codes: dict | None = None) -> dict[str, Tensor]:
        """Overwrite y and named codes in a draw (``sample(y=3)``, ``--code cat=2``)."""
        n = lat["z"].shape[0]
        lat = dict(lat)
        if y is not None:
            if not self.n_classes:
                raise GanforgeError("this run is not conditional: it takes no class (drop --class / y=)")
            y = torch.as_tensor(y, dtype=torch.long, device=lat["z"].device).expand(n) if not torch.is_tensor(y) or \
                y.dim() == 0 else y.to(lat["z"].device).long()
            if y.shape != (n,) or int(y.min()) < 0 or int(y.max()) >= self.n_classes:
                raise GanforgeError(f"classes must be in 0..{self.n_classes - 1}, one per sample")
            lat["y"] = y.clone()
        by_name = {c.name: c for c in self.codes}
        for name, value in (codes or {}).items():
            if name not in by_name:
                valid = ", ".join(by_name) or "(none: this run has no latent codes)"
                raise GanforgeError(f"unknown code {name!r}; valid codes: {valid}")
            c = by_name[name]
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value or abs(value) == float("inf"):
                raise GanforgeError(f"code {name}: expected a finite number, got {value!r}")
            if c.kind == "categorical":
                if float(value) != int(value) or not 0 <= int(value) < c.dim:
                    raise GanforgeError(f"code {name} takes a category in 0..{c.dim - 1}, got {value}")
                v = int(value)
                lat[name] = torch.full((n,), v, dtype=torch.long, device=lat["z"].device)
            else:
                lat[name] = torch.full((n, c.dim), float(value), device=lat["z"].device)
        return lat

    def describe(self) -> dict:
        return {"z_dim": self.z_dim, "z_dist": self.z_dist, "n_classes": self.n_classes,
                "codes": [{"name": c.name, "kind": c.kind, "dim": c.dim} for c in self.codes]}


def code_sweep(latent: LatentSpec, sweep: str | None, gen: torch.Generator | None, *, lo: float = -2.0,
               hi: float = 2.0, cols: int = 10) -> tuple[dict[str, Tensor], int]:
    """InfoGAN's Figure 2 layout: one row per value of the (first) categorical code, columns sweep
    the continuous code ``sweep`` (default: the first) from ``lo`` to ``hi`` with the other
    continuous codes at 0, and one noise vector for the whole grid. Returns (latents, row length)."""
    cat = latent.categorical[0] if latent.categorical else None
    cont = latent.continuous
    names = [c.name for c in cont]
    sweep = sweep or (names[0] if names else None)
    if sweep is not None and sweep not in names:
        raise GanforgeError(f"--sweep {sweep!r}: not a continuous code of this run; continuous codes: "
                            f"{', '.join(names) or '(none)'}")
    rows = cat.dim if cat else 1
    n = rows * cols
    lat = {"z": latent.sample(1, generator=gen)["z"].expand(n, latent.z_dim).clone()}
    if latent.n_classes:
        lat["y"] = torch.zeros(n, dtype=torch.long)
    for c in latent.categorical:
        lat[c.name] = torch.arange(rows).repeat_interleave(cols) if c is cat else torch.zeros(n, dtype=torch.long)
    for c in cont:
        lat[c.name] = torch.zeros(n, c.dim)
        if c.name == sweep:
            lat[c.name][:] = torch.linspace(lo, hi, cols).repeat(rows)[:, None]
    return lat, cols
