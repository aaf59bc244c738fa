"""The "standard CNN" of the SN-GAN paper (Miyato et al., 2018, Table 3), sized by resolution.

G: z → linear to [512, h0, w0] (h0 = H/8) → three 4×4 stride-2 deconvolutions (256, 128, 64
channels; BN, ReLU) → 3×3 conv to C channels, tanh.
D: 3×3 s1 64, 4×4 s2 64, 3×3 s1 128, 4×4 s2 128, 3×3 s1 256, 4×4 s2 256, 3×3 s1 512,
LeakyReLU(0.1) after each, linear → 1.
"""

from __future__ import annotations

from typing import Sequence

from torch import Tensor, nn

from ..errors import GanforgeError
from ..registry import MODELS
from .base import GeneratorBase


def _base(shape: Sequence[int], which: str) -> tuple[int, int]:
    if len(shape) != 3 or shape[1] % 8 or shape[2] % 8:
        raise GanforgeError(
            f"{which} cannot take images of shape {tuple(shape)}: height and width must be multiples of 8 "
            f"(e.g. 32, 48); resize with --set data.image_size=32"
        )
    return shape[1] // 8, shape[2] // 8


@MODELS.register("cnn_generator")
class CNNGenerator(GeneratorBase):
    out_range = (-1.0, 1.0)

    def __init__(self, *, z_dim: int, out_shape: Sequence[int], width: int = 512, z_dist: str = "normal") -> None:
        super().__init__()
        self.z_dim, self.z_dist, self.out_shape = z_dim, z_dist, tuple(out_shape)
        h0, w0 = _base(self.out_shape, "cnn_generator")
        self.base = (width, h0, w0)
        self.project = nn.Sequential(nn.Linear(z_dim, width * h0 * w0))
        layers: list[nn.Module] = [nn.BatchNorm2d(width), nn.ReLU()]
        c = width
        for _ in range(3):
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1), nn.BatchNorm2d(c // 2), nn.ReLU()]
            c //= 2
        layers += [nn.Conv2d(c, self.out_shape[0], 3, 1, 1), nn.Tanh()]
        self.body = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.body(self.project(z).view(z.shape[0], *self.base))


@MODELS.register("cnn_discriminator")
class CNNDiscriminator(nn.Module):
    def __init__(self, *, in_shape: Sequence[int], width: int = 64) -> None:
        super().__init__()
        h0, w0 = _base(in_shape, "cnn_discriminator")
        c, layers = in_shape[0], []
        for mult in (1, 2, 4):
            layers += [nn.Conv2d(c, width * mult, 3, 1, 1), nn.LeakyReLU(0.1),
                       nn.Conv2d(width * mult, width * mult, 4, 2, 1), nn.LeakyReLU(0.1)]
            c = width * mult
        layers += [nn.Conv2d(c, width * 8, 3, 1, 1), nn.LeakyReLU(0.1)]
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width * 8 * h0 * w0, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x).flatten(1)).squeeze(1)
