"""ADA's adaptive augmentation probability (Karras et al. 2020, Sec. 3): the overfitting heuristic
r_t = E[sign(D(x_real))] over D's last ``interval`` steps (on the augmented reals D trains on);
p moves by sign(r_t − target) · (batch · interval) / (kimg · 1000) after each interval and stays in
[0, 1], so p can go from 0 to 1 in ``kimg`` thousand real images. The paper's target is 0.6 and
its speed 500k images. p and the running sums are recipe state: checkpointed, resumed exactly,
and updated on the device without a host sync (each rank holds the ranks' mean)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ..errors import GanforgeError


@dataclass
class AdaController:
    P = "augment_p"
    SIGNS, SEEN = "augment_sign_sum", "augment_sign_n"

    p0: float
    target: float | None  # None: p stays at p0
    interval: int
    step_size: float  # how far p moves in one adjustment
    threshold: float  # D's raw score above which a real counts as called real

    @property
    def adaptive(self) -> bool:
        return self.target is not None

    @classmethod
    def from_args(cls, args: dict, batch_size: int, family) -> "AdaController":
        p0, target, interval, kimg = args["p"], args["target"], args["interval"], args["kimg"]
        if not isinstance(p0, (int, float)) or isinstance(p0, bool) or not 0 <= p0 <= 1:
            raise GanforgeError(f"augment_args.p={p0!r}: the starting probability must be in [0, 1]")
        if target is not None and (not isinstance(target, (int, float)) or not -1 < target < 1):
            raise GanforgeError(f"augment_args.target={target!r}: r_t lies in [-1, 1]; the paper's target is 0.6 "
                                f"(null keeps p fixed at augment_args.p)")
        if not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
            raise GanforgeError(f"augment_args.interval={interval!r}: D steps between adjustments, an integer ≥ 1 (paper: 4)")
        if not isinstance(kimg, (int, float)) or isinstance(kimg, bool) or not kimg > 0:
            raise GanforgeError(f"augment_args.kimg={kimg!r}: thousands of real images for p to move from 0 to 1, > 0 "
                                f"(paper: 500)")
        if target is not None and family.realness_threshold is None:
            raise GanforgeError(f"augment=ada adapts p from the sign of D's score of reals, which means nothing for the "
                                f"{family.name} loss; keep p fixed (--set augment_args.target=null augment_args.p=0.3) "
                                f"or use augment=diffaugment")
        threshold = family.realness_threshold if family.realness_threshold is not None else 0.0
        return cls(float(p0), None if target is None else float(target), interval,
                   batch_size * interval / (kimg * 1000), float(threshold))

    def initial_state(self) -> dict[str, Tensor]:
        return {self.P: torch.tensor(self.p0), self.SIGNS: torch.tensor(0.0), self.SEEN: torch.tensor(0.0)}

    def observe(self, ctx, real_logits: Tensor) -> None:
        """Add this D step's signs; after every ``interval``-th D update, move p and start again."""
        signs = torch.sign(real_logits.detach().float().reshape(real_logits.shape[0], -1)[:, 0] - self.threshold)
        state = ctx.state
        state[self.SIGNS].add_(signs.sum())
        state[self.SEEN].add_(signs.numel())
        if (ctx.updates.get(ctx.player, 0) + 1) % self.interval:
            return
        r_t = ctx.global_mean(state[self.SIGNS] / state[self.SEEN].clamp(min=1))
        state[self.P].copy_((state[self.P] + torch.sign(r_t - self.target) * self.step_size).clamp(0, 1))
        state[self.SIGNS].zero_()
        state[self.SEEN].zero_()
        ctx.report("augment_rt", r_t)
