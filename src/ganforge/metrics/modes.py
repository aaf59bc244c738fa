"""Mode metrics for toy mixtures of Gaussians (the measure of Metz et al., 2017 and
Srivastava et al., 2017 on the 2-D ring and grid): a sample is *high quality* when it lies
within ``n_std`` standard deviations of some mode's centre; a mode is *covered* when it holds
at least ``min_share`` of the high-quality samples a uniform spread would give it; the KL
divergence of the histogram of high-quality samples over modes from uniform measures balance.
"""

from __future__ import annotations

import numpy as np

from .result import MetricResult


def mode_metrics(points, centers, std: float, *, n_std: float = 3.0, min_share: float = 0.1) -> dict[str, MetricResult]:
    """points [N, D] generated; centers [K, D] the mixture's means; std its per-axis σ."""
    x, c = np.asarray(points, np.float64), np.asarray(centers, np.float64)
    d = np.sqrt(((x[:, None, :] - c[None, :, :]) ** 2).sum(-1))  # [N, K]
    nearest = d.argmin(1)
    hq = d[np.arange(len(x)), nearest] <= n_std * std
    counts = np.bincount(nearest[hq], minlength=len(c)).astype(np.float64)
    k = len(c)
    covered = int((counts >= min_share * len(x) / k).sum())
    hist = counts / counts.sum() if counts.sum() else np.full(k, 1.0 / k)
    kl = float(np.sum(np.where(hist > 0, hist * np.log(np.where(hist > 0, hist, 1) * k), 0)))
    params = {"n_modes": k, "n_std": n_std, "std": float(std), "min_share": min_share}
    return {
        "modes_covered": MetricResult("modes_covered", float(covered), None, None, dict(params)),
        "hq_share": MetricResult("hq_share", float(hq.mean()), None, None, dict(params)),
        "mode_kl": MetricResult("mode_kl", kl, None, None, dict(params)),
    }
