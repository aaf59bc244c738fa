"""StyleGAN's per-layer pieces (Karras, Laine & Aila 2019, Sec. 2 and 3.2; NVlabs/stylegan,
training/networks_stylegan.py): adaptive instance normalisation driven by w, per-pixel noise with a
learned per-channel scale, and the [1, 2, 1] low-pass filter used around up- and down-sampling; and
StyleGAN2's replacement for AdaIN, the modulated and demodulated convolution (Karras et al., "Analyzing
and Improving the Image Quality of StyleGAN", CVPR 2020, Sec. 2.2, Eq. 1–3; NVlabs/stylegan2,
training/networks_stylegan2.py modulated_conv2d_layer)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .equalized import EqualizedLinear


def instance_norm(x: Tensor, eps: float = 1e-8) -> Tensor:
    """Each feature map of each example to zero mean and unit mean square over its pixels."""
    x = x - x.mean(dim=(2, 3), keepdim=True)
    return x * torch.rsqrt(x.pow(2).mean(dim=(2, 3), keepdim=True) + eps)


class AdaIN(nn.Module):
    """AdaIN(x, y) = y_s · (x − μ(x)) / σ(x) + y_b (the paper's Eq. 1). The style y = (y_s, y_b)
    comes from w through a learned affine map A (an equalised dense layer, gain 1); as in the
    authors' code the scale is 1 + A(w)_s, so that a zero style leaves the normalised map as is."""

    def __init__(self, w_dim: int, channels: int) -> None:
        super().__init__()
        self.channels = channels
        self.affine = EqualizedLinear(w_dim, 2 * channels, gain=1.0)

    def style(self, w: Tensor) -> tuple[Tensor, Tensor]:
        """w [N, w_dim] → (y_s, y_b), each [N, C]."""
        s = self.affine(w)
        return s[:, : self.channels] + 1.0, s[:, self.channels :]

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        y_s, y_b = self.style(w)
        return instance_norm(x) * y_s[:, :, None, None] + y_b[:, :, None, None]


class ModulatedConv2d(nn.Module):
    """A k×k "same" convolution whose weights are scaled per example by the style s = A(w) on their
    input channels (w'_ijk = s_i·w_ijk) and, with ``demodulate``, divided by their expected output
    scale, w''_ijk = w'_ijk / √(Σ_ik w'_ijk² + ε) (StyleGAN2's Eq. 1 and 3): the statistics are
    normalised through the weights instead of the activations, so no feature map is instance-normalised.

    Run as scale inputs → shared convolution → scale outputs (the authors' ``fused_modconv=False``
    path, the same maps as the per-example grouped convolution). A is an equalised dense layer with
    gain 1 and bias 1, so that a zero w modulates by 1 (the authors' ``bias_init=1``)."""

    def __init__(self, w_dim: int, c_in: int, c_out: int, kernel_size: int = 3, *, demodulate: bool = True,
                 eps: float = 1e-8) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(c_out, c_in, kernel_size, kernel_size))
        self.scale = 1.0 / (c_in * kernel_size * kernel_size) ** 0.5
        self.affine = EqualizedLinear(w_dim, c_in, gain=1.0, bias_init=1.0)
        self.demodulate, self.eps, self.padding = demodulate, eps, kernel_size // 2

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        s = self.affine(w)  # [N, c_in]
        weight = self.weight * self.scale
        x = F.conv2d(x * s[:, :, None, None].to(x.dtype), weight.to(x.dtype), padding=self.padding)
        if self.demodulate:  # Σ_ik (s_i w_ijk)² = Σ_i s_i² Σ_k w_ijk²
            d = torch.rsqrt(s.pow(2) @ weight.pow(2).sum(dim=(2, 3)).t() + self.eps)  # [N, c_out]
            x = x * d[:, :, None, None].to(x.dtype)
        return x


class NoiseInput(nn.Module):
    """x + B·noise: one N(0, 1) image per example (shared by all channels), scaled per channel by
    learned factors B that start at 0 (the paper's Fig. 1b)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(channels))

    def forward(self, x: Tensor, noise: Tensor | None = None) -> Tensor:
        if noise is None:
            noise = torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], device=x.device, dtype=x.dtype)
        return x + noise * self.weight.view(1, -1, 1, 1)


class Blur(nn.Module):
    """Separable [1, 2, 1] ⊗ [1, 2, 1] / 16 filter, per channel, "same" padding (the authors' blur2d:
    bilinear up- and down-sampling as nearest / box sampling followed or preceded by this filter)."""

    def __init__(self) -> None:
        super().__init__()
        k = torch.tensor([1.0, 2.0, 1.0])
        self.register_buffer("kernel", (k[:, None] * k[None, :] / 16.0)[None, None], persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        c = x.shape[1]
        return F.conv2d(x, self.kernel.to(x.dtype).expand(c, 1, 3, 3), padding=1, groups=c)
