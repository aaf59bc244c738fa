"""Both players from one minibatch and one D pass, applied together: the 2014 GAN's released
update (pylearn2's AdversaryCost2 computes D's and G's objectives on the same samples, with the
same dropout masks, and SGD applies both updates at once), open to every standard recipe through
``update_order: simultaneous``.

Where one backward through D can serve both players (``RowLink``), the step hands the trainer
its own backward for the group (``training.players.GroupStep``): D's loss back to D's parameters
and to the fakes, and G's gradient at the fakes as that, row-scaled. Same gradients up to
rounding, one pass through D instead of two, and no host sync: a row whose scale is out of range
is capped on the device (reported as ``g_rows_capped``) instead of the step being redone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from ..training.context import StepContext
from ..training.players import GroupStep
from .steps import d_terms_on, g_terms_on


def simultaneous_step(ctx: StepContext) -> GroupStep:
    """D's and G's loss terms from one real batch, one latent draw and one D pass."""
    real, y_real = ctx.batch()
    lat = ctx.latent()
    fake = ctx.generate(lat)
    # one D pass over cat(real, fake) where D has no batch statistics (as d_logits decides): G's
    # backward then also runs through the real rows (zero gradient; +9% FLOPs), but the step was
    # faster alone here — fp32 16.3 → 15.7 ms, bf16-mixed 14.1 → 11.8 ms — as D's weight gradient is
    # one GEMM over 200 rows instead of two over 100 and a sum, and bf16 casts D's weights once
    d, parts = d_terms_on(ctx, real, y_real, fake, lat)
    g = g_terms_on(ctx, fake, parts["fake_logits"], real_logits=parts["real_logits"])
    logits = parts["fake_logits"]
    shared = ctx.joint_d_forward and len(d) == 1 and len(g) == 1 and logits.numel() == fake.shape[0]
    return GroupStep({"D": d, "G": g}, backward=RowLink(fake, logits, ctx.report).backward if shared else None)


@dataclass
class RowLink:
    """How a simultaneous step's two losses meet, when one backward through D can serve both.

    Holds when D scores each row on its own (no batch statistics: ``joint_d_forward``), gives one
    scalar per row, and both losses reach ``fake`` only through ``logits`` (no regulariser terms).
    Then row i of dL/dfake is (dL/dl_i)·(dl_i/dfake_i) for either loss: G's gradient at ``fake`` is
    D's, row i scaled by (dL_G/dl_i) / (dL_D/dl_i), and G's loss need not be backpropagated
    through D a second time. Same gradients, up to rounding."""

    fake: Tensor  # G's output as D read it (the end of G's graph)
    logits: Tensor  # D's scores of those rows, [N] or [N, 1]
    report: Callable[[str, Tensor], None] = lambda name, value: None  # ctx.report

    # the ratio stays within fp32's (and bf16's) range with room for D's backward below it. Beyond it
    # (D sure a fake is fake by more than ~27 logits under the minimax loss, or D's slope underflowing
    # to 0) the row's scale is capped at ±MAX_RATIO (0 where both slopes are 0): G's gradient for that
    # row keeps its direction and loses size. Deciding on the host to take a second pass through D
    # instead would read a flag back every step; the share of capped rows is reported instead
    MAX_RATIO = 1e12

    def row_scale(self, d_loss: Tensor, g_loss: Tensor) -> Tensor:
        """(dL_G/dl_i) / (dL_D/dl_i) per row, shaped to broadcast over ``fake``, capped at
        ±MAX_RATIO where a row's D slope is 0 or the ratio is out of range (no host sync)."""
        g_d, = torch.autograd.grad(d_loss, self.logits, retain_graph=True)
        g_g, = torch.autograd.grad(g_loss, self.logits, retain_graph=True)
        ratio = g_g.float().reshape(-1) / g_d.float().reshape(-1)
        in_range = ratio.abs() <= self.MAX_RATIO  # False for NaN too
        self.report("g_rows_capped", 1.0 - in_range.float().mean())
        ratio = torch.nan_to_num(ratio, nan=0.0).clamp(-self.MAX_RATIO, self.MAX_RATIO)
        return ratio.view(-1, *[1] * (self.fake.dim() - 1))

    def backward(self, losses: dict[str, Tensor], params: dict[str, list], run_backward) -> bool:
        """The group's backward (``training.players.GroupBackward``): D's and G's gradients from one
        pass through D."""
        scale = self.row_scale(losses["D"], losses["G"])
        run_backward(losses["D"], inputs=[*params["D"], self.fake])
        grad_fake = (self.fake.grad.float() * scale).to(self.fake.dtype)  # one rounding under bf16-true
        self.fake.grad = None
        run_backward((self.fake * grad_fake).sum(), inputs=params["G"])
        return True
