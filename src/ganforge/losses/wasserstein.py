"""The WGAN critic loss (Arjovsky et al., 2017, Eq. 3 / Algorithm 1).

The critic maximises E[f(x)] − E[f(G(z))], so it minimises E[f(G(z))] − E[f(x)]; G minimises
−E[f(G(z))]. The critic's output is an unbounded score; it only estimates the Wasserstein-1
distance when f is (close to) 1-Lipschitz: weight clipping (WGAN) or a gradient penalty (WGAN-GP).
"""

from __future__ import annotations

from torch import Tensor

from . import LossFamily, register_family
from .least_squares import score_stats


def d_wasserstein(*, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    return fake_logits.mean() - real_logits.mean()


def g_wasserstein(*, fake_logits: Tensor) -> Tensor:
    return -fake_logits.mean()


def wasserstein_stats(*, real_logits: Tensor, fake_logits: Tensor) -> dict[str, Tensor]:
    out = score_stats(real_logits=real_logits, fake_logits=fake_logits)
    out["w_estimate"] = out["d_real_score"] - out["d_fake_score"]  # the critic's W1 estimate
    return out


register_family(LossFamily(
    name="wasserstein", d_loss=d_wasserstein, g_losses={"wasserstein": g_wasserstein}, default_g="wasserstein",
    stats=wasserstein_stats, probabilistic=False, realness_threshold=None, doc="Arjovsky et al. 2017; critic E[f(G(z))] − E[f(x)]",
))
