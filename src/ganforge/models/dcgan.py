"""DCGAN backbones (Radford, Metz & Chintala, 2016), sized by image resolution.

G: z → linear "project and reshape" to [ngf·2^(n−1), h0, w0] → n fractionally-strided 4×4
convolutions (stride 2), batch norm and ReLU everywhere except the tanh output.
D: n strided 4×4 convolutions (stride 2), LeakyReLU(0.2), batch norm except on the input layer,
then a linear layer to one score. Weights ~ N(0, 0.02), BN scale ~ N(1, 0.02).
n is the number of halvings that keep the base map at ≥ 4 pixels, so 32×32 → 4×4 (n = 3),
64×64 → 4×4 (n = 4), 28×28 → 7×7 (n = 2); non-square sizes work when both sides halve alike.

``kernel``: the (de)convolutions' size, 4 by default (pytorch/examples' DCGAN, and the WGAN
authors' code); the DCGAN authors' code (Newmu/dcgan_code) uses 5×5 with padding 2 (stride 2;
G's transposed convs then add one output row and column to double exactly). ``head_bias``: D's
final linear layer has a bias (default) or not (the DCGAN authors' ``dwy``).

Class-conditional (``n_classes``): G takes the one-hot class concatenated to z before the
projection (AC-GAN, Odena et al., 2017: G's input is 110 = 100 noise + 10 classes). D either
carries a second linear head of class logits on the same features (``aux_classifier=True``,
AC-GAN) or, without it, adds the projection <embed(y), φ(x)> (Miyato & Koyama, 2018) to its score.
With ``n_classes=None`` both nets are the unconditional ones, module for module and random draw
for random draw.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import GanforgeError
from ..nn.conditional_bn import ConditionalBatchNorm2d
from ..registry import MODELS
from .base import GeneratorBase, check_classes


def stages_for(shape: Sequence[int], which: str) -> tuple[int, int, int]:
    """(n, h0, w0) for an image [C, H, W]; refuses sizes the architecture cannot take."""
    if len(shape) != 3:
        raise GanforgeError(f"{which} is convolutional and needs image data [C, H, W], got shape {tuple(shape)}")
    _, h, w = shape
    n = 0
    while h % 2 == 0 and w % 2 == 0 and h // 2 >= 4 and w // 2 >= 4:
        h, w, n = h // 2, w // 2, n + 1
    if n < 2:
        from .sizes import nearest_size

        th, tw = nearest_size("dcgan_generator", {}, (shape[1], shape[2]), "stretch")
        raise GanforgeError(
            f"{which} cannot take {shape[1]}×{shape[2]} images: height and width must both be divisible by 4 "
            f"and at least 16, halving alike (e.g. 16, 28, 32, 64, 112×96); the nearest is {th}×{tw}: "
            f"--set data.image_size=[{th},{tw}]"
        )
    return n, h, w


def dcgan_init_(module: nn.Module) -> None:
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.modules.batchnorm._BatchNorm) and m.affine:  # a CBN's own gains stay at 1
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def _kernel_padding(kernel: int, which: str) -> tuple[int, int]:
    """(padding, output_padding) that make a stride-2 conv halve and its transpose double."""
    if not isinstance(kernel, int) or isinstance(kernel, bool) or kernel < 2:
        raise GanforgeError(f"{which}: kernel must be an integer ≥ 2 (4: pytorch/examples, 5: the DCGAN authors' code); "
                            f"got {kernel!r}")
    pad = (kernel - 1) // 2
    return pad, 2 + 2 * pad - kernel



@MODELS.register("dcgan_generator")
class DCGANGenerator(GeneratorBase):
    """z: [N, z_dim] (, y: int64 [N] when ``n_classes``) → x: [N, C, H, W] in [−1, 1]."""

    out_range = (-1.0, 1.0)

    def __init__(self, *, z_dim: int, out_shape: Sequence[int], ngf: int = 64, z_dist: str = "uniform",
                 batch_norm: bool = True, n_classes: int | None = None, conditioning: str = "concat",
                 kernel: int = 4) -> None:
        super().__init__()
        pad, out_pad = _kernel_padding(kernel, "dcgan_generator")
        self.z_dim, self.z_dist, self.out_shape = z_dim, z_dist, tuple(out_shape)
        self.n_classes = check_classes(n_classes, "dcgan_generator")
        if conditioning not in ("concat", "cbn"):
            raise GanforgeError(f"dcgan_generator: conditioning {conditioning!r} unknown; valid: concat (one-hot joined "
                                f"to z, AC-GAN), cbn (class-conditional batch norm, Miyato & Koyama 2018)")
        # cbn: the class sets every batch norm's gain and bias instead of joining z
        self.cbn = self.n_classes is not None and conditioning == "cbn"
        if self.cbn and not batch_norm:
            raise GanforgeError("dcgan_generator: conditioning=cbn needs batch_norm=true")
        n, h0, w0 = stages_for(self.out_shape, "dcgan_generator")
        width = ngf * 2 ** (n - 1)
        self.base = (width, h0, w0)
        concat = self.n_classes if (self.n_classes and not self.cbn) else 0
        self.project = nn.Linear(z_dim + concat, width * h0 * w0, bias=not batch_norm)
        self.project_act = nn.Sequential(self._bn(width) if batch_norm else nn.Identity(), nn.ReLU())
        layers: list[nn.Module] = []
        for i in range(n):
            last = i == n - 1
            out_ch = self.out_shape[0] if last else width // 2
            layers.append(nn.ConvTranspose2d(width, out_ch, kernel, 2, pad, output_padding=out_pad,
                                             bias=last or not batch_norm))
            if not last:
                layers += [self._bn(out_ch) if batch_norm else nn.Identity(), nn.ReLU()]
            width = out_ch
        layers.append(nn.Tanh())
        self.body = nn.Sequential(*layers)
        dcgan_init_(self)

    def _bn(self, ch: int) -> nn.Module:
        return ConditionalBatchNorm2d(ch, self.n_classes) if self.cbn else nn.BatchNorm2d(ch)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        if self.n_classes is not None:
            if y is None:
                raise GanforgeError(f"dcgan_generator was built with n_classes={self.n_classes}: call it as G(z, y)")
            if not self.cbn:
                z = torch.cat([z, F.one_hot(y.long(), self.n_classes).to(z.dtype)], dim=1)
        elif y is not None:
            raise GanforgeError("dcgan_generator is unconditional: build it with n_classes=K to condition it on a class")
        x = self.project(z).view(z.shape[0], *self.base)
        if not self.cbn:
            return self.body(self.project_act(x))
        for layer in (*self.project_act, *self.body):
            x = layer(x, y) if isinstance(layer, ConditionalBatchNorm2d) else layer(x)
        return x


@MODELS.register("dcgan_discriminator")
class DCGANDiscriminator(nn.Module):
    """x: [N, C, H, W] in [−1, 1] (, y: int64 [N]) → raw scores [N]. ``norm``: batch (DCGAN), layer or
    none (a WGAN-GP critic must not use batch norm).

    ``n_classes`` with ``aux_classifier=True`` (AC-GAN): ``D(x, aux=True)`` returns
    ``(scores, class_logits [N, n_classes])``; y, if passed, is not used (the class reaches D only
    through the class loss). ``n_classes`` alone: a projection discriminator, ``D(x, y)``.
    ``dropout``: a dropout of that rate after every conv layer's activation (AC-GAN's D: 0.5).
    """

    def __init__(self, *, in_shape: Sequence[int], ndf: int = 64, norm: str = "batch", n_classes: int | None = None,
                 aux_classifier: bool = False, kernel: int = 4, head_bias: bool = True, dropout: float = 0.0) -> None:
        super().__init__()
        pad, _ = _kernel_padding(kernel, "dcgan_discriminator")
        if norm not in ("batch", "layer", "none"):
            raise GanforgeError(f"unknown norm {norm!r} for dcgan_discriminator; valid: batch, layer, none")
        if not 0.0 <= dropout < 1.0:
            raise GanforgeError(f"dcgan_discriminator: dropout {dropout} must be in [0, 1) (AC-GAN's D uses 0.5)")
        self.n_classes = check_classes(n_classes, "dcgan_discriminator")
        if aux_classifier and self.n_classes is None:
            raise GanforgeError("dcgan_discriminator: aux_classifier=True needs n_classes (the number of class logits)")
        self.aux_classifier = aux_classifier
        n, h, w = stages_for(in_shape, "dcgan_discriminator")
        layers: list[nn.Module] = []
        ch, width = in_shape[0], ndf
        size = (in_shape[1], in_shape[2])
        for i in range(n):
            size = (size[0] // 2, size[1] // 2)
            layers.append(nn.Conv2d(ch, width, kernel, 2, pad, bias=(i == 0 or norm != "batch")))
            if i > 0 and norm == "batch":
                layers.append(nn.BatchNorm2d(width))
            elif i > 0 and norm == "layer":
                layers.append(nn.GroupNorm(1, width))  # layer norm over [C, H, W]
            layers.append(nn.LeakyReLU(0.2))
            if dropout:  # after every conv layer's activation, as AC-GAN's D (its App. A)
                layers.append(nn.Dropout(dropout))
            ch, width = width, width * 2
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(ch * h * w, 1, bias=head_bias)
        if self.n_classes is not None and aux_classifier:
            self.classifier = nn.Linear(ch * h * w, self.n_classes)  # AC-GAN: class logits on the same features
        elif self.n_classes is not None:
            self.embed = nn.Embedding(self.n_classes, ch * h * w)
        dcgan_init_(self)  # N(0, 0.02) also for the class head (AC-GAN's init, as DCGAN's)
        if hasattr(self, "embed"):
            nn.init.xavier_uniform_(self.embed.weight)  # as the projection authors' SNEmbedID (GlorotUniform)

    def forward(self, x: Tensor, y: Tensor | None = None, aux: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        if aux and not self.aux_classifier:
            raise GanforgeError("dcgan_discriminator has no class head: build it with n_classes=K, aux_classifier=True")
        h = self.body(x).flatten(1)
        scores = self.head(h).squeeze(1)
        if self.aux_classifier:
            return (scores, self.classifier(h)) if aux else scores
        if self.n_classes is not None:
            if y is None:
                raise GanforgeError(f"dcgan_discriminator is a projection D (n_classes={self.n_classes}): call it as D(x, y)")
            scores = scores + (self.embed(y) * h).sum(dim=1)
        elif y is not None:
            raise GanforgeError("dcgan_discriminator is unconditional: build it with n_classes=K to condition it on a class")
        return scores


