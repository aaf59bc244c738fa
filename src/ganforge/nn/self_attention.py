"""The self-attention block of SAGAN (Zhang, Goodfellow, Metaxas & Odena, 2019, Sec. 3), as the
authors released it (brain-research/self-attention-gan, non_local.py) and as BigGAN uses it.

For features x: [N, C, H, W] at the positions i, j = 1 … HW:
    s_ij = f(x_i)ᵀ g(x_j),  β_{j,i} = softmax_i(s_ij)              (attention of position j over i)
    o_j  = v(Σ_i β_{j,i} h(x_i)),  y = γ·o + x,  γ initialised to 0    (Eq. 1-3)
with f, g, h, v 1×1 convolutions without bias, f and g of C/8 channels. The released code differs
from the paper's text in two ways that this block follows by default: h has C/2 channels (v maps
them back to C), and the keys f(x) and values h(x) are max-pooled 2×2, so each position attends
over HW/4 pooled positions (``pool=False, value_div=8`` gives the text's form: C̄ = C/8 for f, g, h).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class SelfAttention(nn.Module):
    """x: [N, C, H, W] → [N, C, H, W]; equals x at initialisation (γ = 0)."""

    def __init__(self, channels: int, *, key_div: int = 8, value_div: int = 2, pool: bool = True) -> None:
        super().__init__()
        if channels % key_div or channels % value_div:
            raise ValueError(f"self-attention over {channels} channels needs a multiple of {key_div} and {value_div}")
        self.channels, self.pool = channels, pool
        self.f = nn.Conv2d(channels, channels // key_div, 1, bias=False)  # keys
        self.g = nn.Conv2d(channels, channels // key_div, 1, bias=False)  # queries
        self.h = nn.Conv2d(channels, channels // value_div, 1, bias=False)  # values
        self.v = nn.Conv2d(channels // value_div, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))

    def attention(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(β: [N, HW, HW'] with rows summing to 1 — row j is position j's attention over the HW'
        key positions (HW/4 when pooled) — and the values h: [N, C_v, HW'])."""
        n, _, height, width = x.shape
        keys, values = self.f(x), self.h(x)
        if self.pool:
            keys, values = F.max_pool2d(keys, 2), F.max_pool2d(values, 2)
        queries = self.g(x).flatten(2)  # [N, C/8, HW]
        scores = torch.bmm(queries.transpose(1, 2), keys.flatten(2))  # s: [N, HW (j), HW' (i)]
        return scores.softmax(dim=-1), values.flatten(2)

    def forward(self, x: Tensor) -> Tensor:
        beta, values = self.attention(x)
        o = torch.bmm(values, beta.transpose(1, 2)).view(x.shape[0], -1, *x.shape[2:])  # Σ_i β_{j,i} h(x_i)
        return x + self.gamma * self.v(o)

    def extra_repr(self) -> str:
        return f"{self.channels}, pool={self.pool}"
