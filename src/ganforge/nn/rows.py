"""An input layer that can skip the input gradient of rows that need none.

The simultaneous step (the 2014 GAN's released update) scores cat(real, fake) in one D pass and
backpropagates into the fakes, for G. Autograd then computes D's input gradient for all rows, though
the real rows' share is thrown away at the concatenation: for the 2014 MLP D on MNIST that is half of
its largest backward product (200 × 1200 × 784). Inside ``rows_without_input_grad(n)`` an
``InputLinear`` computes the input gradient of rows n: only (the others get zeros, which nothing
reads); its weight and bias gradients and its output are those of ``nn.Linear``. Only a network's
input layer may do this — deeper layers need every row's gradient for the weights below them — so a
model marks that layer itself (models/mlp.py)."""

from __future__ import annotations

import contextlib
import threading

import torch
import torch.nn.functional as F
from torch import Tensor, nn

_state = threading.local()


@contextlib.contextmanager
def rows_without_input_grad(n: int):
    """Within: the first ``n`` rows of an input layer's input need no gradient."""
    before = getattr(_state, "n", 0)
    _state.n = n
    try:
        yield
    finally:
        _state.n = before


class _TailRowsLinear(torch.autograd.Function):
    """x W^T + b whose backward gives x's gradient for rows start: only."""

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor | None, start: int) -> Tensor:
        device = x.device.type
        if torch.is_autocast_enabled(device):  # as autocast would run F.linear: in its lower precision
            dtype = torch.get_autocast_dtype(device)
            x, weight = x.to(dtype), weight.to(dtype)
            bias = None if bias is None else bias.to(dtype)
        ctx.save_for_backward(x, weight)
        ctx.start, ctx.has_bias = start, bias is not None
        with torch.autocast(device, enabled=False):
            return F.linear(x, weight, bias)

    @staticmethod
    def backward(ctx, grad: Tensor):
        x, weight = ctx.saved_tensors
        grad = grad.to(x.dtype)
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = x.new_zeros(x.shape)
            torch.mm(grad[ctx.start:], weight, out=grad_x[ctx.start:])
        if ctx.needs_input_grad[1]:
            grad_w = grad.t().mm(x)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = grad.sum(0)
        return grad_x, grad_w, grad_b, None  # autograd casts them to the parameters' own dtypes


class InputLinear(nn.Linear):
    """``nn.Linear`` for a network's input layer (same parameters, same state dict); see the module
    docstring for what it does inside ``rows_without_input_grad``."""

    def forward(self, x: Tensor) -> Tensor:
        start = getattr(_state, "n", 0)
        if 0 < start < x.shape[0] and x.dim() == 2 and x.requires_grad and torch.is_grad_enabled():
            return _TailRowsLinear.apply(x, self.weight, self.bias, start)
        return super().forward(x)
