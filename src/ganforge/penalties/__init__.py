"""Regularisers: named, weighted terms added to a player's loss, and post-update hooks.

A penalty is a pure function ``fn(*, D, real, fake, real_logits, fake_logits) -> scalar``
registered in ``PENALTIES``; the config names them with weights
(``--set d_penalties.gp=10``) and the standard D step adds ``weight · fn(...)`` as its own term.
"""

from __future__ import annotations

from ..registry import Registry

PENALTIES: Registry = Registry("penalty")

from . import gradient_penalty, r1  # noqa: E402,F401
from .clip import clip_weights_  # noqa: E402,F401
