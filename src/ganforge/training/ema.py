"""Exponential moving average of a network's weights (Karras et al. 2018; Yazıcı et al. 2019;
BigGAN's G_ema): after each outer step, θ_ema ← d·θ_ema + (1 − d)·θ, with d = 0 (a plain copy)
before ``start`` steps. Buffers (batch-norm statistics, spectral-norm vectors) are copied, as
StyleGAN2-ADA does, or averaged like the weights (``buffers="average"``: BigGAN-PyTorch's ``ema``
averages the whole state dict; integer buffers such as BN's batch count are copied). The EMA network is what samples, ``load``, ``sample`` and
``eval`` use when a run has one."""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    def __init__(self, net: nn.Module, *, decay: float, start: int = 0, buffers: str = "copy") -> None:
        from ..errors import GanforgeError

        if not 0.0 <= decay < 1.0:
            raise GanforgeError(f"train.ema_decay must be in [0, 1), got {decay}")
        if buffers not in ("copy", "average"):
            raise GanforgeError(f"train.ema_buffers must be copy or average, got {buffers!r}")
        self.decay, self.start, self.average_buffers = decay, start, buffers == "average"
        # fp32 even when training runs in bf16-true: a bf16 copy would round 0.9999·θ back to θ
        self.net = copy.deepcopy(net).float().eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, net: nn.Module, step: int) -> None:
        """``step``: outer steps completed, including the one just taken."""
        d = self.decay if step > self.start else 0.0
        ema_p = list(self.net.parameters())
        src_p = [p.float() for p in net.parameters()]
        if d == 0.0:
            torch._foreach_copy_(ema_p, src_p)
        else:
            torch._foreach_mul_(ema_p, d)
            torch._foreach_add_(ema_p, src_p, alpha=1.0 - d)
        for b_ema, b in zip(self.net.buffers(), net.buffers()):
            if self.average_buffers and d > 0.0 and b_ema.is_floating_point():
                b_ema.mul_(d).add_(b.float(), alpha=1.0 - d)
            else:
                b_ema.copy_(b)

    def state_dict(self) -> dict:
        return self.net.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.net.load_state_dict(state)
