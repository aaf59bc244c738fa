"""Inception Score (Salimans et al., 2016): IS = exp(E_x KL(p(y|x) ‖ p(y))), computed on
``splits`` disjoint parts of the samples (10 in the paper), reported as mean ± std.

With InceptionV3's softmax it is the paper's score; with a domain classifier (the shipped
MNIST-family CNN) it is the classifier-based analogue used for digits, bounded by the number
of classes (10).
"""

from __future__ import annotations

import numpy as np

from .result import MetricResult


def inception_score_from_probs(probs, *, splits: int = 10, name: str = "is") -> MetricResult:
    """probs [N, K]: class probabilities p(y|x) of each sample (rows sum to 1)."""
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or len(p) < splits:
        raise ValueError(f"need probabilities [N ≥ splits, K], got shape {p.shape}")
    scores = []
    for part in np.array_split(p, splits):
        py = part.mean(0, keepdims=True)
        # 0·log 0 = 0: entries with p = 0 contribute nothing
        kl = np.where(part > 0, part * (np.log(np.where(part > 0, part, 1)) - np.log(np.where(py > 0, py, 1))), 0)
        scores.append(np.exp(kl.sum(1).mean()))
    scores = np.asarray(scores)
    return MetricResult(name, float(scores.mean()), float(scores.std()), f"std over {splits} splits",
                        {"splits": splits, "n_classes": int(p.shape[1])})
