"""Weight clipping (Arjovsky et al., 2017, Algorithm 1): after every critic update, clip every
parameter of the critic to [−c, c] (c = 0.01 in the paper)."""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def clip_weights_(module: nn.Module, c: float) -> None:
    for p in module.parameters():
        p.clamp_(-c, c)
