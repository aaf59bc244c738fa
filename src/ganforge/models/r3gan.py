"""R3GAN's networks (Huang, Gokaslan, Kuleshov & Tompkin, 2024, Sec. 3 and Fig. 3; the released
``R3GAN/Networks.py``): a StyleGAN2 skeleton stripped of its tricks and rebuilt as a modern
ResNet. No normalisation anywhere, no mapping network, no style modulation, no noise inputs, no
minibatch statistics; instead:

- every stage holds residual blocks ``x + conv1×1(act(conv3×3_grouped(act(conv1×1(x)))))`` whose
  middle is wider by ``expansion`` and split into ``cardinality`` groups (ResNeXt's inverted
  bottleneck); the activation is a leaky ReLU (slope 0.2) with its own bias;
- fix-up initialisation: He-normal weights scaled by L^(−1/4) in each block's first two layers (L =
  the blocks of the whole net) and zeros in its last, so each block starts as the identity;
- resolution changes between stages by a fixed [1, 3, 3, 1] low-pass filter (bilinear
  up/down-sampling), channels by a 1×1 convolution;
- G starts from a learned 4×4 basis per channel scaled by a linear map of z; D ends with a
  depth-wise 4×4 convolution and a linear layer. G's output is not squashed (no tanh).

Class-conditional (``n_classes``) as released: G appends an embedding of the class to z, D projects
its last features on an embedding of the class.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import GanforgeError
from ..registry import MODELS
from .base import GeneratorBase, check_classes, need_y

SLOPE = 0.2
ACT_GAIN = math.sqrt(2 / (1 + SLOPE**2))  # He's gain for a leaky ReLU of slope 0.2


def he_init_(layer: nn.Module, gain: float = 1.0) -> nn.Module:
    """Weights ~ N(0, (gain / √fan_in)²), no bias: the released MSRInitializer."""
    fan_in = layer.weight[0].numel()
    with torch.no_grad():
        layer.weight.normal_(0.0, gain / math.sqrt(fan_in))
    return layer


def conv(cin: int, cout: int, k: int = 1, *, groups: int = 1, gain: float = 1.0) -> nn.Conv2d:
    return he_init_(nn.Conv2d(cin, cout, k, padding=(k - 1) // 2, groups=groups, bias=False), gain)


class BiasedLeakyReLU(nn.Module):
    """leaky_relu(x + b, 0.2) with a learned per-channel bias b (0 at start)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: Tensor) -> Tensor:
        shape = (1, -1) + (1,) * (x.dim() - 2)
        return F.leaky_relu(x + self.bias.view(shape), SLOPE)


class Block(nn.Module):
    """The inverted bottleneck: 1×1 up to ``channels·expansion``, grouped k×k, 1×1 back; added to x."""

    def __init__(self, channels: int, cardinality: int, expansion: int, kernel: int, total_blocks: int) -> None:
        super().__init__()
        wide = channels * expansion
        if wide % cardinality:
            raise GanforgeError(f"r3gan: {channels}·{expansion} = {wide} channels do not split into {cardinality} groups; "
                                f"choose a cardinality that divides {wide}")
        gain = ACT_GAIN * total_blocks ** (-1 / 4)  # fix-up scaling over the three linear layers of each block
        self.expand = conv(channels, wide, gain=gain)
        self.act1 = BiasedLeakyReLU(wide)
        self.mix = conv(wide, wide, kernel, groups=cardinality, gain=gain)
        self.act2 = BiasedLeakyReLU(wide)
        self.project = conv(wide, channels, gain=0.0)  # the block starts as the identity

    def forward(self, x: Tensor) -> Tensor:
        return x + self.project(self.act2(self.mix(self.act1(self.expand(x)))))


def _lowpass() -> Tensor:
    taps = torch.tensor([1.0, 3.0, 3.0, 1.0])  # [1, 2, 1] convolved with [1, 1]
    k = torch.outer(taps, taps)
    return k / k.sum()


class Resample(nn.Module):
    """×2 (``up``) or ½ resolution by the fixed [1, 3, 3, 1] filter, channel by channel; a 1×1
    convolution changes the width (after up-sampling's filter in D's order: before it in G's)."""

    def __init__(self, cin: int, cout: int, *, up: bool) -> None:
        super().__init__()
        self.up = up
        filtered = cout if up else cin  # G changes the width first, D filters first
        # one copy of the filter per channel: a depth-wise convolution (groups = channels) sums what
        # filtering each channel as its own one-channel image would, about 5× faster on a CPU
        self.register_buffer("kernel", _lowpass().expand(filtered, 1, 4, 4).clone(), persistent=False)
        self.width = conv(cin, cout) if cin != cout else None

    def _filter(self, x: Tensor) -> Tensor:
        k = self.kernel.to(x.dtype)
        if self.up:
            return F.conv_transpose2d(x, 4 * k, stride=2, padding=1, groups=k.shape[0])
        return F.conv2d(x, k, stride=2, padding=1, groups=k.shape[0])

    def forward(self, x: Tensor) -> Tensor:
        if self.up:
            return self._filter(self.width(x) if self.width is not None else x)
        x = self._filter(x)
        return self.width(x) if self.width is not None else x


