"""DCGAN backbones (Radford, Metz & Chintala, 2016), sized by image resolution.

G: z → linear "project and reshape" to [ngf·2^(n−1), h0, w0] → n fractionally-strided 4×4
convolutions (stride 2), batch norm and ReLU everywhere except the tanh output.
D: n strided 4×4 convolutions (stride 2), LeakyReLU(0.2), batch norm except on the input layer,
then a linear layer to one score. Weights ~ N(0, 0.02), BN scale ~ N(1, 0.02).
n is the number of halvings that keep the base map at ≥ 4 pixels, so 32×32 → 4×4 (n = 3),
64×64 → 4×4 (n = 4), 28×28 → 7×7 (n = 2); non-square sizes work when both sides halve alike.
"""

from __future__ import annotations

from typing import Sequence

from torch import Tensor, nn

from ..errors import GanforgeError
from ..registry import MODELS
from .mlp import GeneratorBase


def stages_for(shape: Sequence[int], which: str) -> tuple[int, int, int]:
    """(n, h0, w0) for an image [C, H, W]; refuses sizes the architecture cannot take."""
    if len(shape) != 3:
        raise GanforgeError(f"{which} is convolutional and needs image data [C, H, W], got shape {tuple(shape)}")
    _, h, w = shape
    n = 0
    while h % 2 == 0 and w % 2 == 0 and h // 2 >= 4 and w // 2 >= 4:
        h, w, n = h // 2, w // 2, n + 1
    if n < 2:
        raise GanforgeError(
            f"{which} cannot take {shape[1]}×{shape[2]} images: height and width must both be divisible by 4 "
            f"and at least 16 (e.g. 16, 28, 32, 64); resize with --set data.image_size=32"
        )
    return n, h, w


def dcgan_init_(module: nn.Module) -> None:
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.modules.batchnorm._BatchNorm):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


@MODELS.register("dcgan_generator")
class DCGANGenerator(GeneratorBase):
    """z: [N, z_dim] → x: [N, C, H, W] in [−1, 1]."""

    out_range = (-1.0, 1.0)

    def __init__(self, *, z_dim: int, out_shape: Sequence[int], ngf: int = 64, z_dist: str = "uniform",
                 batch_norm: bool = True) -> None:
        super().__init__()
        self.z_dim, self.z_dist, self.out_shape = z_dim, z_dist, tuple(out_shape)
        n, h0, w0 = stages_for(self.out_shape, "dcgan_generator")
        width = ngf * 2 ** (n - 1)
        self.base = (width, h0, w0)
        self.project = nn.Linear(z_dim, width * h0 * w0, bias=not batch_norm)
        self.project_act = nn.Sequential(nn.BatchNorm2d(width) if batch_norm else nn.Identity(), nn.ReLU())
        layers: list[nn.Module] = []
        for i in range(n):
            last = i == n - 1
            out_ch = self.out_shape[0] if last else width // 2
            layers.append(nn.ConvTranspose2d(width, out_ch, 4, 2, 1, bias=last or not batch_norm))
            if not last:
                layers += [nn.BatchNorm2d(out_ch) if batch_norm else nn.Identity(), nn.ReLU()]
            width = out_ch
        layers.append(nn.Tanh())
        self.body = nn.Sequential(*layers)
        dcgan_init_(self)

    def forward(self, z: Tensor) -> Tensor:
        x = self.project(z).view(z.shape[0], *self.base)
        return self.body(self.project_act(x))


@MODELS.register("dcgan_discriminator")
class DCGANDiscriminator(nn.Module):
    """x: [N, C, H, W] in [−1, 1] → raw scores [N]. ``norm``: batch (DCGAN), layer or none
    (a WGAN-GP critic must not use batch norm)."""

    def __init__(self, *, in_shape: Sequence[int], ndf: int = 64, norm: str = "batch") -> None:
        super().__init__()
        if norm not in ("batch", "layer", "none"):
            raise GanforgeError(f"unknown norm {norm!r} for dcgan_discriminator; valid: batch, layer, none")
        n, h, w = stages_for(in_shape, "dcgan_discriminator")
        layers: list[nn.Module] = []
        ch, width = in_shape[0], ndf
        size = (in_shape[1], in_shape[2])
        for i in range(n):
            size = (size[0] // 2, size[1] // 2)
            layers.append(nn.Conv2d(ch, width, 4, 2, 1, bias=(i == 0 or norm != "batch")))
            if i > 0 and norm == "batch":
                layers.append(nn.BatchNorm2d(width))
            elif i > 0 and norm == "layer":
                layers.append(nn.GroupNorm(1, width))  # layer norm over [C, H, W]
            layers.append(nn.LeakyReLU(0.2))
            ch, width = width, width * 2
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(ch * h * w, 1)
        dcgan_init_(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x).flatten(1)).squeeze(1)


