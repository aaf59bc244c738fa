"""Toy targets: 1-D and 2-D laws whose density is known (or at least whose samples are).

Each loader returns a ``TensorData`` of kind "points": ``x`` is a large fixed sample
(float32 [N, D], drawn with ``data.args.seed``, independent of the training seed), and
``info["target"]`` is the exact law (a ``Target``), which the theory code in ``ganforge.theory``
uses for D*, JSD and mode coverage; the recipe attaches the ``TheoryProbe`` that logs those
numbers at every log interval (``ganforge.theory.probe.default_probes``).

Options go in ``data.args`` (``--set data.args.mean=4``). Every loader accepts ``n`` (size of
the fixed sample) and ``seed``; the others are listed in each loader's docstring.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from ..config import DataConfig
from ..errors import GanforgeError
from ..registry import DATASETS
from .tensor_data import TensorData

_SQRT2 = math.sqrt(2.0)


def _normal_cdf(x: Tensor) -> Tensor:
    return 0.5 * (1.0 + torch.erf(x / _SQRT2))


@dataclass
class Target:
    """A toy law on R^dim. ``bounds``: the evaluation box [(lo, hi)] per dimension, used for
    grids and plots. ``centres`` [K, dim] and ``std`` are set for Gaussian mixtures (modes)."""

    name: str
    dim: int
    bounds: list[tuple[float, float]]
    centres: Tensor | None = None
    std: float | None = None

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:  # [n, dim]
        raise NotImplementedError

    def log_prob(self, x: Tensor) -> Tensor | None:  # x: [n, dim] → [n], or None if unknown
        return None

    def bin_mass(self, edges: list[Tensor]) -> Tensor | None:
        """Exact probability of each cell of the grid with these per-dimension edges
        ([B] or [B1, B2]), or None when the law has no closed form."""
        return None

    @property
    def exact(self) -> bool:
        return type(self).log_prob is not Target.log_prob


@dataclass
class GaussianMixture(Target):
    """Σ_k w_k N(centres[k], std² I). Bin masses are exact (products of normal CDFs)."""

    weights: Tensor | None = None

    def __post_init__(self) -> None:
        self.centres = torch.as_tensor(self.centres, dtype=torch.float64).reshape(-1, self.dim)
        k = self.centres.shape[0]
        w = torch.ones(k, dtype=torch.float64) if self.weights is None else torch.as_tensor(self.weights, dtype=torch.float64)
        self.weights = w / w.sum()

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        idx = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        eps = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        return (self.centres[idx] + self.std * eps).float()

    def log_prob(self, x: Tensor) -> Tensor:
        x = x.double().reshape(-1, self.dim)
        d2 = torch.cdist(x, self.centres).pow(2)  # [n, K]
        log_n = -0.5 * d2 / self.std**2 - self.dim * math.log(self.std * math.sqrt(2 * math.pi))
        return torch.logsumexp(log_n + self.weights.log(), dim=1)

    def bin_mass(self, edges: list[Tensor]) -> Tensor:
        per_dim = []  # [K, B_d]: mass of component k in bin b along dimension d
        for d, e in enumerate(edges):
            cdf = _normal_cdf((e.double()[None, :] - self.centres[:, d : d + 1]) / self.std)
            per_dim.append(cdf[:, 1:] - cdf[:, :-1])
        if self.dim == 1:
            return (self.weights[:, None] * per_dim[0]).sum(0)
        if self.dim == 2:
            return torch.einsum("k,ki,kj->ij", self.weights, per_dim[0], per_dim[1])
        raise GanforgeError("bin masses are implemented for 1-D and 2-D targets")


@dataclass
class SineTarget(Target):
    """p(x) = sin(x) / 2 on [0, π]: CDF (1 − cos x) / 2, sampled by inverting it."""

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        u = torch.rand(n, 1, generator=generator, dtype=torch.float64)
        return torch.arccos(1.0 - 2.0 * u).float()

    def log_prob(self, x: Tensor) -> Tensor:
        x = x.double().reshape(-1)
        inside = (x > 0) & (x < math.pi)
        return torch.where(inside, torch.log(torch.sin(x.clamp(1e-12, math.pi - 1e-12)) / 2), torch.tensor(-math.inf, dtype=torch.float64))

    def bin_mass(self, edges: list[Tensor]) -> Tensor:
        e = edges[0].double().clamp(0.0, math.pi)
        cdf = (1.0 - torch.cos(e)) / 2
        return cdf[1:] - cdf[:-1]


@dataclass
class SampleTarget(Target):
    """A law known only through samples (swiss roll, CSV files): a fixed pool to draw from."""

    pool: Tensor | None = None

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        idx = torch.randint(0, self.pool.shape[0], (n,), generator=generator)
        return self.pool[idx]


def _box(lo: list[float], hi: list[float], pad: float = 0.5) -> list[tuple[float, float]]:
    """[lo, hi] per dimension, widened by ``pad`` × its width on each side (room for G)."""
    return [(a - pad * (b - a), b + pad * (b - a)) for a, b in zip(lo, hi)]


def _args(cfg: DataConfig, defaults: dict, dataset: str) -> dict:
    unknown = sorted(set(cfg.args) - set(defaults))
    if unknown:
        raise GanforgeError(
            f"unknown data.args key {unknown[0]!r} for dataset {dataset!r}; valid: {', '.join(sorted(defaults))}"
        )
    return {**defaults, **cfg.args}


def make_toy_data(target: Target, *, n: int, seed: int, **info) -> TensorData:
    """The fixed sample of ``target`` as a points dataset; ``info["target"]`` keeps the exact law."""
    gen = torch.Generator().manual_seed(int(seed))
    x = target.sample(int(n), generator=gen).float().contiguous()
    return TensorData(x=x, kind="points", name=target.name, info={"target": target, **info})


_COMMON = {"n": 100_000, "seed": 0}


@DATASETS.register("gaussian-1d")
def gaussian_1d(cfg: DataConfig) -> TensorData:
    """1-D N(mean, std²), the paper's Figure 1 setting (args: mean=4, std=0.5)."""
    a = _args(cfg, {**_COMMON, "mean": 4.0, "std": 0.5}, "gaussian-1d")
    m, s = float(a["mean"]), float(a["std"])
    if s <= 0:
        raise GanforgeError("data.args.std must be > 0")
    t = GaussianMixture(name="gaussian-1d", dim=1, bounds=[(min(m - 10 * s, -1.0), max(m + 10 * s, 1.0))],
                        centres=[[m]], std=s)
    return make_toy_data(t, n=a["n"], seed=a["seed"])


