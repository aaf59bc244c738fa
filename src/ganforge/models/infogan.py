"""InfoGAN's MNIST networks (Chen et al., 2016, App. C.1, Table 1; openai/InfoGAN,
infogan/models/regularized_gan.py, network_type "mnist").

G: input 74 (62 noise + 10-way one-hot categorical code + 2 continuous codes) → FC 1024 ReLU BN
→ FC 7·7·128 ReLU BN → 4×4 upconv 64 stride 2 ReLU BN → 4×4 upconv C stride 2 → sigmoid.
D: 4×4 conv 64 stride 2 lReLU → 4×4 conv 128 stride 2 BN lReLU → FC 1024 BN lReLU → FC 1.
Q shares D's trunk: FC 128 BN lReLU → FC to the code parameters.

The same shapes are the DCGAN authors' MNIST networks (Newmu/dcgan_code, mnist/train_cond_dcgan.py, without its
class inputs): 5×5 kernels (``kernel=5``), batch norm without a learned gain and shift (``bn_affine=False``),
LeakyReLU 0.2 and a head without bias (``head_bias=False``) in D.

Sizes other than 28×28: the base map is H/4 × W/4 (the released code's ``image_size / 4``), so
height and width must be multiples of 4. Layer order follows the released code (layer, BN,
activation). Init as the released code's custom ops: weights N(0, 0.02) (its convolutions use a
truncated normal at ±2σ; a plain normal here), biases 0, BN scale N(1, 0.02), shift 0.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import GanforgeError
from ..registry import MODELS
from .base import GeneratorBase, sample_noise
from .dcgan import _kernel_padding, dcgan_init_


def _quarter(shape: Sequence[int], which: str) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise GanforgeError(f"{which} is convolutional and needs image data [C, H, W], got shape {tuple(shape)}")
    c, h, w = shape
    if h % 4 or w % 4 or h < 8 or w < 8:
        raise GanforgeError(
            f"{which} cannot take {h}×{w} images: height and width must be multiples of 4 and at least 8 "
            f"(two stride-2 layers; e.g. 28 or 32); resize with --set data.image_size=28"
        )
    return c, h // 4, w // 4


def _down(c_in: int, c_out: int, kernel: int) -> nn.Conv2d:
    """A stride-2 convolution that halves H and W: 4×4 (InfoGAN) or 5×5 (DCGAN's MNIST script)."""
    return nn.Conv2d(c_in, c_out, kernel, 2, _kernel_padding(kernel, "infogan_discriminator")[0])


def _up(c_in: int, c_out: int, kernel: int) -> nn.ConvTranspose2d:
    """A stride-2 transposed convolution that doubles H and W."""
    pad, out_pad = _kernel_padding(kernel, "infogan_generator")
    return nn.ConvTranspose2d(c_in, c_out, kernel, 2, pad, output_padding=out_pad)


@MODELS.register("infogan_generator")
class InfoGANGenerator(GeneratorBase):
    """z: [N, z_dim] = cat(noise, one-hot categorical codes, continuous codes) → x: [N, C, H, W] in [0, 1].

    ``sample(n)`` draws that layout itself (noise and continuous codes U[−1, 1], the categorical
    code uniform; ``y`` fixes the categorical code), as training/latent.py's ``g_args`` builds it.
    """

    out_range = (0.0, 1.0)

    def __init__(
        self,
        *,
        z_dim: int = 74,  # App. C.1: "62 noise variables" + 10 + 2 codes, "a concatenated dimension of 74"
        out_shape: Sequence[int] = (1, 28, 28),  # App. C.1: MNIST
        fc_width: int = 1024,  # Table 1: FC. 1024 RELU. batchnorm
        base_channels: int = 128,  # Table 1: FC. 7×7×128 RELU. batchnorm
        up_channels: int = 64,  # Table 1: 4×4 upconv. 64 RELU. stride 2. batchnorm
        n_categorical: int = 10,  # §7.2: c1 ~ Cat(K = 10, p = 0.1); used by sample() only
        n_continuous: int = 2,  # §7.2: c2, c3 ~ Unif(−1, 1); used by sample() only
        z_dist: str = "uniform",  # openai/InfoGAN run_mnist_exp.py: Uniform(62) samples U[−1, 1] (paper: unstated)
        kernel: int = 4,  # Table 1: 4×4 upconv (DCGAN's MNIST script: 5×5)
        bn_affine: bool = True,  # DCGAN's MNIST script normalises without a learned gain and shift
    ) -> None:
        super().__init__()
        self.z_dim, self.z_dist, self.out_shape = z_dim, z_dist, tuple(out_shape)
        self.n_categorical, self.n_continuous = n_categorical, n_continuous
        if z_dim - n_categorical - n_continuous < 1:
            raise GanforgeError(
                f"infogan_generator: z_dim={z_dim} must exceed the codes' width ({n_categorical} + {n_continuous}); "
                f"z_dim is the full input, e.g. 62 noise + 10 + 2 = 74"
            )
        c, h0, w0 = _quarter(self.out_shape, "infogan_generator")
        self.base = (base_channels, h0, w0)
        self.fc = nn.Sequential(
            nn.Linear(z_dim, fc_width), nn.BatchNorm1d(fc_width, affine=bn_affine), nn.ReLU(),
            nn.Linear(fc_width, base_channels * h0 * w0), nn.BatchNorm1d(base_channels * h0 * w0, affine=bn_affine),
            nn.ReLU(),
        )
        self.up = nn.Sequential(
            _up(base_channels, up_channels, kernel), nn.BatchNorm2d(up_channels, affine=bn_affine), nn.ReLU(),
            _up(up_channels, c, kernel),
        )
        dcgan_init_(self)

    def forward(self, z: Tensor) -> Tensor:
        # the released code's output is a MeanBernoulli: sigmoid(logits), and it "samples" the mean
        return torch.sigmoid(self.up(self.fc(z).view(z.shape[0], *self.base)))

    def sample(self, n: int, *, y: Tensor | None = None, generator: torch.Generator | None = None) -> Tensor:
        device = next(self.parameters()).device
        noise_dim = self.z_dim - self.n_categorical - self.n_continuous
        noise = sample_noise(n, noise_dim, self.z_dist, device=device, generator=generator)
        parts = [noise]
        if self.n_categorical:
            cat = torch.randint(0, self.n_categorical, (n,), device=device, generator=generator) if y is None \
                else y.to(device).long()
            parts.append(F.one_hot(cat, self.n_categorical).to(noise.dtype))
        parts.append(torch.rand(n, self.n_continuous, device=device, generator=generator) * 2 - 1)
        return self(torch.cat(parts, dim=1))


def _norm(norm: str, batch_norm: type[nn.Module], width: int, affine: bool) -> nn.Module:
    return batch_norm(width, affine=affine) if norm == "batch" else nn.Identity()


@MODELS.register("infogan_discriminator")
class InfoGANDiscriminator(nn.Module):
    """x: [N, C, H, W] in [0, 1] → raw scores [N]; ``aux=True``: (scores, h [N, 1024]), h the trunk
    features that ``infogan_q`` reads."""

    def __init__(
        self,
        *,
        in_shape: Sequence[int] = (1, 28, 28),
        channels: tuple[int, int] = (64, 128),  # Table 1: 4×4 conv. 64, then 4×4 conv. 128 (stride 2)
        fc_width: int = 1024,  # Table 1: FC. 1024 lRELU. batchnorm
        leak: float = 0.1,  # App. C: "lRELU with leaky rate 0.1" (openai/InfoGAN's leaky_rectify: 0.01)
        kernel: int = 4,  # Table 1: 4×4 conv (DCGAN's MNIST script: 5×5)
        bn_affine: bool = True,  # DCGAN's MNIST script normalises without a learned gain and shift
        head_bias: bool = True,  # DCGAN's MNIST script: the output unit has no bias
        norm: str = "batch",  # none: no batch norm (a WGAN-GP critic, or spectral norm in its place)
    ) -> None:
        super().__init__()
        if norm not in ("batch", "none"):
            raise GanforgeError(f"unknown norm {norm!r} for infogan_discriminator; valid: batch, none")
        c, h, w = _quarter(in_shape, "infogan_discriminator")
        self.in_shape, self.features = tuple(in_shape), fc_width
        c1, c2 = channels
        self.trunk = nn.Sequential(
            _down(c, c1, kernel), nn.LeakyReLU(leak),  # no BN on the input layer (Table 1)
            _down(c1, c2, kernel), _norm(norm, nn.BatchNorm2d, c2, bn_affine), nn.LeakyReLU(leak),
            nn.Flatten(),
            nn.Linear(c2 * h * w, fc_width), _norm(norm, nn.BatchNorm1d, fc_width, bn_affine), nn.LeakyReLU(leak),
        )
        self.head = nn.Linear(fc_width, 1, bias=head_bias)
        dcgan_init_(self)

    def forward(self, x: Tensor, y: Tensor | None = None, aux: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        if y is not None:
            raise GanforgeError("infogan_discriminator is unconditional: the codes reach Q, not D; call it as D(x)")
        h = self.trunk(x)
        scores = self.head(h).squeeze(1)
        return (scores, h) if aux else scores


@MODELS.register("infogan_q")
class InfoGANQ(nn.Module):
    """h: [N, in_features] (D's trunk features) → {"cat_logits": [N, K], "cont_mean": [N, n_continuous]}.

    The continuous codes' posterior is a Gaussian with std fixed to 1: the released MNIST code
    declares them ``Uniform(1, fix_std=True)`` and its ``activate_dist`` then sets stddev = 1 (the
    network still emits a std unit per code there, unused; it is left out here). The paper's
    App. C describes a learned std through an exponential; not used for MNIST's released run.
    """

    def __init__(
        self,
        *,
        in_features: int = 1024,  # Table 1: Q reads D's FC 1024 layer
        hidden: int = 128,  # Table 1: "FC.128-batchnorm-lRELU-FC.output for Q"
        n_categorical: int = 10,  # §7.2: c1 ~ Cat(K = 10)
        n_continuous: int = 2,  # §7.2: c2, c3 ~ Unif(−1, 1)
        leak: float = 0.1,  # App. C: lReLU leaky rate 0.1 (released code: 0.01)
    ) -> None:
        super().__init__()
        if n_categorical < 0 or n_continuous < 0 or n_categorical + n_continuous == 0 or n_categorical == 1:
            raise GanforgeError(
                f"infogan_q needs at least one code: n_categorical (0 or ≥ 2, got {n_categorical}) and "
                f"n_continuous (≥ 0, got {n_continuous})"
            )
        self.n_categorical, self.n_continuous = n_categorical, n_continuous
        self.body = nn.Sequential(nn.Linear(in_features, hidden), nn.BatchNorm1d(hidden), nn.LeakyReLU(leak))
        self.out = nn.Linear(hidden, n_categorical + n_continuous)
        dcgan_init_(self)

    def forward(self, h: Tensor) -> dict[str, Tensor]:
        params = self.out(self.body(h))
        return {"cat_logits": params[:, : self.n_categorical], "cont_mean": params[:, self.n_categorical:]}
