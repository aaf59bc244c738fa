"""Energy-based discriminators: EBGAN's margin loss (Zhao, Mathieu & LeCun, 2017, Eq. 1–2) and
BEGAN's boundary-equilibrium losses (Berthelot, Schumm & Metz, 2017, Eq. 4).

Here D is an auto-encoder and its raw output is an *energy*: the per-example reconstruction
error, [N], **lower = more real** (the opposite of the other families' "higher = more real"
score). The arguments keep the family-wide names ``real_logits`` / ``fake_logits`` for these
energies. The recipes that use this family (``ebgan``, ``began``) build such a D and pass the
margin or k_t. Every function returns a scalar its player minimises.

EBGAN:  L_D = E[D(x)] + E[[m − D(G(z))]⁺]           L_G = E[D(G(z))]  (+ λ_PT · f_PT)
BEGAN:  L_D = L(x) − k_t · L(G(z))                   L_G = L(G(z))
        k_{t+1} = clip(k_t + λ_k (γ L(x) − L(G(z))), 0, 1),  M_global = L(x) + |γ L(x) − L(G(z))|
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from . import LossFamily, register_family


def d_margin(*, real_logits: Tensor, fake_logits: Tensor, margin: float) -> Tensor:
    """EBGAN's D loss: the energy of real examples plus the hinge [m − D(G(z))]⁺ per fake
    example (Eq. 1), averaged over the batch. A fake whose energy is ≥ m adds nothing."""
    return real_logits.mean() + F.relu(margin - fake_logits).mean()


def g_energy(*, fake_logits: Tensor) -> Tensor:
    """EBGAN's and BEGAN's G loss: the mean energy of the fakes (Eq. 2 of EBGAN, L_G of BEGAN)."""
    return fake_logits.mean()


def d_boundary_equilibrium(*, real_logits: Tensor, fake_logits: Tensor, k: Tensor | float) -> Tensor:
    """BEGAN's D loss L(x) − k_t · L(G(z)) (Eq. 4); ``k`` is not differentiated."""
    k = k.detach() if isinstance(k, Tensor) else k
    return real_logits.mean() - k * fake_logits.mean()


def equilibrium_update(k: Tensor, *, real_loss: Tensor, fake_loss: Tensor, gamma: float, lambda_k: float) -> Tensor:
    """k_{t+1} = clip(k_t + λ_k (γ L(x) − L(G(z))), 0, 1): proportional control that keeps
    E[L(G(z))] = γ E[L(x)]. Returns a new tensor (k_t is left untouched)."""
    balance = gamma * real_loss.detach() - fake_loss.detach()
    return torch.clamp(k + lambda_k * balance, 0.0, 1.0)


def convergence_measure(*, real_loss: Tensor, fake_loss: Tensor, gamma: float) -> Tensor:
    """BEGAN's M_global = L(x) + |γ L(x) − L(G(z))| (Sec. 3.4.1): the reconstruction of real data
    plus the distance from equilibrium; it falls as the images improve."""
    real_loss, fake_loss = real_loss.detach(), fake_loss.detach()
    return real_loss + (gamma * real_loss - fake_loss).abs()


def energy_stats(*, real_logits: Tensor, fake_logits: Tensor) -> dict[str, Tensor]:
    """Mean energy (reconstruction error) of real and fake examples."""
    return {"energy_real": real_logits.detach().float().mean(), "energy_fake": fake_logits.detach().float().mean()}


def _needs_recipe(**_) -> Tensor:
    from ..errors import GanforgeError

    raise GanforgeError("loss 'energy' reads D as an auto-encoder's energy, and its D loss takes a parameter (EBGAN's "
                        "margin, BEGAN's k_t) that only a recipe's own D step supplies")


register_family(LossFamily(
    name="energy",
    d_loss=_needs_recipe,  # the recipes' own steps set the margin (EBGAN) or k_t (BEGAN)
    g_losses={"energy": g_energy},
    default_g="energy", stats=energy_stats, probabilistic=False, realness_threshold=None,
    doc="EBGAN / BEGAN: D is an auto-encoder whose score is an energy (lower = more real)",
    extra={"d_loss_from_recipe": True},  # a recipe must declare own_d_loss (Recipe) to use this family
))