@DATASETS.register("bimodal-1d")
def bimodal_1d(cfg: DataConfig) -> TensorData:
    """1-D mixture ½N(−gap/2, std²) + ½N(gap/2, std²) (args: gap=4, std=0.5)."""
    a = _args(cfg, {**_COMMON, "gap": 4.0, "std": 0.5}, "bimodal-1d")
    g, s = float(a["gap"]), float(a["std"])
    t = GaussianMixture(name="bimodal-1d", dim=1, bounds=_box([-g / 2 - 5 * s], [g / 2 + 5 * s], 0.25),
                        centres=[[-g / 2], [g / 2]], std=s)
    return make_toy_data(t, n=a["n"], seed=a["seed"])


@DATASETS.register("sine-1d")
def sine_1d(cfg: DataConfig) -> TensorData:
    """1-D density sin(x)/2 on [0, π] (known exactly, with a hard support)."""
    a = _args(cfg, dict(_COMMON), "sine-1d")
    t = SineTarget(name="sine-1d", dim=1, bounds=_box([0.0], [math.pi], 0.25))
    return make_toy_data(t, n=a["n"], seed=a["seed"])


@DATASETS.register("ring-2d")
def ring_2d(cfg: DataConfig) -> TensorData:
    """2-D: `modes` Gaussians evenly spaced on a circle (args: modes=8, radius=2, std=0.05)."""
    a = _args(cfg, {**_COMMON, "modes": 8, "radius": 2.0, "std": 0.05}, "ring-2d")
    k, r = int(a["modes"]), float(a["radius"])
    angles = torch.arange(k, dtype=torch.float64) * (2 * math.pi / k)
    centres = torch.stack([r * torch.cos(angles), r * torch.sin(angles)], 1)
    t = GaussianMixture(name="ring-2d", dim=2, bounds=[(-1.5 * r, 1.5 * r)] * 2, centres=centres, std=float(a["std"]))
    return make_toy_data(t, n=a["n"], seed=a["seed"])


