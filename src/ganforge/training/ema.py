"""Exponential moving average of a network's weights (Karras et al. 2018; Yazıcı et al. 2019;
BigGAN's G_ema): after each outer step, θ_ema ← d·θ_ema + (1 − d)·θ, with d = 0 (a plain copy)
before ``start`` steps. With ``half_life`` (images) the decay follows the step's batch instead:
d = 0.5^(images / half_life), StyleGAN's G_smoothing_kimg (0.5^(minibatch / 10⁴) at 10k images), so
the average spans the same number of images whatever the minibatch at each resolution.
Buffers (batch-norm statistics, spectral-norm vectors) are copied, as
StyleGAN2-ADA does, or averaged like the weights (``buffers="average"``: BigGAN-PyTorch's
``ema`` averages the whole state dict; integer buffers such as BN's batch count are copied).
Spectral norm's power-iteration vectors are copied in both modes: torch's spectral norm divides
by uᵀWv with the stored u and v as they are outside training, so an average of unit vectors
that changed sign during the run (their norm fell to 0.33 in a BigGAN MNIST run) inflated that
layer's weights ~9× and the EMA generator drew noise (FID 76.8 against 12.7 with the vectors
copied); BigGAN-PyTorch's own spectral norm renormalises them at every call, so averaging is
harmless there.
The EMA network is what samples, ``load``, ``sample`` and
``eval`` use when a run has one."""

from __future__ import annotations

import copy

import torch
from torch import nn


def _power_iteration(name: str) -> bool:
    """A spectral-norm power-iteration vector: torch.nn.utils.parametrizations' ``…parametrizations.
    weight.0._u`` / ``_v``, or the older torch.nn.utils.spectral_norm's ``weight_u`` / ``weight_v``."""
    parts = name.split(".")
    return ("parametrizations" in parts and parts[-1] in ("_u", "_v")) or parts[-1] in ("weight_u", "weight_v")


class EMA:
    def __init__(self, net: nn.Module, *, decay: float | None, start: int = 0, buffers: str = "copy",
                 half_life: float | None = None) -> None:
        from ..errors import GanforgeError

        if half_life is not None and decay is not None:
            raise GanforgeError(f"train.ema_decay={decay} and train.ema_half_life={half_life} are both set; keep one "
                                f"(e.g. --set train.ema_half_life=null for a fixed decay per step)")
        if half_life is not None and not half_life > 0:
            raise GanforgeError(f"train.ema_half_life is in images and must be > 0, got {half_life}")
        if half_life is None and not (decay is not None and 0.0 <= decay < 1.0):
            raise GanforgeError(f"train.ema_decay must be in [0, 1), got {decay}")
        if buffers not in ("copy", "average"):
            raise GanforgeError(f"train.ema_buffers must be copy or average, got {buffers!r}")
        self.decay, self.start, self.average_buffers = decay, start, buffers == "average"
        self.half_life = half_life
        # fp32 even when training runs in bf16-true: a bf16 copy would round 0.9999·θ back to θ
        self.net = copy.deepcopy(net).float().eval().requires_grad_(False)
        # which buffers an average may touch, decided once: floating-point ones but power-iteration vectors
        self._averaged = [b.is_floating_point() and not _power_iteration(n) for n, b in self.net.named_buffers()]

    @torch.no_grad()
    def update(self, net: nn.Module, step: int, images: int | None = None) -> None:
        """``step``: outer steps completed, including the one just taken; ``images``: the real images
        that step used (read with a half-life)."""
        d = self.decay_for(images) if step > self.start else 0.0
        ema_p = list(self.net.parameters())
        src_p = [p.float() for p in net.parameters()]
        if d == 0.0:
            torch._foreach_copy_(ema_p, src_p)
        else:
            torch._foreach_mul_(ema_p, d)
            torch._foreach_add_(ema_p, src_p, alpha=1.0 - d)
        for b_ema, b, averaged in zip(self.net.buffers(), net.buffers(), self._averaged):
            if self.average_buffers and d > 0.0 and averaged:
                b_ema.mul_(d).add_(b.float(), alpha=1.0 - d)
            else:
                b_ema.copy_(b)

    def decay_for(self, images: int | None) -> float:
        """The decay of one update that used ``images`` real images."""
        if self.half_life is None:
            return self.decay
        if images is None:
            raise ValueError("an EMA with a half-life in images needs the images of each update")
        return 0.5 ** (images / self.half_life)

    def state_dict(self) -> dict:
        return self.net.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.net.load_state_dict(state)
