"""The drift penalty of Progressive GAN (Karras et al. 2018, App. A.1): ε_drift · E_x~data[D(x)²]
with ε_drift = 0.001, added to the WGAN-GP critic's loss so that its scores on real images do not
drift far from zero (the authors' loss.py: epsilon_penalty = square(real_scores))."""

from __future__ import annotations

from torch import Tensor

from . import PENALTIES


def drift_penalty(*, real_logits: Tensor, **_) -> Tensor:
    """real_logits: [N] critic scores of the real batch → scalar mean of their squares."""
    return real_logits.float().pow(2).mean()


drift_penalty.player = "D"
drift_penalty.per_example = False
PENALTIES.register("drift", drift_penalty)
