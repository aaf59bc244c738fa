"""Progressive Growing of GANs (Karras, Aila, Laine & Lehtinen, ICLR 2018): G and D for every
resolution from 4×4 up to the data's, built whole at the start, so that checkpoints and optimisers
see one fixed set of parameters; which blocks run is set by the ``progress`` buffer.

progress p ∈ [0, K] (K = log₂(R/4) for data of R×R): at an integer p = n the networks work at
4·2ⁿ; between n and n + 1 the block of level n + 1 fades in with α = p − n (the paper's Fig. 2):
G's image is (1 − α)·up(toRGB_n(x_n)) + α·toRGB_{n+1}(x_{n+1}), and D's features are
(1 − α)·fromRGB_n(down(x)) + α·block_{n+1}(fromRGB_{n+1}(x)). As in the authors' code
(tkarras/progressive_growing_of_gans, networks.py, "recursive" structure), G always returns the
data's resolution (nearest up-sampling of its current output) and D always takes it (box
down-sampling to its current input), so the trainer, samples and metrics see one shape; the
recipe serves the real images at the current resolution (``fade_reals``). The buffer is part of
the state dict, copied into the EMA network and restored with a checkpoint.

Layers follow the paper's Table 2 and the authors' G_paper / D_paper: equalised learning rate,
pixel norm after every convolution of G (and on z), LeakyReLU 0.2, 3×3 convolutions, 1×1
toRGB / fromRGB, nearest up-sampling, average-pool down-sampling, minibatch standard deviation
before D's last block; widths nf(stage) = min(fmap_base / 2^(stage·fmap_decay), fmap_max) with
8192, 1.0 and 512 (512 channels up to 32×32, halving above).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import GanforgeError
from ..nn.equalized import SQRT2, EqualizedConv2d, EqualizedLinear
from ..nn.host_scalar import HostScalar
from ..nn.minibatch_std import minibatch_stddev
from ..nn.pixel_norm import pixel_norm
from ..nn.style import Blur
from ..registry import MODELS
from .base import GeneratorBase


def upscale2d(x: Tensor, factor: int = 2) -> Tensor:
    """Nearest-neighbour up-sampling by an integer factor."""
    return x if factor == 1 else x.repeat_interleave(factor, dim=2).repeat_interleave(factor, dim=3)


def downscale2d(x: Tensor, factor: int = 2) -> Tensor:
    """Box (average-pool) down-sampling by an integer factor: the inverse of ``upscale2d``."""
    return x if factor == 1 else F.avg_pool2d(x, factor)


def fade_weights(progress: float) -> tuple[int, float]:
    """progress p → (top, α): the highest level that runs, and the weight of its new path
    (1 when that level is fully in). p = 2.25 → (3, 0.25); p = 2 → (2, 1.0)."""
    top = math.ceil(progress)
    return top, (1.0 if progress == top else progress - (top - 1))


def fade_reals(x: Tensor, progress: float, levels: int) -> Tensor:
    """Real images [N, C, R, R] as D should see them at ``progress`` (the authors' process_reals):
    box-filtered to the current level's resolution, during a fade blended with their own 2×
    coarser version by 1 − α, then nearest-up-sampled back to R×R. levels = K + 1."""
    top, alpha = fade_weights(progress)
    factor = 2 ** (levels - 1 - top)
    x = downscale2d(x, factor)
    if alpha < 1.0:
        x = torch.lerp(upscale2d(downscale2d(x)).to(x.dtype), x, alpha)
    return upscale2d(x, factor)


def n_levels(shape: tuple[int, ...], which: str) -> int:
    """Levels 4×4, 8×8, …, R×R of square power-of-two images of size R ≥ 4."""
    if len(shape) != 3 or shape[1] != shape[2] or shape[1] < 4 or shape[1] & (shape[1] - 1):
        raise GanforgeError(f"{which} grows square images of a power-of-two size ≥ 4, got shape {tuple(shape)}; "
                            f"set data.image_size, e.g. [32, 32]")
    return int(math.log2(shape[1])) - 1


def feature_maps(fmap_base: int, fmap_decay: float, fmap_max: int):
    def nf(stage: int) -> int:
        return min(int(fmap_base / (2.0 ** (stage * fmap_decay))), fmap_max)

    return nf


def lrelu(x: Tensor) -> Tensor:
    return F.leaky_relu(x, 0.2)


class Growing(nn.Module):
    """The ``progress`` buffer (a float; the full resolution, K, until a schedule sets it)."""

    levels: int

    def _init_progress(self) -> None:
        self.register_buffer("progress", torch.tensor(float(self.levels - 1)))
        self._progress_host = HostScalar()  # every forward reads progress: from the host, not the device

    def set_progress(self, p: float) -> None:
        if not 0.0 <= p <= self.levels - 1:
            raise ValueError(f"progress must be in [0, {self.levels - 1}], got {p}")
        self._progress_host.set(self.progress, p)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        loaded = state_dict.get(prefix + "progress")
        if isinstance(loaded, Tensor) and loaded.dim() == 0 and loaded.device.type == "cpu":  # a checkpoint's
            self._progress_host.remember(self.progress, loaded.item())

    def progress_value(self) -> float:
        """The ``progress`` buffer as a number (read from the device only after a write elsewhere:
        a loaded state dict, the EMA's copy)."""
        return float(self._progress_host.get(self.progress))

    def fade(self) -> tuple[int, float]:
        return fade_weights(self.progress_value())


class _GBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, pn: bool) -> None:
        super().__init__()
        self.conv0 = EqualizedConv2d(c_in, c_out, 3)
        self.conv1 = EqualizedConv2d(c_out, c_out, 3)
        self.pn = pn

    def forward(self, x: Tensor) -> Tensor:
        norm = pixel_norm if self.pn else (lambda t: t)
        x = norm(lrelu(self.conv0(upscale2d(x))))
        return norm(lrelu(self.conv1(x)))


@MODELS.register("pggan_generator")
class ProgressiveGenerator(GeneratorBase, Growing):
    out_range = (-1.0, 1.0)  # the authors' drange_net; the last layer is linear, as in the paper

    def __init__(self, *, z_dim: int, out_shape: tuple[int, ...], z_dist: str = "normal", fmap_base: int = 8192,
                 fmap_decay: float = 1.0, fmap_max: int = 512, normalize_latents: bool = True,
                 pixel_norm: bool = True) -> None:
        super().__init__()
        self.z_dim, self.z_dist, self.out_shape = z_dim, z_dist, tuple(out_shape)
        self.levels = n_levels(self.out_shape, "pggan_generator")
        nf = feature_maps(fmap_base, fmap_decay, fmap_max)
        self.normalize_latents, self.pn = normalize_latents, pixel_norm
        c0 = nf(1)
        # 4×4: dense to 4·4·nf(1) with gain √2/4 (the authors' value, "to match the original Theano
        # implementation"), a per-channel bias, then a 3×3 convolution
        self.dense = EqualizedLinear(z_dim, c0 * 16, gain=SQRT2 / 4, bias=False)
        self.dense_bias = nn.Parameter(torch.zeros(c0))
        self.conv = EqualizedConv2d(c0, c0, 3)
        self.blocks = nn.ModuleList([nn.Identity()] + [_GBlock(nf(i), nf(i + 1), pixel_norm)
                                                       for i in range(1, self.levels)])
        self.to_rgb = nn.ModuleList([EqualizedConv2d(nf(i + 1), out_shape[0], 1, gain=1.0)
                                     for i in range(self.levels)])
        self._init_progress()

    def _norm(self, x: Tensor) -> Tensor:
        return pixel_norm(x) if self.pn else x

    def forward(self, z: Tensor) -> Tensor:
        top, alpha = self.fade()
        x = pixel_norm(z) if self.normalize_latents else z
        x = self.dense(x).view(z.shape[0], -1, 4, 4) + self.dense_bias.view(1, -1, 1, 1)
        x = self._norm(lrelu(x))
        x = self._norm(lrelu(self.conv(x)))
        prev = x
        for i in range(1, top + 1):
            prev, x = x, self.blocks[i](x)
        img = self.to_rgb[top](x)
        if alpha < 1.0:
            img = torch.lerp(upscale2d(self.to_rgb[top - 1](prev)).to(img.dtype), img, alpha)
        return upscale2d(img, 2 ** (self.levels - 1 - top))


class _DBlock(nn.Module):
    """conv 3×3 → LReLU → conv 3×3 → LReLU → 2×2 average pool (PGGAN); with ``blur`` (StyleGAN's
    D_basic) the second convolution sees the [1, 2, 1]-blurred maps and is pooled before its
    bias and activation, as in the authors' conv2d_downscale2d."""

    def __init__(self, c_in: int, c_mid: int, c_out: int, blur: bool) -> None:
        super().__init__()
        self.conv0 = EqualizedConv2d(c_in, c_mid, 3)
        self.conv1 = EqualizedConv2d(c_mid, c_out, 3, bias=not blur)
        self.blur = Blur() if blur else None
        self.bias = nn.Parameter(torch.zeros(c_out)) if blur else None

    def forward(self, x: Tensor) -> Tensor:
        x = lrelu(self.conv0(x))
        if self.blur is None:
            return downscale2d(lrelu(self.conv1(x)))
        return lrelu(downscale2d(self.conv1(self.blur(x))) + self.bias.view(1, -1, 1, 1))


@MODELS.register("pggan_discriminator")
class ProgressiveDiscriminator(Growing):
    def __init__(self, *, in_shape: tuple[int, ...], fmap_base: int = 8192, fmap_decay: float = 1.0,
                 fmap_max: int = 512, mbstd_group_size: int = 16, mbstd_num_features: int = 1,
                 blur: bool = False) -> None:
        super().__init__()
        self.levels = n_levels(tuple(in_shape), "pggan_discriminator")
        nf = feature_maps(fmap_base, fmap_decay, fmap_max)
        c = in_shape[0]
        self.from_rgb = nn.ModuleList([EqualizedConv2d(c, nf(i + 1), 1) for i in range(self.levels)])
        self.blocks = nn.ModuleList([nn.Identity()] + [_DBlock(nf(i + 1), nf(i + 1), nf(i), blur)
                                                       for i in range(1, self.levels)])
        self.mbstd_group_size, self.mbstd_num_features = mbstd_group_size, mbstd_num_features
        # the stddev feature couples the examples of a batch: the trainer then scores reals and fakes in
        # separate passes (a joint pass would give both the same statistic, and D could not see low variety)
        self.batch_statistics = mbstd_group_size > 1
        extra = mbstd_num_features if mbstd_group_size > 1 else 0
        self.conv = EqualizedConv2d(nf(1) + extra, nf(1), 3)
        self.dense0 = EqualizedLinear(nf(1) * 16, nf(0))
        self.dense1 = EqualizedLinear(nf(0), 1, gain=1.0)
        self._init_progress()

    def forward(self, x: Tensor) -> Tensor:
        top, alpha = self.fade()
        x = downscale2d(x, 2 ** (self.levels - 1 - top))
        h = lrelu(self.from_rgb[top](x))
        if top > 0:
            h = self.blocks[top](h)
            if alpha < 1.0:
                # under autocast the skip path and the block's output can differ in dtype (bf16 / fp32): lerp wants one
                h = torch.lerp(lrelu(self.from_rgb[top - 1](downscale2d(x))).to(h.dtype), h, alpha)
            for i in range(top - 1, 0, -1):
                h = self.blocks[i](h)
        if self.mbstd_group_size > 1:
            h = minibatch_stddev(h, self.mbstd_group_size, self.mbstd_num_features)
        h = lrelu(self.conv(h))
        h = lrelu(self.dense0(h.flatten(1)))
        return self.dense1(h).squeeze(1)
