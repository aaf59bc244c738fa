"""The ResNet G and D of the WGAN-GP (Gulrajani et al., 2017, App. F) and SN-GAN (Miyato et al.,
2018, App. B.4) CIFAR-10 experiments, sized by resolution.

G: z → linear to [ch, h0, w0] (4×4 for 32×32; any base of ≥ 4 a side, so non-square sizes
work) → n up-sampling residual blocks (BN, ReLU, nearest ×2, 3×3 conv,
BN, ReLU, 3×3 conv; 1×1 conv shortcut) → BN, ReLU, 3×3 conv, tanh. For 32×32, n = 3.
D: an "optimised" first down block, n − 2 further down blocks, two blocks without resampling,
ReLU, global pooling, linear → 1 score. No normalisation in D (spectral norm, when asked
for, is applied by the config's ``spectral_norm`` switch). For 32×32: 32 → 16 → 8, then 8.

The authors' codes differ in three details, each an option (defaults: the nets as first written):
- ``pool`` (D): ``sum`` over the final map (SN-GAN, dis_models/snresnet_32.py: ``F.sum`` over
  H, W) or ``mean`` (WGAN-GP, gan_cifar_resnet.py: ``tf.reduce_mean`` over H, W — at 8×8 the
  score is 64× smaller than the sum's).
- ``head_bias`` (D): the SN-GAN head ``l5`` has no bias (``nobias=True``); WGAN-GP's has one.
- ``init``: ``torch`` (PyTorch's defaults) or ``glorot`` — both released codes: the residual
  3×3 convs Glorot-uniform with gain √2 (tflib's ``he_init``: uniform with std √(4/(fan_in +
  fan_out)); chainer's ``GlorotUniform(math.sqrt(2))``), the 1×1 shortcuts, the input linear,
  the output conv and the head Glorot-uniform with gain 1, biases 0.

Class-conditional (``n_classes``), as in the projection discriminator's code (Miyato & Koyama,
2018; pfnet-research/sngan_projection gen_models/resblocks.py, dis_models/snresnet_32.py): every
BN inside G's up-blocks becomes a conditional BN (per-class gain 1 and bias 0 at init); G's final
BN stays a plain BN, as the authors' ``b5``. D adds the projection <embed(y), φ(x)> to its linear
score, the embedding an ``nn.Embedding`` child (so the spectral-norm walker reaches it, as the
authors' SNEmbedID) initialised Glorot-uniform. With ``n_classes=None`` both nets are the
unconditional ones, module for module and random draw for random draw.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import GanforgeError
from ..nn.conditional_bn import ConditionalBatchNorm2d
from ..registry import MODELS
from .base import GeneratorBase, check_classes, need_y


def _levels(shape: Sequence[int], which: str) -> tuple[int, int, int]:
    """(n, h0, w0): n halvings to a base h0×w0, as the DCGAN backbone's (``dcgan.stages_for``)."""
    from .dcgan import stages_for

    return stages_for(shape, which)


def _bn(channels: int, n_classes: int | None) -> nn.Module:
    return nn.BatchNorm2d(channels) if n_classes is None else ConditionalBatchNorm2d(channels, n_classes)


def _norm(bn: nn.Module, x: Tensor, y: Tensor | None) -> Tensor:
    return bn(x) if y is None else bn(x, y)


class UpBlock(nn.Module):
    """BN, ReLU, nearest ×2, 3×3 conv, BN, ReLU, 3×3 conv; 1×1 conv shortcut. ``norm``: a factory
    channels → BN layer (default: plain BN, or per-class conditional BN with ``n_classes``); a
    conditional one is called as bn(x, y) with the block's second argument (a class, or BigGAN's
    conditioning vector)."""

    def __init__(self, cin: int, cout: int, n_classes: int | None = None, norm=None) -> None:
        super().__init__()
        norm = norm or (lambda channels: _bn(channels, n_classes))
        self.bn1, self.conv1 = norm(cin), nn.Conv2d(cin, cout, 3, 1, 1)
        self.bn2, self.conv2 = norm(cout), nn.Conv2d(cout, cout, 3, 1, 1)
        self.shortcut = nn.Conv2d(cin, cout, 1)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        h = F.interpolate(F.relu(_norm(self.bn1, x, y)), scale_factor=2.0)
        h = self.conv2(F.relu(_norm(self.bn2, self.conv1(h), y)))
        return h + self.shortcut(F.interpolate(x, scale_factor=2.0))


