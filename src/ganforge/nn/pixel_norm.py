"""Pixel-wise feature vector normalisation (Karras et al. 2018, Sec. 4.2, Eq. 2): each pixel's
feature vector divided by its root mean square over the channels, b = a / √(mean_c a² + ε),
ε = 1e-8. Used after every convolution of PGGAN's G, and on z (and StyleGAN's z) before the
first layer."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def pixel_norm(x: Tensor, eps: float = 1e-8) -> Tensor:
    """x: [N, C, ...] (or [N, C]) → the same shape, unit mean square over dim 1."""
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + eps)


class PixelNorm(nn.Module):
    def __init__(self, eps: float = 1e-8) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        return pixel_norm(x, self.eps)
