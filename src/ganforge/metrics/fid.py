"""Fréchet Inception Distance (Heusel et al., 2017, eq. 6):

    FID = ‖μ_r − μ_g‖² + tr(Σ_r + Σ_g − 2 (Σ_r Σ_g)^{1/2})

on features of a feature network (InceptionV3 pool3 in the paper; the shipped classifier for
the MNIST family here). All linear algebra is float64.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from .result import MetricResult


def feature_stats(features) -> tuple[np.ndarray, np.ndarray]:
    """features [N, D] → (mean [D], covariance [D, D], unbiased), float64."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < 2:
        raise ValueError(f"need features [N ≥ 2, D], got shape {f.shape}")
    return f.mean(0), np.cov(f, rowvar=False).reshape(f.shape[1], f.shape[1])


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """The Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2).

    tr((Σ1 Σ2)^{1/2}) is computed as Σ √λ of the symmetric PSD matrix Σ1^{1/2} Σ2 Σ1^{1/2}
    (same eigenvalues as Σ1 Σ2), by two symmetric eigendecompositions: real by construction,
    no imaginary residue to discard as with a general sqrtm of the non-symmetric product.
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    w, v = linalg.eigh((s1 + s1.T) / 2)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    inner = root1 @ s2 @ root1
    lam = linalg.eigvalsh((inner + inner.T) / 2)
    tr_sqrt = np.sqrt(np.clip(lam, 0, None)).sum()
    diff = mu1 - mu2
    return float(max(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * tr_sqrt, 0.0))


def fid_from_features(gen, ref, *, splits: int = 10, ref_stats=None) -> MetricResult:
    """FID of generated features [N, D] against reference features [M, D].

    value: on all N and M. std: over ``splits`` disjoint parts of the generated set, each
    against the whole reference (FID is biased upward at small N, so the split values run
    higher than ``value``; their mean is recorded as ``split_mean``).
    """
    mu_r, s_r = ref_stats if ref_stats is not None else feature_stats(ref)
    gen = np.asarray(gen, np.float64)
    value = frechet_distance(*feature_stats(gen), mu_r, s_r)
    std, split_mean, per = None, None, []
    if splits and splits > 1 and len(gen) // splits >= 2:
        per = [frechet_distance(*feature_stats(part), mu_r, s_r) for part in np.array_split(gen, splits)]
        std, split_mean = float(np.std(per)), float(np.mean(per))
    return MetricResult("fid", value, std, f"std over {splits} disjoint splits of the generated set" if per else None,
                        {"splits": splits, "split_mean": split_mean, "n_per_split": len(gen) // max(splits, 1),
                         "feature_dim": int(gen.shape[1])})