@DATASETS.register("grid-2d")
def grid_2d(cfg: DataConfig) -> TensorData:
    """2-D: side × side Gaussians on a square grid (args: side=5, spacing=2, std=0.05)."""
    a = _args(cfg, {**_COMMON, "side": 5, "spacing": 2.0, "std": 0.05}, "grid-2d")
    side, sp = int(a["side"]), float(a["spacing"])
    ticks = (torch.arange(side, dtype=torch.float64) - (side - 1) / 2) * sp
    centres = torch.cartesian_prod(ticks, ticks)
    half = (side - 1) / 2 * sp + sp
    t = GaussianMixture(name="grid-2d", dim=2, bounds=[(-half, half)] * 2, centres=centres, std=float(a["std"]))
    return make_toy_data(t, n=a["n"], seed=a["seed"])


@DATASETS.register("spiral-2d")
def spiral_2d(cfg: DataConfig) -> TensorData:
    """2-D swiss roll: t ~ U[1.5π, 4.5π], x = (t cos t, t sin t)/5 + noise (args: noise=0.05)."""
    a = _args(cfg, {**_COMMON, "noise": 0.05}, "spiral-2d")
    gen = torch.Generator().manual_seed(int(a["seed"]) + 1)
    m = max(int(a["n"]), 200_000)
    t = 1.5 * math.pi * (1 + 2 * torch.rand(m, generator=gen, dtype=torch.float64))
    pool = torch.stack([t * torch.cos(t), t * torch.sin(t)], 1) / 5
    pool = (pool + float(a["noise"]) * torch.randn(m, 2, generator=gen, dtype=torch.float64)).float()
    target = SampleTarget(name="spiral-2d", dim=2, bounds=[(-4.0, 4.0)] * 2, pool=pool)
    return make_toy_data(target, n=a["n"], seed=a["seed"])


def load_csv_points(path: Path, cfg: DataConfig) -> TensorData:
    """A CSV of points (header row). Uses the numeric columns (or ``data.args.columns``),
    skipping an R-style ``rownames`` index column and rows with missing values; by default
    each column is standardised (``data.args.standardize=false`` keeps data units; the
    means and stds are in ``info``)."""
    a = _args(cfg, {"columns": None, "standardize": True}, path.name)
    if not path.is_file():
        raise GanforgeError(f"CSV file {path} does not exist")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if len(rows) < 2:
        raise GanforgeError(f"{path}: a header row and at least one data row are needed")
    header, body = [h.strip() for h in rows[0]], rows[1:]

    def number(s: str) -> float | None:
        try:
            v = float(s)
        except ValueError:
            return None
        return None if math.isnan(v) else v

    if a["columns"] is not None:
        cols = [a["columns"]] if isinstance(a["columns"], str) else list(a["columns"])
        missing = [c for c in cols if c not in header]
        if missing:
            raise GanforgeError(f"{path}: no column {missing[0]!r}; columns: {', '.join(header)}")
    else:
        cols = [h for i, h in enumerate(header) if h.lower() not in ("", "rownames")
                and any(number(r[i]) is not None for r in body if i < len(r))
                and all(number(r[i]) is not None or r[i].strip() in ("", "NA", "NaN", "nan") for r in body if i < len(r))]
        if not cols:
            raise GanforgeError(f"{path}: no numeric column found; name them with --set data.args.columns=[a,b]")
    idx = [header.index(c) for c in cols]
    values = []
    for r in body:
        vals = [number(r[i]) if i < len(r) else None for i in idx]
        if all(v is not None for v in vals):
            values.append(vals)
    if len(values) < 2:
        raise GanforgeError(f"{path}: fewer than 2 complete rows in columns {', '.join(cols)}")
    x = torch.tensor(values, dtype=torch.float64)
    mean, std = x.mean(0), x.std(0).clamp_min(1e-12)
    if a["standardize"]:
        x = (x - mean) / std
    lo, hi = x.min(0).values.tolist(), x.max(0).values.tolist()
    target = SampleTarget(name=path.stem, dim=x.shape[1], bounds=_box(lo, hi, 0.25), pool=x.float())
    data = make_toy_data(target, n=0, seed=0, columns=cols, mean=mean.tolist(), std=std.tolist(),
                         standardized=bool(a["standardize"]))
    data.x = x.float().contiguous()  # the file itself is the sample
    return data
