"""The conditional GAN's MNIST networks (Mirza & Osindero, 2014, "Conditional Generative
Adversarial Nets", §4.1).

G: z (100, U[0, 1]^100, "the unit hypercube") → 200 ReLU; one-hot y → 1000 ReLU; concatenated →
1200 ReLU → 784 sigmoid. D: x → maxout 240 units × 5 pieces; one-hot y → maxout 50 × 5;
concatenated → maxout 240 × 4 → one logit (the paper's sigmoid is folded into the loss).
"Dropout with probability of 0.5 was applied to both the generator and discriminator."

Not in the paper (no released code was found): weight initialisation and where exactly dropout
sits. Defaults borrow the 2014 GAN's MNIST config (goodfeli/adversarial, mnist.yaml): weights
U[−0.05, 0.05] in G and U[−0.005, 0.005] in D, biases 0, G's output bias from the data's pixel
means; dropout after every hidden layer, none on D's input (see notes/conditional_models.md).
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import GanforgeError
from ..nn.dropout import Dropout
from ..nn.maxout import Maxout, uniform_init_
from ..registry import MODELS
from .base import GeneratorBase, logit_bias_from_data_


def _require_classes(n_classes: int | None, which: str) -> int:
    if n_classes is None or int(n_classes) < 2:
        raise GanforgeError(
            f"{which} is conditional and needs n_classes ≥ 2 (got {n_classes}); use it with a labelled "
            f"dataset in a conditional recipe (e.g. MNIST: n_classes=10)"
        )
    return int(n_classes)


def _one_hot(y: Tensor | None, n_classes: int, like: Tensor, which: str) -> Tensor:
    if y is None:
        raise GanforgeError(f"{which} is conditional: call it with a class y (int64 [N]) as its second argument")
    return F.one_hot(y.long(), n_classes).to(like.dtype)


def _dropout(p: float, always: bool = False) -> nn.Module:
    return Dropout(p, always=always) if p > 0 else nn.Identity()


@MODELS.register("cgan_mlp_generator")
class CGANMLPGenerator(GeneratorBase):
    """z: [N, z_dim], y: int64 [N] → x: [N, *out_shape] in [0, 1]."""

    out_range = (0.0, 1.0)

    def __init__(
        self,
        *,
        z_dim: int = 100,  # Mirza & Osindero §4.1: "a noise prior z with dimensionality 100"
        out_shape: Sequence[int],
        n_classes: int | None = None,
        z_hidden: int = 200,  # §4.1: z → 200 ReLU
        y_hidden: int = 1000,  # §4.1: y → 1000 ReLU
        joint_hidden: int = 1200,  # §4.1: "combined hidden ReLu layer of dimensionality 1200"
        dropout: float = 0.5,  # §4.1: "Dropout with probability of 0.5 ... generator and discriminator"
        init_range: float | None = 0.05,  # not in the paper: the 2014 GAN's G irange (mnist.yaml)
        out_bias_from_data: bool = True,  # not in the paper: pylearn2's init_sigmoid_bias_from_marginals
        z_dist: str = "uniform01",  # §4.1: "uniform distribution within the unit hypercube"
        # G's dropout stays on when sampling: trained this way G draws its variation from the
        # dropout masks far more than from z (samples without dropout: one image per class), and
        # the samples D was trained against were all drawn with it. See the cgan recipe.
        sample_dropout: bool = True,
    ) -> None:
        super().__init__()
        self.n_classes = _require_classes(n_classes, "cgan_mlp_generator")
        self.z_dim, self.z_dist, self.out_shape = z_dim, z_dist, tuple(out_shape)
        self.out_bias_from_data = out_bias_from_data
        self.z_path = nn.Sequential(nn.Linear(z_dim, z_hidden), nn.ReLU(), _dropout(dropout, sample_dropout))
        self.y_path = nn.Sequential(nn.Linear(self.n_classes, y_hidden), nn.ReLU(), _dropout(dropout, sample_dropout))
        self.joint = nn.Sequential(nn.Linear(z_hidden + y_hidden, joint_hidden), nn.ReLU(),
                                   _dropout(dropout, sample_dropout))
        self.out = nn.Linear(joint_hidden, math.prod(self.out_shape))
        if init_range is not None:
            uniform_init_(self, init_range)

    def init_from_data(self, mean: Tensor) -> None:
        """Output bias = logit(mean pixel), as MLPGenerator (pylearn2's init_sigmoid_bias_from_marginals)."""
        if self.out_bias_from_data:
            logit_bias_from_data_(self.out, mean)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        h = torch.cat([self.z_path(z), self.y_path(_one_hot(y, self.n_classes, z, "cgan_mlp_generator"))], dim=1)
        return torch.sigmoid(self.out(self.joint(h))).view(z.shape[0], *self.out_shape)


@MODELS.register("cgan_mlp_discriminator")
class CGANMLPDiscriminator(nn.Module):
    """x: [N, *in_shape], y: int64 [N] → raw scores (logits) [N]."""

    def __init__(
        self,
        *,
        in_shape: Sequence[int],
        n_classes: int | None = None,
        x_units: int = 240,  # §4.1: x → "maxout layer with 240 units and 5 pieces"
        x_pieces: int = 5,
        y_units: int = 50,  # §4.1: y → "maxout layer with 50 units and 5 pieces"
        y_pieces: int = 5,
        joint_units: int = 240,  # §4.1: "joint maxout layer with 240 units and 4 pieces"
        joint_pieces: int = 4,
        dropout: float = 0.5,  # §4.1: dropout 0.5 in D (applied after each hidden layer here)
        dropout_input: float = 0.0,  # the paper names no input dropout (the 2014 GAN's D used 0.2)
        init_range: float | None = 0.005,  # not in the paper: the 2014 GAN's D irange (mnist.yaml)
    ) -> None:
        super().__init__()
        self.n_classes = _require_classes(n_classes, "cgan_mlp_discriminator")
        self.in_shape = tuple(in_shape)
        self.x_path = nn.Sequential(_dropout(dropout_input), Maxout(math.prod(self.in_shape), x_units, x_pieces),
                                    _dropout(dropout))
        self.y_path = nn.Sequential(Maxout(self.n_classes, y_units, y_pieces), _dropout(dropout))
        self.joint = nn.Sequential(Maxout(x_units + y_units, joint_units, joint_pieces), _dropout(dropout))
        self.head = nn.Linear(joint_units, 1)
        if init_range is not None:
            uniform_init_(self, init_range)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        x = x.reshape(x.shape[0], -1)
        h = torch.cat([self.x_path(x), self.y_path(_one_hot(y, self.n_classes, x, "cgan_mlp_discriminator"))], dim=1)
        return self.head(self.joint(h)).squeeze(1)
