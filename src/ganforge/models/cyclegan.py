"""CycleGAN's networks (Zhu, Park, Isola & Efros, ICCV 2017, Sec. 4 and App. 7.2).

``cyclegan_resnet``: an image-to-image generator, Johnson et al.'s ResNet as the paper gives it:
c7s1-64, d128, d256, R256 × n_blocks (6 at 128², 9 at 256²), u128, u64, c7s1-3; instance norm
without affine parameters, reflection padding, tanh output in [−1, 1]. It maps ``in_shape`` to
``out_shape``: when the two domains differ in size (MNIST 28×28 ↔ scikit-learn's 8×8 digits) the
input is first resampled to the output's size (area average down, bilinear up) and the network
runs at the output size. The 8×8 digits are themselves 4×4 block counts of 32×32 bitmaps, so
averaging is how that domain was made; the network learns the rest of the style.

``frame`` (an option, not the paper's): the box [h, w] that the larger domain's content fills,
centred in its image. MNIST draws each digit inside a 20×20 box in the middle of 28×28, the 8×8
digits fill their whole frame; with ``frame=[20, 20]`` the resampling down crops that box first
and the resampling up fills it, padding the margin with black (−1), so that the two framings
match before the network runs (the paper names geometric change as CycleGAN's weak point, Sec. 5.3).

``upsample`` (an option, not the paper's): ``"transpose"`` (the paper's u128, u64: 3×3 convs of stride ½)
or ``"nearest"``: nearest-neighbour ×2, then a 3×3 conv with reflection padding (the "resize-convolution" of
Odena, Dumoulin & Olah, Distill 2016, "Deconvolution and Checkerboard Artifacts", which the CycleGAN authors
point users to for the checkerboard texture: junyanz/pytorch-CycleGAN-and-pix2pix issues #78 and #190). A 3×3
kernel of stride 2 overlaps unevenly, so a transposed conv paints every other pixel from a different number of
taps; after a nearest-neighbour copy every output pixel sees the same number.

``patchgan``: the 70×70 PatchGAN of pix2pix: C64-C128-C256-C512 (4×4 convs, stride 2 except the
last, which has stride 1), instance norm on all but the first, LeakyReLU 0.2, then a 4×4 conv to
one channel. It returns one raw score per overlapping patch, [N, H', W'] (30×30 at 256²). With
``n_layers`` (the authors' ``n_layers_D``) fewer layers see smaller patches (16×16 at 1).

Weights N(0, 0.02), biases 0 (App. 7.1; the authors' ``init_weights``, init_gain 0.02).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import GanforgeError
from ..registry import MODELS


def init_normal_(module: nn.Module, std: float = 0.02) -> None:
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def _norm(channels: int) -> nn.Module:
    # the authors' "instance" norm: affine=False, track_running_stats=False (same in train and eval)
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


class ResidualBlock(nn.Module):
    """R_k: two 3×3 convs with reflection padding and instance norm, plus the input."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), _norm(channels), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), _norm(channels))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


_UPSAMPLERS = {
    "transpose": lambda c_in, c_out: [nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=1)],
    "nearest": lambda c_in, c_out: [nn.Upsample(scale_factor=2, mode="nearest"), nn.ReflectionPad2d(1),
                                    nn.Conv2d(c_in, c_out, 3)],
}


def _check_frame(frame, in_shape, out_shape) -> tuple[int, int] | None:
    """``frame`` as (h, w), checked against the larger of the two domains."""
    if frame is None:
        return None
    big = max(in_shape[1:], out_shape[1:], key=lambda hw: hw[0] * hw[1])
    small = min(in_shape[1:], out_shape[1:], key=lambda hw: hw[0] * hw[1])
    ok = isinstance(frame, (list, tuple)) and len(frame) == 2 and all(isinstance(v, int) for v in frame)
    if not ok or not (small[0] <= frame[0] <= big[0] and small[1] <= frame[1] <= big[1]) or big == small:
        raise GanforgeError(f"cyclegan_resnet: frame must be [h, w], the box that the larger domain's content fills, "
                            f"between the smaller image's size {tuple(small)} and the larger's {tuple(big)} (domains of "
                            f"two sizes only); got {frame!r}. MNIST ↔ 8×8 digits: frame=[20, 20]")
    return int(frame[0]), int(frame[1])


