"""Equalised learning rate (Karras et al. 2018, Sec. 4.1): weights drawn from N(0, 1) and scaled at
run time by He's constant c = gain / √fan_in, so that Adam's scale-invariant steps move every layer
at the same speed whatever its fan-in. ``lr_mult`` is StyleGAN's learning-rate multiplier (the
mapping network's 0.01): weights start at N(0, 1/lr_mult²) and the run-time scale is c·lr_mult,
which makes the effective learning rate lr·lr_mult (NVlabs/stylegan, networks_stylegan.get_weight).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

SQRT2 = math.sqrt(2.0)


class EqualizedLinear(nn.Module):
    def __init__(self, in_features: int, out_features: int, *, gain: float = SQRT2, lr_mult: float = 1.0,
                 bias: bool = True, bias_init: float = 0.0) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mult)
        self.bias = nn.Parameter(torch.full((out_features,), bias_init / lr_mult)) if bias else None
        self.scale = gain / math.sqrt(in_features) * lr_mult
        self.lr_mult = lr_mult

    def forward(self, x: Tensor) -> Tensor:
        bias = self.bias * self.lr_mult if self.bias is not None else None
        return F.linear(x, self.weight * self.scale, bias)


class EqualizedConv2d(nn.Module):
    """Stride-1 convolution with "same" padding and the run-time He scale."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *, gain: float = SQRT2,
                 bias: bool = True) -> None:
        super().__init__()
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.scale = gain / math.sqrt(in_channels * kernel_size * kernel_size)
        self.padding = kernel_size // 2

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)
