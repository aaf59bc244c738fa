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


CONFIDENT = 0.9  # a sample the classifier reads with p ≥ this counts as a clean example of its class


def confident_classes(probs, confident: float = CONFIDENT) -> tuple[float, np.ndarray]:
    """The share of samples the classifier reads with p ≥ ``confident``, and the class histogram of
    those samples (shares summing to 1; zeros when none is read confidently)."""
    p = np.asarray(probs, dtype=np.float64)
    sure = p.max(1) >= confident
    counts = np.bincount(p[sure].argmax(1), minlength=p.shape[1]).astype(np.float64)
    return float(sure.mean()) if len(p) else 0.0, counts / max(counts.sum(), 1.0)


def confident_conditional_accuracy(probs, labels, confident: float = CONFIDENT) -> list[MetricResult]:
    """``confident_cacc``: the share of samples the classifier reads as the class they were generated for
    with p ≥ ``confident``; ``worst_class_cacc``: the same share in the worst class (per class in params)."""
    p, y = np.asarray(probs, dtype=np.float64), np.asarray(labels).astype(np.int64)
    if p.shape[0] != y.shape[0]:
        raise ValueError(f"{p.shape[0]} samples but {y.shape[0]} labels")
    hits = (p.argmax(1) == y) & (p.max(1) >= confident)
    per_class = {int(c): float(hits[y == c].mean()) for c in np.unique(y)}
    params = {"confident": confident, "per_class": {k: round(v, 4) for k, v in per_class.items()},
              "n_classes": int(p.shape[1])}
    return [MetricResult("confident_cacc", float(hits.mean()) if len(hits) else 0.0, None, None, params),
            MetricResult("worst_class_cacc", min(per_class.values()) if per_class else 0.0, None, None, params)]


def class_coverage_from_probs(probs, confident: float = CONFIDENT) -> list[MetricResult]:
    """Unconditional samples read by a classifier: ``confident_share`` (read with p ≥ ``confident``)
    and ``smallest_class_share`` (the rarest class's share of those), the class histogram in params."""
    share, hist = confident_classes(probs, confident)
    params = {"confident": confident, "class_hist": [round(float(h), 4) for h in hist], "n_classes": len(hist)}
    return [MetricResult("confident_share", share, None, None, params),
            MetricResult("smallest_class_share", float(hist.min()), None, None, params)]
