"""The hinge loss (Lim & Ye 2017; Miyato et al. 2018, Eq. 16–17, used by SN-GAN, SAGAN, BigGAN).

D minimises E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))]; G minimises −E[D(G(z))].
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from . import LossFamily, register_family
from .least_squares import score_stats


def d_hinge(*, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def g_hinge(*, fake_logits: Tensor) -> Tensor:
    return -fake_logits.mean()


register_family(LossFamily(
    name="hinge", d_loss=d_hinge, g_losses={"hinge": g_hinge}, default_g="hinge", stats=score_stats,
    probabilistic=False, doc="Lim & Ye 2017 / Miyato et al. 2018; D: relu(1−D(x)) + relu(1+D(G(z)))",
))
