"""Fully connected G and D: the 2014 GAN's MNIST networks and their modern variants.

Paper configuration (goodfeli/adversarial, mnist.yaml): G: z(100) → 1200 ReLU → 1200 ReLU →
784 sigmoid, weights U[−0.05, 0.05], output bias initialised from the data's pixel marginals
(clipped at 1e-7 as pylearn2 does; z ~ U[−√3, √3]).
D: 784 → maxout 240×5 → maxout 240×5 → 1 sigmoid, weights U[−0.005, 0.005], dropout with
input keep 0.8 and hidden keep 0.5. D's sigmoid is folded into the loss (logit form).
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor, nn

from ..errors import GanforgeError
from ..nn.dropout import Dropout
from ..nn.maxout import Maxout, uniform_init_
from ..nn.minibatch_std import minibatch_stddev
from ..nn.rows import InputLinear
from ..registry import MODELS
from .base import GeneratorBase, logit_bias_from_data_, sample_noise  # noqa: F401  (re-exported)

_ACTIVATIONS = {
    "relu": lambda: nn.ReLU(),
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": lambda: nn.Tanh(),
}
_OUT = {"sigmoid": ((0.0, 1.0), nn.Sigmoid), "tanh": ((-1.0, 1.0), nn.Tanh), "linear": (None, nn.Identity)}


def _activation(name: str) -> nn.Module:
    if name not in _ACTIVATIONS:
        raise GanforgeError(f"unknown activation {name!r}; valid: {', '.join(_ACTIVATIONS)}")
    return _ACTIVATIONS[name]()


class _FlatMinibatchStd(nn.Module):
    """[N, C] → [N, C + 1]: the minibatch standard deviation of flat features."""

    def __init__(self, group_size: int) -> None:
        super().__init__()
        self.group_size = group_size

    def forward(self, x: Tensor) -> Tensor:
        return minibatch_stddev(x[:, :, None, None], self.group_size)[:, :, 0, 0]


@MODELS.register("mlp_generator")
class MLPGenerator(GeneratorBase):
    """z: [N, z_dim] → x: [N, *out_shape] in ``out_range``. Noise enters only at the bottom."""

    def __init__(
        self,
        *,
        z_dim: int,
        out_shape: Sequence[int],
        hidden: Sequence[int] = (1200, 1200),
        activation: str = "relu",
        out_activation: str = "sigmoid",
        init_range: float | None = 0.05,
        batch_norm: bool = False,
        out_bias_from_data: bool = True,
        out_bias_clip: float = 1e-3,
        z_dist: str = "normal",
    ) -> None:
        super().__init__()
        if out_activation not in _OUT:
            raise GanforgeError(f"unknown out_activation {out_activation!r}; valid: {', '.join(_OUT)}")
        self.z_dim, self.z_dist, self.out_shape = z_dim, z_dist, tuple(out_shape)
        self.out_range, out_cls = _OUT[out_activation]
        # a sigmoid output starts at logit(mean) (pylearn2), a linear one at the mean; tanh: not done
        self.out_bias_from_data = out_bias_from_data and out_activation in ("sigmoid", "linear")
        self.out_activation = out_activation
        self.out_bias_clip = out_bias_clip
        layers: list[nn.Module] = []
        width = z_dim
        for h in hidden:
            layers.append(nn.Linear(width, h))
            if batch_norm:
                layers.append(nn.BatchNorm1d(h))
            layers.append(_activation(activation))
            width = h
        self.body = nn.Sequential(*layers)
        self.out = nn.Linear(width, math.prod(self.out_shape))
        self.out_act = out_cls()
        if init_range is not None:
            uniform_init_(self, init_range)

    def init_from_data(self, mean: Tensor) -> None:
        """pylearn2's init_sigmoid_bias_from_marginals: output bias = logit(mean pixel), the mean
        clipped to [out_bias_clip, 1 − out_bias_clip] (pylearn2: 1e-7). With a linear output the
        same idea is bias = the data's mean, so G starts at the data's mean point either way."""
        if not self.out_bias_from_data:
            return
        if self.out_activation == "linear":
            with torch.no_grad():
                self.out.bias.copy_(mean.reshape(-1).to(self.out.bias))
        else:
            logit_bias_from_data_(self.out, mean, self.out_bias_clip)

    def forward(self, z: Tensor) -> Tensor:
        x = self.out_act(self.out(self.body(z)))
        return x.view(z.shape[0], *self.out_shape)


@MODELS.register("mlp_discriminator")
class MLPDiscriminator(nn.Module):
    """x: [N, *in_shape] → raw scores [N]. Maxout (paper) or plain activations (modern)."""

    def __init__(
        self,
        *,
        in_shape: Sequence[int],
        hidden: Sequence[int] = (240, 240),
        activation: str = "maxout",
        pieces: int = 5,
        dropout_input: float = 0.2,
        dropout_hidden: float = 0.5,
        init_range: float | None = 0.005,
        minibatch_std: int = 0,
    ) -> None:
        super().__init__()
        self.in_shape = tuple(in_shape)
        # minibatch_std > 1: the last layer also sees how much D's last hidden features vary over groups of that
        # many examples (Karras et al. 2018's minibatch standard deviation, there before D's last block)
        if minibatch_std < 0 or minibatch_std == 1:
            raise GanforgeError(f"D.args.minibatch_std={minibatch_std}: give a group size of at least 2, or 0 for none")
        self.batch_statistics = minibatch_std > 1
        layers: list[nn.Module] = []
        if dropout_input > 0:
            layers.append(Dropout(dropout_input))
        width = math.prod(self.in_shape)
        for i, h in enumerate(hidden):
            # the input layer: InputLinear (nn/rows.py) skips the real rows' input gradient in the
            # simultaneous step's joint pass; otherwise exactly nn.Linear
            if activation == "maxout":
                layers.append(Maxout(width, h, pieces, input_layer=i == 0))
            else:
                layers += [(InputLinear if i == 0 else nn.Linear)(width, h), _activation(activation)]
            if dropout_hidden > 0:
                layers.append(Dropout(dropout_hidden))
            width = h
        if self.batch_statistics:
            layers.append(_FlatMinibatchStd(minibatch_std))
            width += 1
        layers.append((InputLinear if not hidden and not self.batch_statistics else nn.Linear)(width, 1))
        self.net = nn.Sequential(*layers)
        if init_range is not None:
            uniform_init_(self, init_range)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x.reshape(x.shape[0], -1)).squeeze(1)
