"""Memorisation: the share of generated samples that sit closer to one training image than
training images sit to each other.

For every training image t, d_train(t) is the distance to its nearest *other* training image; its
median over the training set is the typical spacing of the data. A sample g is counted as a copy
when its distance to the nearest training image is below ``factor`` × that median (factor ½ by
default): nearer to one training image than half the usual gap between two of them. New images from
the data's own law land there rarely, which the card measures on the held-out reference set (its
``reference_value``): a generated share far above it means G reproduces training images.

Measured in two spaces: pixels (images in [0, 1], flattened, at the training images' size) and the
evaluation's feature network. The closest pairs (sample index, training index, distance) go into the
card so they can be looked at.
"""

from __future__ import annotations

import numpy as np
import torch

from .result import MetricResult

FACTOR = 0.5  # a copy: nearer to a training image than half the median gap between training images
SPACING_SUBSET = 2000  # training images whose nearest-other distance sets the typical spacing
CLOSEST_PAIRS = 8


class NearestIndex:
    """Nearest-neighbour search over the rows of ``base`` [B, D] (Euclidean). The float32 copy and
    the float64 squared norms are made once, however many query sets follow; the products run in
    float32 (a training set of CIFAR-10's size stays at 600 MB)."""

    def __init__(self, base: torch.Tensor) -> None:
        self.base = base.float()
        self.sq = self.base.double().pow(2).sum(1)

    def query(self, queries: torch.Tensor, *, skip: torch.Tensor | None = None,
              chunk: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
        """For each row of ``queries`` [Q, D], the distance to and the index of its nearest row of
        base; ``skip`` [Q]: a row of base each query must not match (itself, for base's own rows)."""
        q = queries.float()
        dists, index = [], []
        for start in range(0, len(q), chunk):
            part = q[start:start + chunk]
            d2 = part.double().pow(2).sum(1, keepdim=True) - 2 * (part @ self.base.T).double() + self.sq[None]
            if skip is not None:
                d2[torch.arange(len(part)), skip[start:start + chunk]] = float("inf")
            best, at = d2.min(1)
            dists.append(best.clamp_min(0).sqrt())
            index.append(at)
        return torch.cat(dists), torch.cat(index)


def nearest(queries: torch.Tensor, base: torch.Tensor, *, skip: torch.Tensor | None = None):
    """``NearestIndex(base).query(queries, skip=skip)``: one search."""
    return NearestIndex(base).query(queries, skip=skip)


def memorisation(gen: torch.Tensor, train: torch.Tensor, *, held_out: torch.Tensor | None = None,
                 factor: float = FACTOR, space: str = "pixels", seed: int = 0) -> MetricResult:
    """``gen`` [N, D], ``train`` [M, D], ``held_out`` [K, D] real images the model never saw (the
    baseline), all in one space. Returns the share of ``gen`` counted as copies."""
    if len(train) < 2:
        raise ValueError("memorisation needs at least 2 training images")
    g = torch.Generator().manual_seed(seed)
    subset = torch.randperm(len(train), generator=g)[: min(SPACING_SUBSET, len(train))]
    # the subset's nearest other training image, searched over the whole training set
    index = NearestIndex(train)
    spacing_d, _ = index.query(train[subset], skip=subset)
    median = float(spacing_d.median())
    threshold = factor * median
    d, idx = index.query(gen)
    copies = d < threshold
    order = torch.argsort(d)[:CLOSEST_PAIRS]
    params = {"space": space, "factor": factor, "threshold": threshold, "median_training_spacing": median,
              "n_training": int(len(train)), "spacing_subset": int(len(subset)),
              "closest_pairs": [{"sample": int(i), "training": int(idx[i]), "distance": float(d[i])} for i in order],
              "definition": "share of samples nearer to a training image than factor × the median distance from a "
                            "training image to its nearest other training image"}
    if held_out is not None:
        d_ref, _ = index.query(held_out)
        params["reference_value"] = float((d_ref < threshold).double().mean())
    share = copies.double()
    se = float(share.std() / np.sqrt(len(share))) if len(share) > 1 else None
    return MetricResult(f"memorised_{space}", float(share.mean()), se, "standard error", params)
