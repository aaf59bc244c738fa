"""The relativistic pairing GAN loss (RpGAN; Jolicoeur-Martineau, 2019, the "relativistic
standard GAN"), as R3GAN uses it (Huang, Gokaslan, Kuleshov & Tompkin, 2024, Eq. 2).

Each real x is paired with one fake G(z) of the same batch position, and D scores the pair by the
difference of its raw outputs: D minimises E[f(D(G(z)) − D(x))], G minimises E[f(D(x) − D(G(z)))],
with f = softplus (f(t) = log(1 + e^t)). The two players' losses are the same function of the
pair with the roles swapped, so G's step needs D's scores of real data too (a fresh real batch:
R3GAN's released Trainer.AccumulateGeneratorGradients). With R1 and R2 (``d_penalties.r1`` and
``.r2``) the loss is R3GAN's well-behaved objective; without them the paper's Sec. 2 shows it
still fails to converge locally.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from . import LossFamily, register_family
from .least_squares import score_stats


def _paired(a: Tensor, b: Tensor) -> Tensor:
    if a.shape != b.shape:
        from ..errors import GanforgeError

        raise GanforgeError(f"the relativistic pairing loss pairs each real with one fake: got {a.shape[0]} reals and "
                            f"{b.shape[0]} fakes (drop train.g_batch_size, or set it to the batch size)")
    return a - b


def d_rpgan(*, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    return F.softplus(_paired(fake_logits, real_logits)).mean()


def g_rpgan(*, fake_logits: Tensor, real_logits: Tensor) -> Tensor:
    return F.softplus(_paired(real_logits, fake_logits)).mean()


def rpgan_stats(*, real_logits: Tensor, fake_logits: Tensor) -> dict[str, Tensor]:
    """The raw scores, and the share of pairs D ranks the right way round (real above its fake)."""
    out = score_stats(real_logits=real_logits, fake_logits=fake_logits)
    out["d_pair_right"] = (real_logits.detach() > fake_logits.detach()).float().mean()
    return out


RPGAN = register_family(LossFamily(
    name="rpgan", d_loss=d_rpgan, g_losses={"rpgan": g_rpgan}, default_g="rpgan", stats=rpgan_stats,
    probabilistic=False, relativistic=True, realness_threshold=None,
    doc="Jolicoeur-Martineau 2019 / Huang et al. 2024 (R3GAN); D: softplus(D(G(z)) − D(x)), G: softplus(D(x) − D(G(z)))",
))