def _stages(out_hw, widths, name: str) -> int:
    h, w = out_hw
    n = len(widths)
    if h != w or h != 4 * 2 ** (n - 1):
        raise GanforgeError(f"{name}: {len(widths)} stages make {4 * 2 ** (n - 1)}×{4 * 2 ** (n - 1)} images, not {h}×{w}; "
                            f"give one width per stage from 4×4 up (e.g. 4 for 32×32) or --set data.image_size="
                            f"{4 * 2 ** (n - 1)}")
    return n


def _per_stage(value, n: int, key: str, name: str) -> list[int]:
    values = list(value) if isinstance(value, (list, tuple)) else [value] * n
    if len(values) != n or not all(isinstance(v, int) and v >= 1 for v in values):
        raise GanforgeError(f"{name}: {key} must be a whole number ≥ 1 or one per stage ({n}), got {value!r}")
    return values



@MODELS.register("r3gan_generator")
class R3GANGenerator(GeneratorBase):
    """z: [N, z_dim] (, y: int64 [N]) → x: [N, C, H, W], unbounded (trained against data in [−1, 1]).
    ``widths``: one per stage from 4×4 up; ``cardinality`` and ``blocks`` per stage or one for all."""

    def __init__(self, z_dim: int, out_shape, widths=(96, 96, 96, 96), cardinality=4, blocks=2, expansion: int = 2,
                 kernel: int = 3, n_classes: int | None = None, embedding: int | None = None) -> None:
        super().__init__()
        c_out, h, w = out_shape
        n = _stages((h, w), widths, "r3gan_generator")
        cards, depth = _per_stage(cardinality, n, "cardinality", "r3gan_generator"), _per_stage(blocks, n, "blocks",
                                                                                                 "r3gan_generator")
        self.z_dim, self.n_classes = z_dim, check_classes(n_classes, "r3gan_generator")
        total = sum(depth)
        in_dim = z_dim
        if self.n_classes is not None:
            emb = embedding or z_dim
            self.embed = he_init_(nn.Linear(self.n_classes, emb, bias=False))
            in_dim += emb
        self.basis = nn.Parameter(torch.randn(widths[0], 4, 4))
        self.to_basis = he_init_(nn.Linear(in_dim, widths[0], bias=False))
        stages = []
        for i in range(n):
            layers = [] if i == 0 else [Resample(widths[i - 1], widths[i], up=True)]
            layers += [Block(widths[i], cards[i], expansion, kernel, total) for _ in range(depth[i])]
            stages.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*stages)
        self.to_image = conv(widths[-1], c_out)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        need_y(y, self.n_classes, "r3gan_generator")
        if y is not None:
            z = torch.cat([z, self.embed(F.one_hot(y, self.n_classes).to(z.dtype))], dim=1)
        x = self.basis[None] * self.to_basis(z)[:, :, None, None]
        return self.to_image(self.stages(x))


@MODELS.register("r3gan_discriminator")
class R3GANDiscriminator(nn.Module):
    """x: [N, C, H, W] (, y) → raw scores [N]. ``widths`` from the image down to 4×4 (the
    generator's reversed)."""

    def __init__(self, in_shape, widths=(96, 96, 96, 96), cardinality=4, blocks=2, expansion: int = 2, kernel: int = 3,
                 n_classes: int | None = None, embedding: int | None = None) -> None:
        super().__init__()
        c_in, h, w = in_shape
        n = _stages((h, w), widths, "r3gan_discriminator")
        cards, depth = (_per_stage(cardinality, n, "cardinality", "r3gan_discriminator"),
                        _per_stage(blocks, n, "blocks", "r3gan_discriminator"))
        self.n_classes = check_classes(n_classes, "r3gan_discriminator")
        total = sum(depth)
        self.from_image = conv(c_in, widths[0])
        stages = []
        for i in range(n):
            layers = [Block(widths[i], cards[i], expansion, kernel, total) for _ in range(depth[i])]
            if i + 1 < n:
                layers.append(Resample(widths[i], widths[i + 1], up=False))
            stages.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*stages)
        out = 1 if self.n_classes is None else (embedding or widths[-1])
        self.basis = he_init_(nn.Conv2d(widths[-1], widths[-1], 4, groups=widths[-1], bias=False))
        self.head = he_init_(nn.Linear(widths[-1], out, bias=False))
        if self.n_classes is not None:
            self.embed = he_init_(nn.Linear(self.n_classes, out, bias=False), gain=1 / math.sqrt(out))

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        need_y(y, self.n_classes, "r3gan_discriminator")
        h = self.head(self.basis(self.stages(self.from_image(x))).flatten(1))
        if y is not None:
            h = (h * self.embed(F.one_hot(y, self.n_classes).to(h.dtype))).sum(1, keepdim=True)
        return h.view(len(x))
