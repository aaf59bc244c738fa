"""The network contract every architecture follows.

Generators subclass ``GeneratorBase``: constructor keywords ``z_dim`` and ``out_shape`` (the
data's shape without the batch axis), and ``n_classes`` when they can be conditioned on a
class; ``forward(z)`` or ``forward(z, y)`` with z: [N, z_dim], y: int64 [N]; ``out_range``
((0, 1), (−1, 1), or None for unbounded point data) and ``z_dist``.

Discriminators take ``in_shape`` (and ``n_classes`` when conditional); ``forward(x)`` or
``forward(x, y)`` returns raw scores [N]. A discriminator with a second output (a class head,
AC-GAN; trunk features for a Q network, InfoGAN) returns ``(scores, aux)`` when called with
``aux=True``; when aux is its trunk features, their width is its ``features`` attribute, which the
builder passes to the networks built after D as ``in_features``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ..errors import GanforgeError


def sample_noise(n: int, z_dim: int, dist: str, *, device=None, generator: torch.Generator | None = None) -> Tensor:
    """z ~ p_z: ``normal`` is N(0, I), ``uniform`` is U[−1, 1]^d, ``uniform01`` is U[0, 1]^d
    (Mirza & Osindero's "unit hypercube"), ``uniform-unit-variance`` is U[−√3, √3]^d (unit
    variance: the 2014 GAN's released Generator with ``noise: 'uniform'``)."""
    if dist == "normal":
        return torch.randn(n, z_dim, device=device, generator=generator)
    if dist == "uniform":
        return torch.rand(n, z_dim, device=device, generator=generator) * 2 - 1
    if dist == "uniform01":
        return torch.rand(n, z_dim, device=device, generator=generator)
    if dist == "uniform-unit-variance":
        return (torch.rand(n, z_dim, device=device, generator=generator) * 2 - 1) * math.sqrt(3.0)
    raise GanforgeError(f"unknown z_dist {dist!r}; valid: {', '.join(Z_DISTS)}")


Z_DISTS = ("normal", "uniform", "uniform01", "uniform-unit-variance")


def check_classes(n_classes: int | None, which: str) -> int | None:
    """A net's ``n_classes``: None (unconditional) or a whole number ≥ 2."""
    if n_classes is not None and int(n_classes) < 2:
        raise GanforgeError(f"{which}: n_classes must be ≥ 2 for a conditional net, or None for an unconditional one; "
                            f"got {n_classes}")
    return None if n_classes is None else int(n_classes)


def need_y(y: Tensor | None, n_classes: int | None, which: str) -> None:
    """A class y given exactly when the net was built conditional."""
    if n_classes is not None and y is None:
        raise GanforgeError(f"{which} was built with n_classes={n_classes}: call it with a class y (int64 [N])")
    if n_classes is None and y is not None:
        raise GanforgeError(f"{which} is unconditional: build it with n_classes=K to condition it on a class")


class GeneratorBase(nn.Module):
    """What every generator offers beyond forward: its noise law and ``sample(n)``."""

    z_dim: int
    z_dist: str = "normal"
    out_range: tuple[float, float] | None = (-1.0, 1.0)
    n_classes: int | None = None

    def sample(self, n: int, *, y: Tensor | None = None, generator: torch.Generator | None = None) -> Tensor:
        """n fresh samples in the generator's output range (``out_range``); ``y`` [n] for a
        conditional generator."""
        device = next(self.parameters()).device
        z = sample_noise(n, self.z_dim, self.z_dist, device=device, generator=generator)
        return self(z) if y is None else self(z, y.to(device))


def logit_bias_from_data_(linear: nn.Linear, mean: Tensor, clip: float = 1e-3) -> None:
    """pylearn2's init_sigmoid_bias_from_marginals: a sigmoid output layer's bias = logit(mean
    pixel), the mean clipped to [clip, 1 − clip] (pylearn2: 1e-7), so G starts at the data's mean
    image."""
    p = mean.reshape(-1).to(linear.bias).clamp(clip, 1 - clip)
    with torch.no_grad():
        linear.bias.copy_(torch.log(p) - torch.log1p(-p))