class DownBlock(nn.Module):
    """Pre-activation residual block; ``first`` is the optimised block that sees the image."""

    def __init__(self, cin: int, cout: int, *, down: bool, first: bool = False) -> None:
        super().__init__()
        self.down, self.first = down, first
        self.conv1, self.conv2 = nn.Conv2d(cin, cout, 3, 1, 1), nn.Conv2d(cout, cout, 3, 1, 1)
        self.shortcut = nn.Conv2d(cin, cout, 1) if (cin != cout or down) else None

    def forward(self, x: Tensor) -> Tensor:
        h = x if self.first else F.relu(x)
        h = self.conv2(F.relu(self.conv1(h)))
        if self.down:
            h = F.avg_pool2d(h, 2)
        s = x
        if self.shortcut is not None:
            s = self.shortcut(F.avg_pool2d(s, 2) if (self.first and self.down) else s)
            if self.down and not self.first:
                s = F.avg_pool2d(s, 2)
        return h + s


INITS = ("torch", "glorot")
POOLS = ("sum", "mean")


def glorot_init_(net: nn.Module) -> None:
    """The released codes' initialisation (see the module docstring): Glorot-uniform, gain √2 on
    the residual blocks' 3×3 convs, gain 1 on every other conv / linear; biases 0."""
    blocks = [m for m in net.modules() if isinstance(m, (UpBlock, DownBlock))]
    residual = {id(conv) for b in blocks for conv in (b.conv1, b.conv2)}
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight, gain=math.sqrt(2) if id(m) in residual else 1.0)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def _check_choice(value: str, valid: tuple[str, ...], what: str) -> str:
    if value not in valid:
        raise GanforgeError(f"{what} {value!r} unknown; valid: {', '.join(valid)}")
    return value




@MODELS.register("resnet_generator")
class ResNetGenerator(GeneratorBase):
    """z: [N, z_dim] (, y: int64 [N] when ``n_classes``) → x: [N, C, H, W] in [−1, 1]."""

    out_range = (-1.0, 1.0)

    def __init__(self, *, z_dim: int, out_shape: Sequence[int], ch: int = 128, z_dist: str = "normal",
                 n_classes: int | None = None, init: str = "torch") -> None:
        super().__init__()
        _check_choice(init, INITS, "resnet_generator: init")
        self.z_dim, self.z_dist, self.out_shape = z_dim, z_dist, tuple(out_shape)
        self.n_classes = check_classes(n_classes, "resnet_generator")
        n, h0, w0 = _levels(self.out_shape, "resnet_generator")
        self.base = (ch, h0, w0)
        self.project = nn.Linear(z_dim, ch * h0 * w0)
        self.blocks = nn.Sequential(*[UpBlock(ch, ch, self.n_classes) for _ in range(n)])
        # the final BN is plain even when conditional: the authors' gen_models/resnet_32.py ``b5``
        self.out = nn.Sequential(nn.BatchNorm2d(ch), nn.ReLU(), nn.Conv2d(ch, self.out_shape[0], 3, 1, 1), nn.Tanh())
        if init == "glorot":
            glorot_init_(self)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        need_y(y, self.n_classes, "resnet_generator")
        h = self.project(z).view(z.shape[0], *self.base)
        if y is None:
            return self.out(self.blocks(h))
        for block in self.blocks:
            h = block(h, y)
        return self.out(h)


@MODELS.register("resnet_discriminator")
class ResNetDiscriminator(nn.Module):
    """x: [N, C, H, W] (, y: int64 [N] when ``n_classes``) → raw scores [N].

    Projection (Miyato & Koyama, 2018, eq. 3): score = ψ(φ(x)) + <embed(y), φ(x)>, φ(x) the
    pooled features (``pool``: sum or mean over the final map). ``head_bias``: whether the linear
    head has a bias (the SN-GAN authors' l5 has none). ``init``: torch or glorot (module docstring).
    """

    def __init__(self, *, in_shape: Sequence[int], ch: int = 128, n_classes: int | None = None, pool: str = "sum",
                 head_bias: bool = True, init: str = "torch") -> None:
        super().__init__()
        self.pool = _check_choice(pool, POOLS, "resnet_discriminator: pool")
        _check_choice(init, INITS, "resnet_discriminator: init")
        self.n_classes = check_classes(n_classes, "resnet_discriminator")
        n, _, _ = _levels(in_shape, "resnet_discriminator")
        blocks = [DownBlock(in_shape[0], ch, down=True, first=True)]
        blocks += [DownBlock(ch, ch, down=True) for _ in range(n - 2)]
        blocks += [DownBlock(ch, ch, down=False), DownBlock(ch, ch, down=False)]
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(ch, 1, bias=head_bias)
        if self.n_classes is not None:
            self.embed = nn.Embedding(self.n_classes, ch)
            # dis_models/snresnet_32.py: SNEmbedID(n_classes, ch, initialW=GlorotUniform())
            nn.init.xavier_uniform_(self.embed.weight)
        if init == "glorot":
            glorot_init_(self)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        need_y(y, self.n_classes, "resnet_discriminator")
        h = F.relu(self.blocks(x))
        h = h.sum(dim=(2, 3)) if self.pool == "sum" else h.mean(dim=(2, 3))  # global pooling
        out = self.head(h).squeeze(1)
        if y is not None:
            out = out + (self.embed(y) * h).sum(dim=1)
        return out