@MODELS.register("cyclegan_resnet")
class ResnetTranslator(nn.Module):
    """x: [N, C_in, H_in, W_in] in [−1, 1] → [N, C_out, H_out, W_out] in [−1, 1]."""

    out_range = (-1.0, 1.0)
    z_dist = "normal"  # unused: a translator takes images, not noise
    n_classes = None
    translates = True

    def __init__(self, *, in_shape, out_shape, ngf: int = 64, n_blocks: int = 9, n_down: int = 2,
                 z_dim: int = 0, frame: list[int] | tuple[int, int] | None = None,
                 upsample: str = "transpose") -> None:
        super().__init__()
        self.in_shape, self.out_shape = tuple(in_shape), tuple(out_shape)
        if len(self.in_shape) != 3 or len(self.out_shape) != 3:
            raise GanforgeError(f"cyclegan_resnet translates images [C, H, W]; got shapes {in_shape} → {out_shape}")
        self.frame = _check_frame(frame, self.in_shape, self.out_shape)
        c_in, c_out = self.in_shape[0], self.out_shape[0]
        h, w = self.out_shape[1:]
        if n_blocks < 0 or n_down < 0 or ngf < 1:
            raise GanforgeError(f"cyclegan_resnet needs ngf ≥ 1, n_blocks ≥ 0, n_down ≥ 0; got {ngf}, {n_blocks}, {n_down}")
        if h % 2**n_down or w % 2**n_down:
            raise GanforgeError(f"cyclegan_resnet with n_down={n_down} needs an output size divisible by {2**n_down}, "
                                f"got {h}×{w}; change data.image_size or G.args.n_down")
        if min(h, w) // 2**n_down < 2 or min(h, w) < 4:
            raise GanforgeError(f"cyclegan_resnet: {h}×{w} is too small for n_down={n_down} (reflection padding needs "
                                f"≥ 2 pixels at the smallest scale); lower G.args.n_down")
        if upsample not in _UPSAMPLERS:
            raise GanforgeError(f"cyclegan_resnet: upsample must be one of {sorted(_UPSAMPLERS)}, got {upsample!r}")
        self.z_dim = z_dim
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(c_in, ngf, 7), _norm(ngf), nn.ReLU(True)]
        ch = ngf
        for _ in range(n_down):  # d128, d256: 3×3 stride-2 convs
            layers += [nn.Conv2d(ch, ch * 2, 3, stride=2, padding=1), _norm(ch * 2), nn.ReLU(True)]
            ch *= 2
        layers += [ResidualBlock(ch) for _ in range(n_blocks)]
        for _ in range(n_down):  # u128, u64: 3×3 fractional-stride convs (or resize-convolutions)
            layers += [*_UPSAMPLERS[upsample](ch, ch // 2), _norm(ch // 2), nn.ReLU(True)]
            ch //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ch, c_out, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        init_normal_(self)

    def resample(self, x: Tensor) -> Tensor:
        """The input at the output's size (identity when the domains have one size); with ``frame``,
        the larger image's centred box ↔ the whole of the smaller one."""
        size = tuple(self.out_shape[1:])
        if tuple(x.shape[2:]) == size:
            return x
        if x.shape[2] > size[0]:
            if self.frame is not None:
                top, left = (x.shape[2] - self.frame[0]) // 2, (x.shape[3] - self.frame[1]) // 2
                x = x[:, :, top:top + self.frame[0], left:left + self.frame[1]]
            return F.interpolate(x, size=size, mode="area")
        if self.frame is None:
            return F.interpolate(x, size=size, mode="bilinear", align_corners=False)
        x = F.interpolate(x, size=self.frame, mode="bilinear", align_corners=False)
        top, left = (size[0] - self.frame[0]) // 2, (size[1] - self.frame[1]) // 2
        return F.pad(x, (left, size[1] - self.frame[1] - left, top, size[0] - self.frame[0] - top), value=-1.0)

    def forward(self, x: Tensor) -> Tensor:
        if tuple(x.shape[1:]) != self.in_shape:
            raise GanforgeError(f"cyclegan_resnet takes images of shape {self.in_shape}, got {tuple(x.shape[1:])}")
        return self.net(self.resample(x))


@MODELS.register("patchgan")
class PatchDiscriminator(nn.Module):
    """x: [N, C, H, W] in [−1, 1] → raw patch scores [N, H', W'] (least-squares loss, no sigmoid)."""

    def __init__(self, *, in_shape, ndf: int = 64, n_layers: int = 3) -> None:
        super().__init__()
        if len(tuple(in_shape)) != 3:
            raise GanforgeError(f"patchgan scores images [C, H, W]; got shape {in_shape}")
        if n_layers < 1:
            raise GanforgeError(f"patchgan needs n_layers ≥ 1, got {n_layers}")
        c, h, w = in_shape
        self.n_layers = n_layers
        if patch_output_size(min(h, w), n_layers) < 1:
            raise GanforgeError(f"patchgan with n_layers={n_layers} needs images of at least "
                                f"{min_input_size(n_layers)}×{min_input_size(n_layers)} pixels, got {h}×{w}; "
                                f"lower D.args.n_layers")
        layers: list[nn.Module] = [nn.Conv2d(c, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers + 1):
            prev, mult = mult, min(2**n, 8)
            stride = 2 if n < n_layers else 1
            layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=stride, padding=1), _norm(ndf * mult),
                       nn.LeakyReLU(0.2, True)]
        layers.append(nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1))
        self.net = nn.Sequential(*layers)
        init_normal_(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).squeeze(1)


def patch_output_size(size: int, n_layers: int = 3) -> int:
    """The score map's side for an input side ``size`` (4×4 convs, padding 1)."""
    for _ in range(n_layers):  # stride-2 convs
        size = (size + 2 - 4) // 2 + 1
    for _ in range(2):  # the stride-1 conv and the output conv
        size = size + 2 - 4 + 1
    return size


def min_input_size(n_layers: int) -> int:
    """The smallest input side that leaves the PatchGAN a score map; found by doubling, then
    bisection (stepping by one took ~2^n_layers rounds: a large n_layers never returned)."""
    hi = 1
    while patch_output_size(hi, n_layers) < 1:
        hi *= 2
    lo = hi // 2  # patch_output_size(lo) < 1 unless hi == 1; the size grows with the input
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if patch_output_size(mid, n_layers) >= 1 else (mid, hi)
    return hi


def receptive_field(n_layers: int = 3) -> int:
    """The side of the input patch one score sees: 70 for the default three stride-2 layers."""
    rf, jump = 1, 1
    strides = [2] * n_layers + [1, 1]
    for s in strides:
        rf += 3 * jump  # kernel 4
        jump *= s
    return rf
