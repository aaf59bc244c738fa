"""The 2014 paper's theory as numbers (Goodfellow et al., Sec. 4), and mode coverage.

Pure functions: points and probability masses in, numbers out. Laws are compared on a
fixed grid of cells (a histogram; no KDE), plus one "outside the box" cell, so that
G's mass outside the evaluation box is counted, not lost:

* p_data per cell: exact (the target's closed-form cell masses) where the density is known,
  else the histogram of the data sample; p_g per cell: the histogram of G's samples.
* D*(x) = p_data(x) / (p_data(x) + p_g(x))                         (Proposition 1)
* JSD(p_data ‖ p_g) in nats, between the binned laws. Binning can only merge differences,
  so this is a lower bound on the JSD of the continuous laws (data-processing inequality);
  with n samples its upward sampling bias is about (cells with mass) / (8 n).
* C(G) = max_D V(G, D) = −log 4 + 2·JSD(p_data ‖ p_g)              (Theorem 1)
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

LOG4 = math.log(4.0)


def grid_edges(bounds: list[tuple[float, float]], bins: int | list[int]) -> list[Tensor]:
    """Cell edges per dimension (float64), ``bins`` cells across each (lo, hi) bound."""
    bins = [bins] * len(bounds) if isinstance(bins, int) else list(bins)
    return [torch.linspace(lo, hi, b + 1, dtype=torch.float64) for (lo, hi), b in zip(bounds, bins)]


def cell_centres(edges: list[Tensor]) -> Tensor:
    """Centres of all cells: [B, 1] (1-D) or [B1·B2, 2] (2-D, row-major like ``histogram``)."""
    mids = [(e[1:] + e[:-1]) / 2 for e in edges]
    if len(mids) == 1:
        return mids[0][:, None]
    return torch.cartesian_prod(*mids)


def cell_volume(edges: list[Tensor]) -> float:
    return math.prod(float(e[1] - e[0]) for e in edges)


def histogram(points: Tensor, edges: list[Tensor]) -> tuple[Tensor, float]:
    """points: [N, D] → (share of points in each cell [B] or [B1, B2], share outside the box)."""
    p = points.detach().double().cpu().reshape(points.shape[0], -1)
    n = p.shape[0]
    shape = [e.numel() - 1 for e in edges]
    flat = torch.zeros(math.prod(shape), dtype=torch.float64)
    inside = torch.ones(n, dtype=torch.bool)
    index = torch.zeros(n, dtype=torch.long)
    for d, e in enumerate(edges):
        lo, hi, b = float(e[0]), float(e[-1]), e.numel() - 1
        x = p[:, d]
        inside &= (x >= lo) & (x < hi)
        i = ((x - lo) / (hi - lo) * b).floor().clamp(0, b - 1).long()
        index = index * b + i
    flat.index_add_(0, index[inside], torch.ones(int(inside.sum()), dtype=torch.float64))
    return (flat / max(n, 1)).reshape(shape), float((~inside).sum()) / max(n, 1)


def with_outside(mass: Tensor, outside: float) -> Tensor:
    """Cell masses plus the outside cell, as one flat vector summing to 1."""
    return torch.cat([mass.reshape(-1).double(), torch.tensor([max(outside, 0.0)], dtype=torch.float64)])


def kl(p: Tensor, q: Tensor) -> float:
    """KL(p ‖ q) in nats for probability vectors (0·log 0 = 0; +inf where q = 0 < p)."""
    p, q = p.double().reshape(-1), q.double().reshape(-1)
    m = p > 0
    if bool((q[m] <= 0).any()):
        return math.inf
    return float((p[m] * (p[m].log() - q[m].log())).sum())


def jsd(p: Tensor, q: Tensor) -> float:
    """Jensen–Shannon divergence in nats between probability vectors; in [0, log 2]."""
    p, q = p.double().reshape(-1), q.double().reshape(-1)
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2
    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


def virtual_criterion(jsd_value: float) -> float:
    """C(G) = −log 4 + 2·JSD(p_data ‖ p_g) (Theorem 1); −log 4 ≈ −1.386 exactly when p_g = p_data."""
    return -LOG4 + 2.0 * jsd_value


def optimal_discriminator(p_data: Tensor, p_g: Tensor) -> Tensor:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) (Proposition 1), elementwise on densities
    (or cell masses of equal cells). NaN where both are 0: D* is undefined there."""
    p, q = p_data.double(), p_g.double()
    total = p + q
    return torch.where(total > 0, p / total.clamp_min(1e-300), torch.full_like(total, math.nan))


def d_star_gap(d: Tensor, d_star: Tensor, p_data: Tensor, p_g: Tensor) -> float:
    """Mean |D(x) − D*(x)| over the grid, weighted by the mixture (p_data + p_g)/2: the
    distance where it matters (D* is undefined where both laws vanish)."""
    w = (p_data.double() + p_g.double()).reshape(-1)
    diff = (d.double().reshape(-1) - d_star.reshape(-1)).abs()
    ok = torch.isfinite(diff) & (w > 0)
    if not bool(ok.any()):
        return math.nan
    return float((w[ok] * diff[ok]).sum() / w[ok].sum())


def mode_stats(points: Tensor, centres: Tensor, std: float, *, min_frac: float = 0.1) -> dict:
    """Mode coverage of samples from a Gaussian mixture with isotropic ``std``.

    points: [N, D]; centres: [K, D]. A sample is *high quality* when it lies within 3·std
    (Euclidean) of its nearest centre. A mode is *covered* when it receives at least
    ``min_frac`` of its fair share (N / K) of high-quality samples. ``mode_kl`` is
    KL(mode histogram of the high-quality samples ‖ uniform), 0 when all modes are equally
    used, log K when one mode takes everything; None when no sample is high quality.
    """
    p = points.detach().double().cpu().reshape(points.shape[0], -1)
    c = torch.as_tensor(centres, dtype=torch.float64).reshape(-1, p.shape[1])
    n, k = p.shape[0], c.shape[0]
    dist, nearest = torch.cdist(p, c).min(dim=1)
    hq = dist <= 3.0 * std
    counts = torch.bincount(nearest[hq], minlength=k).double()
    covered = counts >= min_frac * n / k
    n_hq = float(counts.sum())
    mode_kl = kl(counts / n_hq, torch.full((k,), 1.0 / k, dtype=torch.float64)) if n_hq > 0 else None
    return {
        "modes_covered": int(covered.sum()),
        "modes_total": k,
        "hq_share": n_hq / max(n, 1),
        "mode_kl": mode_kl,
        "missing_modes": [i for i in range(k) if not bool(covered[i])],
    }
