"""The R1 penalty (Mescheder, Geiger & Nowozin, 2018, Eq. 9): E_x~data[‖∇_x D(x)‖²] on real
samples only, the regulariser of StyleGAN / StyleGAN2. The paper writes it as (γ/2)·E[…]: the
config's weight is that γ/2 (``d_penalties: {r1: 5}`` is γ = 10). Run lazily with
``{r1: {weight: W, every: 16}}`` as StyleGAN2 does (Karras et al. 2020, Sec. 3.1)."""

from __future__ import annotations

from torch import Tensor

from . import PENALTIES, input_grad


def squared_slope(D, samples: Tensor) -> Tensor:
    """E[‖∇_x D(x)‖²] over ``samples`` taken as data (no gradient reaches what made them): a double
    backward, like the gradient penalty. R1 on reals, R2 on fakes."""
    x = samples.detach().requires_grad_(True)
    grad = input_grad(D(x), x)
    return grad.flatten(1).pow(2).sum(dim=1).mean()


def r1_penalty(*, D, real: Tensor, **_) -> Tensor:
    """real: [N, ...] → scalar E[‖∇_x D(x)‖²]."""
    return squared_slope(D, real)


r1_penalty.player = "D"  # a D regulariser (d_penalties)
r1_penalty.per_example = True  # batch norm in D would couple the examples
r1_penalty.double_backward = True  # a gradient of an input gradient (torch.compile's autograd has none)
PENALTIES.register("r1", r1_penalty)
