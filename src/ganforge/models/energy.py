"""Auto-encoder discriminators and BEGAN's generator (EBGAN, Zhao et al. 2017; BEGAN, Berthelot
et al. 2017).

An energy discriminator returns the per-example reconstruction error ``energy(Dec(Enc(x)), x)``:
[N], **lower = more real**. ``D(x, aux=True)`` returns ``(energy, embedding)`` where the
embedding [N, ...] is the encoder's output (EBGAN's pulling-away term reads it);
``D.reconstruct(x)`` returns Dec(Enc(x)) for pictures. Energies:

    l2    ‖Dec(Enc(x)) − x‖₂ per example, as EBGAN's Eq. 13 writes it (its margins m = 10, 20, 80
          are on this scale)
    mse   mean squared error per element (what many EBGAN ports use; margins must shrink with it)
    l1    mean absolute error per element: BEGAN's L(v) = |v − D(v)|^η with η = 1, as
          carpedm20/BEGAN-tensorflow averages it

Architectures: ``ebgan_mlp_discriminator`` (EBGAN's MNIST grid: fully connected, encoder of
1–4 layers, decoder of one), ``ebgan_conv_discriminator`` (EBGAN's 64×64 auto-encoder:
(64)4c2s-(128)4c2s-(256)4c2s / (128)4c2s-(64)4c2s-(C)4c2s), ``began_discriminator`` and
``began_generator`` (BEGAN's Figure 1: 3×3 convolutions with ELU, two per scale, stride-2
down-sampling, nearest-neighbour up-sampling, widths n, 2n, 3n, ... in the encoder, an h-dim
linear embedding; the generator is the decoder with its own weights), and
``began_small_discriminator`` (the public MNIST BEGANs' one-convolution auto-encoder).
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor, nn

from ..errors import GanforgeError
from ..registry import MODELS
from .base import GeneratorBase
from .dcgan import dcgan_init_
from .mlp import _activation

ENERGIES = ("l2", "mse", "l1")


def reconstruction_energy(recon: Tensor, x: Tensor, kind: str) -> Tensor:
    """Per-example energy [N] of a reconstruction (see the module docstring)."""
    diff = (recon - x).flatten(1).float()
    if kind == "l2":
        return torch.sqrt(diff.pow(2).sum(dim=1) + 1e-12)  # + ε: a finite gradient at a perfect reconstruction
    if kind == "mse":
        return diff.pow(2).mean(dim=1)
    return diff.abs().mean(dim=1)


def _check_energy(kind: str, which: str) -> str:
    if kind not in ENERGIES:
        raise GanforgeError(f"{which}: unknown energy {kind!r}; valid: {', '.join(ENERGIES)}")
    return kind


class EnergyDiscriminator(nn.Module):
    """The shared forward of the auto-encoder discriminators: ``encoder``, ``decoder``, ``energy``."""

    encoder: nn.Module
    decoder: nn.Module
    energy: str

    def reconstruct(self, x: Tensor) -> Tensor:
        return self.decoder(self.encoder(x))

    def forward(self, x: Tensor, aux: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        h = self.encoder(x)
        e = reconstruction_energy(self.decoder(h), x, self.energy)
        return (e, h) if aux else e


# ---------------------------------------------------------------------------------------- EBGAN


@MODELS.register("ebgan_mlp_discriminator")
class EBGANMLPDiscriminator(EnergyDiscriminator):
    """x: [N, *in_shape] → energy [N]. Encoder: fully connected layers of ``hidden`` units (batch
    norm after each but the input layer when ``batch_norm``), decoder: one linear layer back to
    the input (EBGAN's MNIST grid, Sec. 4.1: nLayerD counts encoder + decoder layers)."""

    def __init__(self, *, in_shape: Sequence[int], hidden: Sequence[int] = (1024,), activation: str = "relu",
                 batch_norm: bool = False, dropout: float = 0.0, energy: str = "l2") -> None:
        super().__init__()
        if not hidden:
            raise GanforgeError("ebgan_mlp_discriminator: hidden must name at least one encoder layer, e.g. [1024]")
        self.energy = _check_energy(energy, "ebgan_mlp_discriminator")
        self.in_shape = tuple(in_shape)
        n_in = math.prod(self.in_shape)
        layers: list[nn.Module] = [nn.Flatten()]
        width = n_in
        for i, h in enumerate(hidden):
            layers.append(nn.Linear(width, h))
            if batch_norm and i > 0:
                layers.append(nn.BatchNorm1d(h))
            layers.append(_activation(activation))
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = h
        self.encoder = nn.Sequential(*layers)
        self.decoder = nn.Sequential(nn.Linear(width, n_in), nn.Unflatten(1, self.in_shape))


def _halvings(shape: Sequence[int], n: int, which: str) -> None:
    if len(shape) != 3:
        raise GanforgeError(f"{which} is convolutional and needs image data [C, H, W], got shape {tuple(shape)}")
    f = 2**n
    if shape[1] % f or shape[2] % f or shape[1] < f or shape[2] < f:
        raise GanforgeError(f"{which} cannot take {shape[1]}×{shape[2]} images: both sides must be multiples of {f} "
                            f"({n} stride-2 stages); resize with --set data.image_size=[64,64] (or 32)")


@MODELS.register("ebgan_conv_discriminator")
class EBGANConvDiscriminator(EnergyDiscriminator):
    """x: [N, C, H, W] in [−1, 1] → energy [N]. Encoder: 4×4 stride-2 convolutions of ``widths``
    (LeakyReLU 0.2, batch norm except on the input layer); decoder: 4×4 stride-2 transposed
    convolutions back through the reversed widths (batch norm and ReLU) to C channels, linear
    output. EBGAN's 64×64 auto-encoder with the default widths (64, 128, 256)."""

    def __init__(self, *, in_shape: Sequence[int], widths: Sequence[int] = (64, 128, 256), energy: str = "l2",
                 batch_norm: bool = True) -> None:
        super().__init__()
        self.energy = _check_energy(energy, "ebgan_conv_discriminator")
        _halvings(in_shape, len(widths), "ebgan_conv_discriminator")
        enc: list[nn.Module] = []
        ch = in_shape[0]
        for i, w in enumerate(widths):
            enc.append(nn.Conv2d(ch, w, 4, 2, 1, bias=not (batch_norm and i > 0)))
            if batch_norm and i > 0:
                enc.append(nn.BatchNorm2d(w))
            enc.append(nn.LeakyReLU(0.2))
            ch = w
        dec: list[nn.Module] = []
        targets = [*reversed(widths[:-1]), in_shape[0]]
        for i, w in enumerate(targets):
            last = i == len(targets) - 1
            dec.append(nn.ConvTranspose2d(ch, w, 4, 2, 1, bias=last or not batch_norm))
            if not last:
                dec += [nn.BatchNorm2d(w) if batch_norm else nn.Identity(), nn.ReLU()]
            ch = w
        self.encoder, self.decoder = nn.Sequential(*enc), nn.Sequential(*dec)
        dcgan_init_(self)


# ---------------------------------------------------------------------------------------- BEGAN


def _began_scales(shape: Sequence[int], which: str) -> int:
    """R = log2(H) − 2 scales from 8×8 (carpedm20: repeat_num = log2(input) − 2)."""
    if len(shape) != 3:
        raise GanforgeError(f"{which} is convolutional and needs image data [C, H, W], got shape {tuple(shape)}")
    _, h, w = shape
    if h != w or h < 8 or h & (h - 1):
        raise GanforgeError(f"{which} takes square images whose side is a power of two ≥ 8 (8, 16, 32, 64, 128), "
                            f"got {h}×{w}; resize with --set data.image_size=[32,32] (or 64)")
    return int(math.log2(h)) - 2


def _conv_elu(c_in: int, c_out: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, stride, 1), nn.ELU()]


