"""CycleGAN's reconstruction terms (Zhu et al., ICCV 2017), added to the generators' loss.

Cycle consistency (Eq. 2): L_cyc = E‖F(G(a)) − a‖₁ + E‖G(F(b)) − b‖₁, weighted by λ = 10.
Identity mapping (Sec. 5.2, from Taigman et al.): L_idt = E‖G(b) − b‖₁ + E‖F(a) − a‖₁, weighted
by 0.5·λ in the authors' code (``lambda_identity`` 0.5 times λ_A, λ_B). ‖·‖₁ is the mean absolute
difference per pixel (``torch.nn.L1Loss``), as in the authors' code. Pure: tensors in, scalar out.
"""

from __future__ import annotations

from torch import Tensor


def cycle_loss(*, real_a: Tensor, rec_a: Tensor, real_b: Tensor, rec_b: Tensor) -> Tensor:
    """real_a, rec_a = F(G(real_a)): [N, C, H, W] (domain A); real_b, rec_b = G(F(real_b)) (domain B).
    Returns mean|rec_a − real_a| + mean|rec_b − real_b| (unweighted)."""
    return (rec_a - real_a).abs().mean() + (rec_b - real_b).abs().mean()


def identity_loss(*, real_a: Tensor, same_a: Tensor, real_b: Tensor, same_b: Tensor) -> Tensor:
    """same_a = F(real_a), same_b = G(real_b): each generator fed an image of its target domain
    should leave it alone. Returns mean|same_a − real_a| + mean|same_b − real_b| (unweighted)."""
    return (same_a - real_a).abs().mean() + (same_b - real_b).abs().mean()
