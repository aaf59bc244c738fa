"""Mode metrics for toy mixtures of Gaussians, through the metrics interface. The definitions
live with the theory code (``ganforge.theory.measures.mode_stats``: high quality = within 3σ
of the nearest centre; a mode is covered with ≥ 10% of its fair share of high-quality samples;
KL of the mode histogram from uniform); this adapter only turns them into ``MetricResult``s."""

from __future__ import annotations

import math

import numpy as np
import torch

from .result import MetricResult


def mode_metrics(points, centers, std: float, *, min_frac: float = 0.1) -> dict[str, MetricResult]:
    """points [N, D] generated; centers [K, D] the mixture's means; std its isotropic σ."""
    from ..theory.measures import mode_stats

    stats = mode_stats(torch.as_tensor(np.asarray(points, dtype=np.float64)),
                       torch.as_tensor(np.asarray(centers, dtype=np.float64)), float(std), min_frac=min_frac)
    params = {"n_modes": stats["modes_total"], "n_std": 3.0, "std": float(std), "min_frac": min_frac,
              "missing_modes": stats["missing_modes"], "definition": "ganforge.theory.measures.mode_stats"}
    kl = stats["mode_kl"]
    return {
        "modes_covered": MetricResult("modes_covered", float(stats["modes_covered"]), None, None, dict(params)),
        "hq_share": MetricResult("hq_share", float(stats["hq_share"]), None, None, dict(params)),
        "mode_kl": MetricResult("mode_kl", math.nan if kl is None else float(kl), None, None, dict(params)),
    }