def _began_decoder(h: int, n: int, scales: int, channels: int, repeats: int) -> nn.Sequential:
    """h → linear to [n, 8, 8] → per scale: ``repeats`` × (3×3 conv n, ELU), then ×2 nearest
    up-sampling (not after the last) → 3×3 conv to ``channels``, linear output."""
    layers: list[nn.Module] = [nn.Linear(h, n * 8 * 8), nn.Unflatten(1, (n, 8, 8))]
    for s in range(scales):
        for _ in range(repeats):
            layers += _conv_elu(n, n)
        if s < scales - 1:
            layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
    layers.append(nn.Conv2d(n, channels, 3, 1, 1))
    return nn.Sequential(*layers)


def _glorot_(module: nn.Module) -> None:
    """Glorot-uniform weights, zero biases (tf.contrib.slim's defaults, which carpedm20's layers use)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)


@MODELS.register("began_small_discriminator")
class BEGANSmallDiscriminator(EnergyDiscriminator):
    """x: [N, C, H, W] → energy [N]. The one-convolution auto-encoder of the public MNIST BEGANs
    (hwalsuklee/tensorflow-generative-model-collections BEGAN.py, "(64)4c2s-FC32_BR-FC64*14*14_BR-(1)4dc2s_S"):
    a 4×4 stride-2 conv of ``width`` filters with ReLU, a fully connected ``code`` with batch norm and ReLU, a fully
    connected layer back to ``width`` maps of half the side with batch norm and ReLU, and a 4×4 stride-2 transposed
    conv to C channels; ``out="sigmoid"`` for images in [0, 1] (that code's), ``"linear"`` otherwise. Weights
    N(0, 0.02), biases 0 (that code's ops.py). Fakes pass through it as a batch of their own, so the code's batch
    norm sees a batch of one repeated image as the mean code."""

    def __init__(self, *, in_shape: Sequence[int], width: int = 64, code: int = 32, energy: str = "l2",
                 out: str = "sigmoid") -> None:
        super().__init__()
        self.energy = _check_energy(energy, "began_small_discriminator")
        if out not in ("sigmoid", "linear"):
            raise GanforgeError(f"began_small_discriminator: out must be 'sigmoid' or 'linear', got {out!r}")
        _halvings(in_shape, 1, "began_small_discriminator")
        c, h, w = in_shape
        half = (width, h // 2, w // 2)
        self.encoder = nn.Sequential(nn.Conv2d(c, width, 4, 2, 1), nn.ReLU(), nn.Flatten(),
                                     nn.Linear(width * h * w // 4, code), nn.BatchNorm1d(code), nn.ReLU())
        self.decoder = nn.Sequential(nn.Linear(code, width * h * w // 4), nn.BatchNorm1d(width * h * w // 4), nn.ReLU(),
                                     nn.Unflatten(1, half), nn.ConvTranspose2d(width, c, 4, 2, 1),
                                     *([nn.Sigmoid()] if out == "sigmoid" else []))
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                nn.init.zeros_(m.bias)


@MODELS.register("began_generator")
class BEGANGenerator(GeneratorBase):
    """z: [N, z_dim] ~ U[−1, 1] → x: [N, C, H, W], trained towards [−1, 1] (linear output, no
    tanh, as carpedm20's decoder). ``n`` filters per conv, ``repeats`` convs per scale."""

    out_range = (-1.0, 1.0)

    def __init__(self, *, z_dim: int, out_shape: Sequence[int], n: int = 128, repeats: int = 2,
                 z_dist: str = "uniform", out_bias_from_data: bool = False) -> None:
        super().__init__()
        self.z_dim, self.z_dist, self.out_shape = z_dim, z_dist, tuple(out_shape)
        self.out_bias_from_data = out_bias_from_data
        scales = _began_scales(self.out_shape, "began_generator")
        self.body = _began_decoder(z_dim, n, scales, self.out_shape[0], repeats)
        _glorot_(self)

    def init_from_data(self, mean: Tensor) -> None:
        """With ``out_bias_from_data``: the output conv's bias = the data's mean value per channel
        (mapped to [−1, 1]), so that G starts at the data's mean brightness. Images far from
        zero-centred (MNIST: −0.74) otherwise leave G's first samples grey, the auto-encoder
        reconstructs them badly, k_t falls to 0 and G collapses to one image (what carpedm20's
        issue #12 reports for MNIST)."""
        if self.out_bias_from_data:
            with torch.no_grad():
                self.body[-1].bias.copy_(mean.reshape(mean.shape[0], -1).mean(1) * 2 - 1)

    def forward(self, z: Tensor) -> Tensor:
        return self.body(z)


@MODELS.register("began_discriminator")
class BEGANDiscriminator(EnergyDiscriminator):
    """x: [N, C, H, W] in [−1, 1] → energy [N] (``l1``: BEGAN's L(v) = |v − D(v)|, mean per pixel).
    Encoder: 3×3 conv n, ELU; per scale s (width n·(s+1)): ``repeats`` × (3×3 conv, ELU), then a
    stride-2 3×3 conv of the same width (not after the last scale; carpedm20's layout); linear to the ``h``-dim embedding. Decoder: as
    ``began_generator``. ``batch_norm``: batch norm after every encoder conv but the input one and on
    the embedding, as the public MNIST BEGANs normalise their auto-encoders (the paper has none)."""

    def __init__(self, *, in_shape: Sequence[int], n: int = 128, h: int = 64, repeats: int = 2,
                 energy: str = "l1", batch_norm: bool = False) -> None:
        super().__init__()
        self.energy = _check_energy(energy, "began_discriminator")
        scales = _began_scales(in_shape, "began_discriminator")
        c = in_shape[0]
        layers = _conv_elu(c, n)
        width = n

        def conv(c_in: int, c_out: int, stride: int = 1) -> list[nn.Module]:
            block = _conv_elu(c_in, c_out, stride)
            return [block[0], nn.BatchNorm2d(c_out), block[1]] if batch_norm else block

        for s in range(scales):
            out = n * (s + 1)
            for _ in range(repeats):
                layers += conv(width, out)
                width = out
            if s < scales - 1:
                layers += conv(width, width, stride=2)  # the width grows at the next scale's first conv
        layers += [nn.Flatten(), nn.Linear(width * 8 * 8, h)]
        if batch_norm:  # over the batch, per unit of the code: a batch of one image is coded as the mean code
            layers.append(nn.BatchNorm1d(h))
        self.encoder = nn.Sequential(*layers)
        self.decoder = _began_decoder(h, n, scales, c, repeats)
        _glorot_(self)
