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


def stacked_mode_metrics(images, classifier, *, reference=None, batch_size: int = 500) -> dict[str, MetricResult]:
    """Mode count on Stacked MNIST (VEEGAN, Srivastava et al., 2017, Sec. 5.2; PacGAN, Lin et al.,
    2018; R3GAN, Huang et al., 2024, Table 3): each of the C channels of every sample is read by the
    digit classifier, the C digits name one of 10^C modes; a mode is covered by one sample or more,
    and the KL divergence of the samples' mode histogram from the uniform law over the 10^C modes
    is reported (0: every mode equally often). ``images`` [N, C, H, W] in [0, 1] or uint8;
    ``reference``: real stacked images, measured the same way for the card."""
    from ..errors import GanforgeError

    def histogram(x) -> tuple[np.ndarray, int]:
        x = torch.as_tensor(x)
        if x.dim() != 4 or x.shape[1] < 2:
            raise GanforgeError(f"the stacked mode count reads one digit per channel: expected images [N, C, H, W] "
                                f"with C ≥ 2 (3 for stacked-mnist), got {list(x.shape)}")
        code = torch.zeros(len(x), dtype=torch.int64)
        for c in range(x.shape[1]):
            probs = classifier.extract(x[:, c : c + 1], batch_size=batch_size)["probs"]
            code = code * probs.shape[1] + probs.argmax(1)
        k = probs.shape[1] ** x.shape[1]
        return np.bincount(code.numpy(), minlength=k), k

    def measures(hist: np.ndarray, k: int) -> tuple[int, float]:
        p = hist / hist.sum()
        kl = float(np.sum(p[p > 0] * np.log(p[p > 0] * k)))
        return int((hist > 0).sum()), kl

    hist, k = histogram(images)
    covered, kl = measures(hist, k)
    params = {"n_samples": int(hist.sum()), "n_modes": k, "classifier": classifier.name,
              "covered": "a mode with ≥ 1 sample", "kl": "KL(sample modes ‖ uniform over all modes), natural log",
              "protocol": "VEEGAN / PacGAN / R3GAN use 26,000 samples (ganforge eval --n 26000)"}
    cov_params, kl_params = dict(params), dict(params)
    if reference is not None:
        ref_covered, ref_kl = measures(*histogram(reference))
        cov_params["reference_value"], kl_params["reference_value"] = ref_covered, ref_kl
    return {"modes_covered": MetricResult("modes_covered", float(covered), None, None, cov_params),
            "mode_kl": MetricResult("mode_kl", kl, None, None, kl_params)}
