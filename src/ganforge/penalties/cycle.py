"""CycleGAN's reconstruction terms (Zhu et al., ICCV 2017), added to the generators' loss.

Cycle consistency (Eq. 2): L_cyc = E‖F(G(a)) − a‖₁ + E‖G(F(b)) − b‖₁, weighted by λ = 10.
Identity mapping (Sec. 5.2, from Taigman et al.): L_idt = E‖G(b) − b‖₁ + E‖F(a) − a‖₁, weighted
by 0.5·λ in the authors' code (``lambda_identity`` 0.5 times λ_A, λ_B). ‖·‖₁ is the mean absolute
difference per pixel (``torch.nn.L1Loss``), as in the authors' code. Pure: tensors in, scalar out.

Semantic consistency (not CycleGAN's; CyCADA, Hoffman et al., ICML 2018, Eq. 4, with a fixed
classifier per domain): L_sem = CE(f_B(G(a)), argmax f_A(a)) + CE(f_A(F(b)), argmax f_B(b)), the
translation read by its target domain's classifier must be the class its source's classifier read.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def cycle_loss(*, real_a: Tensor, rec_a: Tensor, real_b: Tensor, rec_b: Tensor) -> Tensor:
    """real_a, rec_a = F(G(real_a)): [N, C, H, W] (domain A); real_b, rec_b = G(F(real_b)) (domain B).
    Returns mean|rec_a − real_a| + mean|rec_b − real_b| (unweighted)."""
    return (rec_a - real_a).abs().mean() + (rec_b - real_b).abs().mean()


def identity_loss(*, real_a: Tensor, same_a: Tensor, real_b: Tensor, same_b: Tensor) -> Tensor:
    """same_a = F(real_a), same_b = G(real_b): each generator fed an image of its target domain
    should leave it alone. Returns mean|same_a − real_a| + mean|same_b − real_b| (unweighted)."""
    return (same_a - real_a).abs().mean() + (same_b - real_b).abs().mean()


def semantic_loss(*, f_a, f_b, real_a: Tensor, fake_b: Tensor, real_b: Tensor, fake_a: Tensor) -> Tensor:
    """f_a, f_b: frozen classifiers (images as they take them → logits) of domains A and B; the
    labels come from the real images (no gradient), the gradient reaches the translations only.
    Returns the sum of the two mean cross-entropies (unweighted)."""
    labels_a, labels_b = f_a(real_a.detach()).argmax(1), f_b(real_b.detach()).argmax(1)
    return F.cross_entropy(f_b(fake_b), labels_a) + F.cross_entropy(f_a(fake_a), labels_b)
