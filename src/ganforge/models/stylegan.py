"""StyleGAN's generator (Karras, Laine & Aila, "A Style-Based Generator Architecture for
Generative Adversarial Networks", CVPR 2019; NVlabs/stylegan, training/networks_stylegan.py,
G_style / G_mapping / G_synthesis) and, through ``pggan_discriminator`` with ``blur``, its D.

Mapping network f: z (pixel-normalised) → w through 8 equalised dense layers of 512 with
LeakyReLU 0.2 and a learning-rate multiplier of 0.01. Synthesis network g: a learned constant
4×4 input; at every resolution two 3×3 convolutions (the first after nearest up-sampling and
followed by the [1, 2, 1] blur: the paper's bilinear up-sampling), each followed by per-pixel
noise with learned per-channel scales, a bias, LeakyReLU, and AdaIN driven by w through its own
affine map; toRGB 1×1 per resolution. The synthesis grows like PGGAN (``progress``; v1 of the
paper). Each of the 2·levels layers takes its own w (``ws``: [N, layers, w_dim]):

- style mixing (training only): with probability 0.9 a second z's w drives the layers from a
  random crossover point on (among the layers in use), as the authors' G_style does;
- truncation (sampling only): w' = w̄ + ψ(w − w̄) on the first ``truncation_cutoff`` layers (all
  when None), w̄ the running mean of w during training (β = 0.995), kept as a buffer.

``style="demod"`` replaces AdaIN by StyleGAN2's weight demodulation (Karras et al. 2020, Sec. 2.2;
``nn.style.ModulatedConv2d``): each layer's 3×3 convolution is modulated by its w and demodulated, and
no instance norm follows; the layer on the constant gets such a convolution too (so every w still
drives one layer, two per resolution, where StyleGAN2 has one convolution at 4×4), and the LeakyReLU
carries StyleGAN2's gain √2. Up-sampling stays v1's (nearest, convolution, blur), toRGB stays
unmodulated. An option for data where AdaIN fails, not StyleGAN2 itself.

``const_input=False`` replaces the learned constant by a dense layer of the first layer's w (gain √2/4, as the
authors' ``const_input_layer=False``; the paper's Table 1 keeps a latent-driven input up to config C).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..errors import GanforgeError
from ..nn.equalized import SQRT2, EqualizedConv2d, EqualizedLinear
from ..nn.pixel_norm import pixel_norm
from ..nn.style import AdaIN, Blur, ModulatedConv2d, NoiseInput
from ..registry import MODELS
from .base import GeneratorBase
from .progressive import Growing, feature_maps, lrelu, n_levels, upscale2d

NOISE_MODES = ("random", "const", "none")
STYLES = ("adain", "demod")


class StyleLayer(nn.Module):
    """style "adain" (v1): [up → conv 3×3 → blur] or [conv 3×3] or nothing (the constant), then
    noise, bias, LeakyReLU 0.2 and AdaIN(·, w) (the authors' layer_epilogue). style "demod": [up →
    modulated conv 3×3 → blur] or [modulated conv 3×3], then noise, bias and LeakyReLU 0.2 × √2."""

    def __init__(self, c_in: int, c_out: int, w_dim: int, res: int, *, conv: bool, up: bool, noise: bool,
                 style: str = "adain") -> None:
        super().__init__()
        self.style = style
        if style == "demod":
            self.conv = ModulatedConv2d(w_dim, c_in, c_out, 3)
        else:
            self.conv = EqualizedConv2d(c_in, c_out, 3, bias=False) if conv else None
        self.blur = Blur() if up else None
        self.noise = NoiseInput(c_out) if noise else None
        self.bias = nn.Parameter(torch.zeros(c_out))
        if style != "demod":  # registered last, as before the option: older runs' optimiser states keep their order
            self.adain = AdaIN(w_dim, c_out)
        # the fixed noise images of noise="const" (the authors' noise_inputs variables)
        self.register_buffer("fixed_noise", torch.randn(1, 1, res, res))

    @property
    def affine(self) -> nn.Module:
        """The layer's map A from w to its style."""
        return self.conv.affine if self.style == "demod" else self.adain.affine

    def forward(self, x: Tensor, w: Tensor, noise: str = "random") -> Tensor:
        demod = self.style == "demod"
        if self.conv is not None:
            if self.blur is not None:
                x = upscale2d(x)
            x = self.conv(x, w) if demod else self.conv(x)
            if self.blur is not None:
                x = self.blur(x)
        if self.noise is not None and noise != "none":
            fixed = self.fixed_noise.to(x.dtype).expand(x.shape[0], -1, -1, -1) if noise == "const" else None
            x = self.noise(x, fixed)
        x = lrelu(x + self.bias.view(1, -1, 1, 1))
        return x * SQRT2 if demod else self.adain(x, w)


