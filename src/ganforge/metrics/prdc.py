"""k-NN manifold metrics on features.

- Improved precision and recall (Kynkäänniemi et al., 2019), k = 3: a sample lies on a set's
  manifold when it falls within the k-NN radius (distance to the k-th nearest neighbour, self
  excluded) of at least one member. Precision: share of generated samples on the real
  manifold; recall: share of real samples on the generated manifold.
- Density and coverage (Naeem et al., 2020), k = 5: density counts, per generated sample, the
  real k-NN balls containing it (divided by k, averaged); coverage is the share of real
  samples whose k-NN ball contains at least one generated sample.

Balls are closed (distance ≤ radius) as in the papers' definitions; the ``prdc`` package uses
strict inequalities, which differs only on exact ties. Distances are computed in blocks, so
10k × 10k never holds more than ``block`` × N distances.
"""

from __future__ import annotations

import numpy as np
import torch

from .result import MetricResult


def pairwise_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Euclidean distances [len(a), len(b)] in a's dtype (via the Gram matrix)."""
    sq = (a * a).sum(1, keepdim=True) + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return sq.clamp_(min=0).sqrt_()


def knn_radii(x: torch.Tensor, ks: list[int], *, block: int = 1000) -> dict[int, torch.Tensor]:
    """For each k in ``ks``: the distance of every row of x to its k-th nearest other row."""
    kmax = max(ks)
    if kmax >= len(x):
        raise ValueError(f"k = {kmax} needs more than {kmax} samples, got {len(x)}")
    parts = []
    for start in range(0, len(x), block):
        d = pairwise_distances(x[start : start + block], x)
        parts.append(d.topk(kmax + 1, dim=1, largest=False).values)  # column 0 is the point itself
    smallest = torch.cat(parts)
    return {k: smallest[:, k] for k in ks}


def _as(x, dtype) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x)).to(dtype)


def prdc_from_features(gen, ref, *, k_pr: int = 3, k_dc: int = 5, block: int = 1000,
                       dtype: torch.dtype = torch.float32) -> dict[str, MetricResult]:
    """Precision, recall (k_pr) and density, coverage (k_dc) of generated features [N, D]
    against real features [M, D], in one pass over the M × N distances."""
    fake, real = _as(gen, dtype), _as(ref, dtype)
    r_real = knn_radii(real, sorted({k_pr, k_dc}), block=block)
    r_fake = knn_radii(fake, [k_pr], block=block)[k_pr]
    on_real = torch.zeros(len(fake), dtype=torch.bool)
    density_hits = torch.zeros(len(fake), dtype=torch.float64)
    on_fake = torch.zeros(len(real), dtype=torch.bool)
    nearest_fake = torch.full((len(real),), float("inf"), dtype=dtype)
    for start in range(0, len(fake), block):
        d = pairwise_distances(real, fake[start : start + block])  # [M, b]
        sl = slice(start, start + d.shape[1])
        on_real[sl] = (d <= r_real[k_pr][:, None]).any(0)
        density_hits[sl] = (d <= r_real[k_dc][:, None]).sum(0).double()
        on_fake |= (d <= r_fake[sl][None, :]).any(1)
        nearest_fake = torch.minimum(nearest_fake, d.min(1).values)
    pr = {"k": k_pr, "distance": "euclidean", "balls": "closed"}
    dc = {"k": k_dc, "distance": "euclidean", "balls": "closed"}
    return {
        "precision": MetricResult("precision", on_real.double().mean().item(), None, None, dict(pr)),
        "recall": MetricResult("recall", on_fake.double().mean().item(), None, None, dict(pr)),
        "density": MetricResult("density", (density_hits.mean() / k_dc).item(), None, None, dict(dc)),
        "coverage": MetricResult("coverage", (nearest_fake <= r_real[k_dc]).double().mean().item(), None, None,
                                 dict(dc)),
    }


def precision_recall_from_features(gen, ref, *, k: int = 3, **kw) -> tuple[MetricResult, MetricResult]:
    out = prdc_from_features(gen, ref, k_pr=k, k_dc=k, **kw)
    return out["precision"], out["recall"]


def density_coverage_from_features(gen, ref, *, k: int = 5, **kw) -> tuple[MetricResult, MetricResult]:
    out = prdc_from_features(gen, ref, k_pr=k, k_dc=k, **kw)
    return out["density"], out["coverage"]
