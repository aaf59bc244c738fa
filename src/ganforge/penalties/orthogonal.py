"""BigGAN's orthogonal regularisation of G (Brock, Donahue & Simonyan, 2019, Sec. 3.1, Eq. 3):

    R_β(W) = β ‖Wᵀ W ⊙ (1 − I)‖²_F

summed over G's weight matrices: every parameter with two or more dimensions, each viewed as
W: [out, in·k·k] (one row per filter, as BigGAN-PyTorch's utils.ortho), so the penalty pushes
the filters towards mutual orthogonality without constraining their norms. The class-embedding
table is excluded, as in the authors' code. β is the config weight (``g_penalties: {ortho: 1e-4}``).
BigGAN-PyTorch applies the gradient 2·(W Wᵀ ⊙ (1 − I))·W directly, half the gradient of this
loss; the paper's formula is what is implemented here.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from . import PENALTIES


def orthogonal_penalty(*, G: nn.Module, **_) -> Tensor:
    """Σ_W ‖W Wᵀ ⊙ (1 − I)‖²_F over G's weight matrices (W: [out, fan_in]); a scalar."""
    total = None
    for name, p in G.named_parameters():
        if p.dim() < 2 or name.split(".")[-1] == "shared":
            continue
        w = p.flatten(1)
        gram = w @ w.t()
        off = gram - torch.diag_embed(torch.diagonal(gram))
        term = off.pow(2).sum()
        total = term if total is None else total + term
    if total is None:
        raise ValueError("G has no weight matrices to regularise")
    return total


orthogonal_penalty.player = "G"  # a G regulariser (g_penalties)
PENALTIES.register("ortho", orthogonal_penalty)
