"""Regularisers: named, weighted terms added to a player's loss, and post-update hooks.

A penalty is a pure function ``fn(*, D, D_fake, real, fake, real_logits, fake_logits) -> scalar``
(``D`` scores with the real batch's classes, ``D_fake`` with those the fakes were drawn for: they differ
only for a conditional D; G's: ``fn(*, G, fake, fake_logits)``) registered in ``PENALTIES``, with attributes ``player`` ("D" or
"G": which of ``d_penalties`` / ``g_penalties`` may name it) and ``per_example`` (True when batch
norm in D would corrupt it); the config names them with weights
(``--set d_penalties.gp=10``) and the standard D step adds ``weight · fn(...)`` as its own term.
"""

from __future__ import annotations

import contextlib

import torch
from torch import Tensor

from ..errors import GanforgeError
from ..registry import Registry

PENALTIES: Registry = Registry("penalty")


def regulariser_schedule(name: str, spec) -> tuple[float, int]:
    """A config entry → (weight, every). ``10`` means weight 10 on every update;
    ``{weight: 5, every: 16}`` is a lazy regulariser (StyleGAN2, Karras et al. 2020, Sec. 3.1)."""
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return float(spec), 1
    if isinstance(spec, dict) and set(spec) <= {"weight", "every"} and "weight" in spec:
        weight, every = spec["weight"], spec.get("every", 1)
        if isinstance(weight, (int, float)) and not isinstance(weight, bool) and isinstance(every, int) and every >= 1:
            return float(weight), every
    raise GanforgeError(f"regulariser {name}: expected a weight (a number) or {{weight: W, every: K}} with K ≥ 1, "
                        f"got {spec!r}")



def input_grad(scores: Tensor, x: Tensor) -> Tensor:
    """∂ scores.sum() / ∂x with create_graph=True: the input gradient a penalty on D's slope is made of.

    D is usually Fabric's wrapper, which, under a precision or strategy that needs it (bf16-mixed,
    16-mixed), checks that every gradient through it comes from ``fabric.backward``. This inner gradient
    is part of D's loss, which does go through ``fabric.backward`` afterwards, so the check is lifted
    while it is taken (Fabric's own flag for "inside fabric.backward")."""
    with _inside_fabric_backward():
        (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
    return grad


@contextlib.contextmanager
def _inside_fabric_backward():
    try:
        from lightning_fabric import wrappers
    except ImportError:  # no Fabric, no check
        yield
        return
    if not hasattr(wrappers, "_in_fabric_backward"):  # a Fabric without the check
        yield
        return
    before = wrappers._in_fabric_backward
    wrappers._in_fabric_backward = True
    try:
        yield
    finally:
        wrappers._in_fabric_backward = before


from . import drift, gradient_penalty, orthogonal, r1, r2  # noqa: E402,F401
from .clip import clip_weights_  # noqa: E402,F401
