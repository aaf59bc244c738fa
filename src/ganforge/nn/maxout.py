"""Maxout units (Goodfellow et al., 2013), as used by the 2014 GAN discriminator."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .rows import InputLinear


class Maxout(nn.Module):
    """``units`` maxout units of ``pieces`` linear pieces each: h_i = max_j (x W_ij + b_ij).

    One Linear of width units·pieces followed by a max over the pieces: a single GEMM, so it
    costs no more kernel launches than a plain linear layer.
    x: [N, in_features] → [N, units]
    """

    def __init__(self, in_features: int, units: int, pieces: int, *, input_layer: bool = False) -> None:
        super().__init__()
        self.units, self.pieces = units, pieces
        # a network's first layer may skip rows' input gradients (nn/rows.py); same parameters
        self.linear = (InputLinear if input_layer else nn.Linear)(in_features, units * pieces)

    def forward(self, x: Tensor) -> Tensor:
        y = self.linear(x)
        # max(dim).values, not amax: its backward scatters the gradient to the saved argmax, where
        # amax's compares every piece with the max again (about 1.3× slower forward + backward here)
        return y.view(y.shape[0], self.units, self.pieces).max(dim=-1).values

    def extra_repr(self) -> str:
        return f"units={self.units}, pieces={self.pieces}"


def uniform_init_(module: nn.Module, init_range: float) -> None:
    """pylearn2's ``irange``: weights ~ U[−r, r], biases 0 (the GAN paper's released config)."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            with torch.no_grad():
                m.weight.uniform_(-init_range, init_range)
                if m.bias is not None:
                    m.bias.zero_()