@MODELS.register("stylegan_generator")
class StyleGenerator(GeneratorBase, Growing):
    out_range = (-1.0, 1.0)

    def __init__(self, *, z_dim: int, out_shape: tuple[int, ...], z_dist: str = "normal", w_dim: int = 512,
                 mapping_layers: int = 8, mapping_lr_mult: float = 0.01, fmap_base: int = 8192,
                 fmap_decay: float = 1.0, fmap_max: int = 512, use_noise: bool = True,
                 style_mixing_prob: float = 0.9, w_avg_beta: float = 0.995, truncation_psi: float = 1.0,
                 truncation_cutoff: int | None = None, const_input: bool = True, style: str = "adain") -> None:
        super().__init__()
        if style not in STYLES:
            raise GanforgeError(f"stylegan_generator: style must be one of {STYLES}, got {style!r}; "
                                f"e.g. --set G.args.style=demod")
        self.z_dim, self.z_dist, self.out_shape, self.w_dim = z_dim, z_dist, tuple(out_shape), w_dim
        self.levels = n_levels(self.out_shape, "stylegan_generator")
        self.num_layers = 2 * self.levels
        self.style_mixing_prob, self.w_avg_beta = style_mixing_prob, w_avg_beta
        self.truncation_psi, self.truncation_cutoff = truncation_psi, truncation_cutoff
        nf = feature_maps(fmap_base, fmap_decay, fmap_max)
        self.mapping = nn.ModuleList([EqualizedLinear(z_dim if i == 0 else w_dim, w_dim, lr_mult=mapping_lr_mult)
                                      for i in range(mapping_layers)])
        self.register_buffer("w_avg", torch.zeros(w_dim))
        if const_input:
            self.const = nn.Parameter(torch.ones(1, nf(1), 4, 4))
        else:  # the authors' const_input_layer=False (the paper's Table 1, config C): a dense layer of the first w
            self.input = EqualizedLinear(w_dim, nf(1) * 16, gain=SQRT2 / 4, bias=False)
        layers = []
        for i in range(self.levels):
            res, c_in, c_out = 4 * 2**i, nf(max(i, 1)), nf(i + 1)
            layers.append(StyleLayer(c_in, c_out, w_dim, res, conv=i > 0, up=i > 0, noise=use_noise,
                                     style=style))
            layers.append(StyleLayer(c_out, c_out, w_dim, res, conv=True, up=False, noise=use_noise,
                                     style=style))
        self.layers = nn.ModuleList(layers)
        self.to_rgb = nn.ModuleList([EqualizedConv2d(nf(i + 1), out_shape[0], 1, gain=1.0)
                                     for i in range(self.levels)])
        self._init_progress()

    # ------------------------------------------------------------------ the two networks
    def map(self, z: Tensor) -> Tensor:
        """f: z [N, z_dim] → w [N, w_dim]."""
        x = pixel_norm(z)
        for layer in self.mapping:
            x = lrelu(layer(x))
        return x

    def synthesis(self, ws: Tensor, noise: str = "random") -> Tensor:
        """g: ws [N, num_layers, w_dim] (or w [N, w_dim] for every layer) → images at the data's
        resolution. noise: "random" (fresh N(0, 1) images), "const" (the fixed ones) or "none"."""
        if noise not in NOISE_MODES:
            raise ValueError(f"noise must be one of {NOISE_MODES}, got {noise!r}")
        if ws.dim() == 2:
            ws = ws.unsqueeze(1).expand(-1, self.num_layers, -1)
        top, alpha = self.fade()
        if hasattr(self, "const"):
            x = self.const.expand(ws.shape[0], -1, -1, -1)
        else:
            x = self.input(ws[:, 0]).view(ws.shape[0], -1, 4, 4)
        prev = x
        for i in range(top + 1):
            prev = x
            x = self.layers[2 * i](x, ws[:, 2 * i], noise)
            x = self.layers[2 * i + 1](x, ws[:, 2 * i + 1], noise)
        img = self.to_rgb[top](x)
        if alpha < 1.0:
            img = torch.lerp(upscale2d(self.to_rgb[top - 1](prev)).to(img.dtype), img, alpha)
        return upscale2d(img, 2 ** (self.levels - 1 - top))

    def truncate(self, ws: Tensor, psi: float, cutoff: int | None = None) -> Tensor:
        """w̄ + ψ(w − w̄) on the first ``cutoff`` layers (all when None)."""
        cutoff = self.num_layers if cutoff is None else cutoff
        out = ws.clone()
        avg = self.w_avg.to(ws.dtype)
        out[:, :cutoff] = avg + psi * (ws[:, :cutoff] - avg)
        return out

    def layers_in_use(self) -> int:
        return 2 * (self.fade()[0] + 1)

    def forward(self, z: Tensor, *, psi: float | None = None, noise: str = "random") -> Tensor:
        w = self.map(z)
        ws = w.unsqueeze(1).repeat(1, self.num_layers, 1)
        if self.training:
            if self.w_avg_beta is not None:
                with torch.no_grad():
                    self.w_avg.lerp_(w.detach().mean(dim=0).to(self.w_avg.dtype), 1.0 - self.w_avg_beta)
            if self.style_mixing_prob > 0 and float(torch.rand(())) < self.style_mixing_prob:
                # torch's global stream (checkpointed): the second z and the crossover layer
                cut = int(torch.randint(1, self.layers_in_use(), ())) if self.layers_in_use() > 1 else 1
                w2 = self.map(torch.randn(z.shape, device=z.device, dtype=z.dtype))
                ws[:, cut:] = w2.unsqueeze(1)
        else:
            psi = self.truncation_psi if psi is None else psi
            if psi != 1.0:
                ws = self.truncate(ws, psi, self.truncation_cutoff)
        return self.synthesis(ws, noise)
