"""Conditional accuracy: the share of generated samples that a classifier assigns to the class
they were conditioned on (the check used by conditional GAN papers, e.g. AC-GAN's Table 1)."""

from __future__ import annotations

import numpy as np

from .result import MetricResult


def conditional_accuracy_from_probs(probs, labels) -> MetricResult:
    """probs [N, K] of the generated samples; labels [N] the classes they were generated for."""
    p, y = np.asarray(probs), np.asarray(labels).astype(np.int64)
    if p.shape[0] != y.shape[0]:
        raise ValueError(f"{p.shape[0]} samples but {y.shape[0]} labels")
    hits = (p.argmax(1) == y).astype(np.float64)
    se = float(hits.std(ddof=1) / np.sqrt(len(hits))) if len(hits) > 1 else None
    return MetricResult("conditional_accuracy", float(hits.mean()), se, "standard error",
                        {"n_classes": int(p.shape[1])})
