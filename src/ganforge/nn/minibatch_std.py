"""Minibatch standard deviation (Karras et al. 2018, Sec. 3): D's last block sees, as one more
feature map, how much the examples of its group vary. The batch is split into groups of
``group_size`` (example i joins group i mod (N / group_size), as the authors' code reshapes
[G, M, ...]); per group, the standard deviation of every feature at every pixel over the group's
members (biased, + 1e-8 inside the root), averaged over features and pixels, is one number,
replicated over the group's members and pixels as ``num_features`` extra channels (StyleGAN's
D_basic splits the channels into that many sets; PGGAN uses 1)."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def minibatch_stddev(x: Tensor, group_size: int = 4, num_features: int = 1) -> Tensor:
    """x: [N, C, H, W] → [N, C + num_features, H, W]. N must be divisible by min(group_size, N)."""
    n, c, h, w = x.shape
    g = min(group_size, n)
    if n % g:
        raise ValueError(f"minibatch stddev: batch {n} is not divisible by the group size {g}")
    if c % num_features:
        raise ValueError(f"minibatch stddev: {c} channels cannot be split into {num_features} sets")
    y = x.float().reshape(g, n // g, num_features, c // num_features, h, w)  # [G, M, F, C/F, H, W]
    y = y - y.mean(dim=0, keepdim=True)
    y = torch.sqrt(y.pow(2).mean(dim=0) + 1e-8)  # [M, F, C/F, H, W]
    y = y.mean(dim=(2, 3, 4))  # [M, F]
    y = y.to(x.dtype).reshape(1, n // g, num_features, 1, 1).expand(g, -1, -1, h, w).reshape(n, num_features, h, w)
    return torch.cat([x, y], dim=1)


class MinibatchStd(nn.Module):
    def __init__(self, group_size: int = 4, num_features: int = 1) -> None:
        super().__init__()
        self.group_size, self.num_features = group_size, num_features

    def forward(self, x: Tensor) -> Tensor:
        return minibatch_stddev(x, self.group_size, self.num_features)
