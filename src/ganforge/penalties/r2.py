"""The R2 penalty (Mescheder, Geiger & Nowozin, 2018, Eq. 10): E_z[‖∇_x D(x)‖²] at x = G(z), on
generated samples only — R1's twin. R3GAN (Huang et al., 2024, Eq. 4 and Sec. 2.3) regularises D
with both, (γ/2)·(R1 + R2), which its analysis needs for local convergence of the relativistic
pairing loss. As for ``r1``, the config's weight is γ/2 (``d_penalties: {r1: 0.025, r2: 0.025}``
is γ = 0.05)."""

from __future__ import annotations

from torch import Tensor

from . import PENALTIES
from .r1 import squared_slope


def r2_penalty(*, D, fake: Tensor, D_fake=None, **_) -> Tensor:
    """fake: [N, ...] G's samples (taken as data: no gradient reaches G) → scalar E[‖∇_x D(x)‖²].
    ``D_fake``: D as it scores the fakes (a conditional D with the classes they were drawn for)."""
    return squared_slope(D_fake or D, fake)


r2_penalty.player = "D"
r2_penalty.per_example = True
r2_penalty.double_backward = True
PENALTIES.register("r2", r2_penalty)
