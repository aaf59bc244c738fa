"""The ResNet G and D of the WGAN-GP (Gulrajani et al., 2017, App. F) and SN-GAN (Miyato et al.,
2018, App. B.4) CIFAR-10 experiments, sized by resolution.

G: z → linear to [ch, 4, 4] → n up-sampling residual blocks (BN, ReLU, nearest ×2, 3×3 conv,
BN, ReLU, 3×3 conv; 1×1 conv shortcut) → BN, ReLU, 3×3 conv, tanh. For 32×32, n = 3.
D: an "optimised" first down block, n − 2 further down blocks, two blocks without resampling,
ReLU, global sum pooling, linear → 1 score. No normalisation in D (spectral norm, when asked
for, is applied by the config's ``spectral_norm`` switch). For 32×32: 32 → 16 → 8, then 8.
"""

from __future__ import annotations

from typing import Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import GanforgeError
from ..registry import MODELS
from .mlp import GeneratorBase


def _levels(shape: Sequence[int], which: str) -> int:
    if len(shape) != 3:
        raise GanforgeError(f"{which} needs image data [C, H, W], got shape {tuple(shape)}")
    _, h, w = shape
    n = 0
    while h > 4 and h % 2 == 0 and w % 2 == 0:
        h, w, n = h // 2, w // 2, n + 1
    if h != 4 or n < 2:
        raise GanforgeError(
            f"{which} cannot take {shape[1]}×{shape[2]} images: the height must be 4·2^n (16, 32, 64, ...) "
            f"with the width halving alike; resize with --set data.image_size=32"
        )
    return n


class UpBlock(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.bn1, self.conv1 = nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 3, 1, 1)
        self.bn2, self.conv2 = nn.BatchNorm2d(cout), nn.Conv2d(cout, cout, 3, 1, 1)
        self.shortcut = nn.Conv2d(cin, cout, 1)

    def forward(self, x: Tensor) -> Tensor:
        h = F.interpolate(F.relu(self.bn1(x)), scale_factor=2.0)
        h = self.conv2(F.relu(self.bn2(self.conv1(h))))
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


@MODELS.register("resnet_generator")
class ResNetGenerator(GeneratorBase):
    """z: [N, z_dim] → x: [N, C, H, W] in [−1, 1]."""

    out_range = (-1.0, 1.0)

    def __init__(self, *, z_dim: int, out_shape: Sequence[int], ch: int = 128, z_dist: str = "normal") -> None:
        super().__init__()
        self.z_dim, self.z_dist, self.out_shape = z_dim, z_dist, tuple(out_shape)
        n = _levels(self.out_shape, "resnet_generator")
        w0 = self.out_shape[2] // 2**n
        self.base = (ch, 4, w0)
        self.project = nn.Linear(z_dim, ch * 4 * w0)
        self.blocks = nn.Sequential(*[UpBlock(ch, ch) for _ in range(n)])
        self.out = nn.Sequential(nn.BatchNorm2d(ch), nn.ReLU(), nn.Conv2d(ch, self.out_shape[0], 3, 1, 1), nn.Tanh())

    def forward(self, z: Tensor) -> Tensor:
        return self.out(self.blocks(self.project(z).view(z.shape[0], *self.base)))


@MODELS.register("resnet_discriminator")
class ResNetDiscriminator(nn.Module):
    """x: [N, C, H, W] → raw scores [N]."""

    def __init__(self, *, in_shape: Sequence[int], ch: int = 128) -> None:
        super().__init__()
        n = _levels(in_shape, "resnet_discriminator")
        blocks = [DownBlock(in_shape[0], ch, down=True, first=True)]
        blocks += [DownBlock(ch, ch, down=True) for _ in range(n - 2)]
        blocks += [DownBlock(ch, ch, down=False), DownBlock(ch, ch, down=False)]
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(ch, 1)

    def forward(self, x: Tensor) -> Tensor:
        h = F.relu(self.blocks(x)).sum(dim=(2, 3))  # global sum pooling
        return self.head(h).squeeze(1)
