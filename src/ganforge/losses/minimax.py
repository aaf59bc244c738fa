"""The minimax loss of Goodfellow et al. (2014), Eq. (1), in logit form.

V(G, D) = E_x[log D(x)] + E_z[log(1 − D(G(z)))], with D(x) = sigmoid(real_logits).
log D = −softplus(−l) and log(1 − D) = −softplus(l) are the numerically stable forms of the
paper's sigmoid output followed by a log; they are mathematically identical.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from . import LossFamily, register_family


def d_minimax(*, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """D's loss −V(G, D): −E[log D(x)] − E[log(1 − D(G(z)))] (Algorithm 1, D ascends V)."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def g_saturating(*, fake_logits: Tensor) -> Tensor:
    """The minimax G objective as written in Eq. (1): minimise E[log(1 − D(G(z)))].

    Its gradient vanishes as D(G(z)) → 0, which is why the paper (Sec. 3) recommends the
    non-saturating form early in training.
    """
    return -F.softplus(fake_logits).mean()


def g_non_saturating(*, fake_logits: Tensor) -> Tensor:
    """The paper's practical G objective: maximise log D(G(z)), i.e. minimise −E[log D(G(z))].

    Same fixed point as the saturating form (D(G(z)) = 1/2 at equilibrium), much stronger
    gradient when D confidently rejects the samples.
    """
    return F.softplus(-fake_logits).mean()


def minimax_stats(*, real_logits: Tensor, fake_logits: Tensor) -> dict[str, Tensor]:
    """Mean D(x), mean D(G(z)) as probabilities, and the minibatch estimate of V(G, D)."""
    real_logits = real_logits.detach().float()
    fake_logits = fake_logits.detach().float()
    value = -(F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean())
    return {
        "d_real": torch.sigmoid(real_logits).mean(),
        "d_fake": torch.sigmoid(fake_logits).mean(),
        "value": value,
    }


MINIMAX = register_family(
    LossFamily(
        name="minimax",
        d_loss=d_minimax,
        g_losses={"non_saturating": g_non_saturating, "saturating": g_saturating},
        default_g="non_saturating",
        stats=minimax_stats,
        probabilistic=True,
        doc="Goodfellow et al. 2014, Eq. (1); G: saturating log(1−D(G(z))) or non-saturating −log D(G(z))",
    )
)
