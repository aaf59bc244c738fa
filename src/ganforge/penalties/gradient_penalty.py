"""The WGAN-GP gradient penalty (Gulrajani et al., 2017, Eq. 3 / Algorithm 1).

x̂ = ε·x + (1 − ε)·x̃ with ε ~ U[0, 1] drawn per example; penalty E[(‖∇_x̂ D(x̂)‖₂ − 1)²].
The gradient is taken with create_graph=True so the penalty back-propagates into D
(a double backward). λ = 10 in the paper; the weight comes from the config.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from . import PENALTIES, input_grad


def gradient_penalty(*, D: nn.Module, real: Tensor, fake: Tensor, **_) -> Tensor:
    """real, fake: [N, ...] (same shape) → scalar E[(‖∇D(x̂)‖ − 1)²]."""
    fake = fake.detach()
    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    scores = D(x_hat)
    grad = input_grad(scores, x_hat)
    norms = grad.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()


gradient_penalty.player = "D"  # a D regulariser (d_penalties)
gradient_penalty.per_example = True  # batch norm in D would couple the examples
gradient_penalty.double_backward = True  # a gradient of an input gradient (torch.compile's autograd has none)
PENALTIES.register("gp", gradient_penalty)
