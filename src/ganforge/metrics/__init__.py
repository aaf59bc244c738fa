"""Metrics: FID, KID, Inception Score (and its classifier analogue), precision/recall,
density/coverage, the Parzen-window log-likelihood, conditional accuracy, toy mode coverage;
each number recorded with its protocol card (``ganforge eval``; runner.py).

    from ganforge import metrics
    metrics.fid(fake, real, features="mnist-cnn")      # images [N, 1, 28, 28] in [0, 1] or uint8
    metrics.fid(fake_feats, real_feats)                # features [N, D] already computed
    metrics.kid(fake, real, features=my_module)        # any nn.Module: images → [N, D]

``features`` is a name (mnist-cnn, fashion-mnist-cnn, inception-v3, identity), a
``FeatureNet`` or an ``nn.Module``; ``None`` means the inputs are feature vectors already.
"""

from __future__ import annotations

import numpy as np

from .conditional import conditional_accuracy_from_probs
from .features import FEATURE_NETS, FeatureNet, get_feature_net
from .fid import feature_stats, fid_from_features, frechet_distance
from .inception_score import inception_score_from_probs
from .kid import kid_from_features, mmd2_unbiased
from .modes import mode_metrics
from .parzen import DEFAULT_SIGMAS, parzen_from_samples, parzen_log_likelihoods
from .prdc import prdc_from_features
from .result import MetricResult
from .runner import EvalOptions, evaluate

__all__ = [
    "fid", "kid", "inception_score", "precision_recall", "density_coverage", "prdc", "parzen",
    "conditional_accuracy", "mode_metrics", "evaluate", "EvalOptions", "FeatureNet", "get_feature_net",
    "FEATURE_NETS", "MetricResult", "frechet_distance", "feature_stats", "mmd2_unbiased",
    "parzen_log_likelihoods", "DEFAULT_SIGMAS",
]


def _features(x, features, *, batch_size: int = 500) -> np.ndarray:
    if features is None:
        arr = np.asarray(x)
        if arr.ndim != 2:
            raise ValueError(f"without a feature network the inputs must be features [N, D], got {arr.shape}")
        return arr
    return get_feature_net(features).extract(x, batch_size=batch_size)["features"].numpy()


def _probs(x, features, *, batch_size: int = 500) -> np.ndarray:
    if features is None:
        return np.asarray(x)
    out = get_feature_net(features).extract(x, batch_size=batch_size)
    if "probs" not in out:
        raise ValueError("this feature network gives no class probabilities")
    return out["probs"].numpy()


def fid(gen, ref, *, features=None, splits: int = 10) -> MetricResult:
    """Fréchet distance between the feature distributions of gen and ref."""
    return fid_from_features(_features(gen, features), _features(ref, features), splits=splits)


def kid(gen, ref, *, features=None, subsets: int = 100, subset_size: int = 1000, seed: int = 0) -> MetricResult:
    """Kernel Inception Distance: unbiased MMD², cubic kernel, mean ± std over subsets."""
    return kid_from_features(_features(gen, features), _features(ref, features), subsets=subsets,
                             subset_size=subset_size, seed=seed)


def inception_score(gen, *, features=None, splits: int = 10) -> MetricResult:
    """IS from a classifier's softmax (``features=None``: gen already holds probabilities [N, K])."""
    return inception_score_from_probs(_probs(gen, features), splits=splits)


def prdc(gen, ref, *, features=None, k_pr: int = 3, k_dc: int = 5) -> dict[str, MetricResult]:
    """Precision, recall (k_pr) and density, coverage (k_dc) in one pass."""
    return prdc_from_features(_features(gen, features), _features(ref, features), k_pr=k_pr, k_dc=k_dc)


def precision_recall(gen, ref, *, features=None, k: int = 3) -> tuple[MetricResult, MetricResult]:
    out = prdc(gen, ref, features=features, k_pr=k, k_dc=k)
    return out["precision"], out["recall"]


def density_coverage(gen, ref, *, features=None, k: int = 5) -> tuple[MetricResult, MetricResult]:
    out = prdc(gen, ref, features=features, k_pr=k, k_dc=k)
    return out["density"], out["coverage"]


def parzen(gen, test, validation, *, sigmas=DEFAULT_SIGMAS) -> MetricResult:
    """The 2014 paper's Parzen-window log-likelihood of ``test`` under a Gaussian window on
    ``gen`` (σ chosen on ``validation``). Images uint8 or float in [0, 1]."""
    return parzen_from_samples(gen, test, validation, sigmas=sigmas)


def conditional_accuracy(gen, labels, *, features=None) -> MetricResult:
    """Share of generated samples classified as the class they were generated for."""
    return conditional_accuracy_from_probs(_probs(gen, features), labels)
