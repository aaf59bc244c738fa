"""Class-conditional batch normalisation (de Vries et al., 2017; Dumoulin et al., 2017), as the
projection-discriminator generators use it (Miyato & Koyama, 2018; pfnet-research/sngan_projection,
source/links/categorical_conditional_batch_normalization.py).

Normalise with batch statistics, no affine of its own, then scale and shift by a gain and a bias
looked up per class: y_hat = γ[y] · BN(x) + β[y]. γ starts at 1 and β at 0 for every class (the
authors' ``initial_gamma = 1``, ``initial_beta = 0``), so at initialisation the layer equals a
plain BatchNorm2d.

γ and β are plain ``nn.Parameter`` tables [n_classes, C], not ``nn.Embedding`` children, so a
spectral-norm walker that normalises every Embedding (the projection D's class embedding) never
touches them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class ConditionalBatchNorm2d(nn.Module):
    """x: [N, C, H, W], y: int64 [N] in 0..n_classes−1 → [N, C, H, W]."""

    def __init__(self, num_features: int, n_classes: int, *, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        # eps/momentum: torch's BatchNorm2d defaults, as every other BN in ganforge; chainer's
        # (the authors') are eps = 2e-5 and decay 0.9 (= momentum 0.1).
        self.num_features, self.n_classes = num_features, n_classes
        self.bn = nn.BatchNorm2d(num_features, eps=eps, momentum=momentum, affine=False)
        self.gain = nn.Parameter(torch.ones(n_classes, num_features))
        self.bias = nn.Parameter(torch.zeros(n_classes, num_features))

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        gain = F.embedding(y, self.gain)[:, :, None, None]
        bias = F.embedding(y, self.bias)[:, :, None, None]
        return self.bn(x) * gain + bias

    def extra_repr(self) -> str:
        return f"{self.num_features}, n_classes={self.n_classes}"


class LinearConditionalBatchNorm2d(nn.Module):
    """BigGAN's conditional batch norm (Brock et al., 2019, Sec. 3 and App. B; BigGAN-PyTorch
    layers.ccbn): gains 1 + W_γ·c and biases W_β·c, linear in a conditioning vector c — the
    shared class embedding, joined with this block's chunk of z in the hierarchical latent.
    At initialisation W_γ, W_β are small, so the layer is close to a plain BatchNorm2d.

    x: [N, C, H, W], c: [N, cond_dim] → [N, C, H, W]. The projections are linear layers without
    bias (so spectral norm reaches them, as in BigGAN's G)."""

    def __init__(self, num_features: int, cond_dim: int, *, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        self.num_features, self.cond_dim = num_features, cond_dim
        self.bn = nn.BatchNorm2d(num_features, eps=eps, momentum=momentum, affine=False)
        self.gain = nn.Linear(cond_dim, num_features, bias=False)
        self.bias = nn.Linear(cond_dim, num_features, bias=False)

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        gain = 1.0 + self.gain(c)
        return self.bn(x) * gain[:, :, None, None] + self.bias(c)[:, :, None, None]

    def extra_repr(self) -> str:
        return f"{self.num_features}, cond_dim={self.cond_dim}"
