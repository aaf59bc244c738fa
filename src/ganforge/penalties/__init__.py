"""Regularisers: named, weighted terms added to a player's loss, and post-update hooks.

A penalty is a pure function ``fn(*, D, real, fake, real_logits, fake_logits) -> scalar`` (G's:
``fn(*, G, fake, fake_logits)``) registered in ``PENALTIES``, with attributes ``player`` ("D" or
"G": which of ``d_penalties`` / ``g_penalties`` may name it) and ``per_example`` (True when batch
norm in D would corrupt it); the config names them with weights
(``--set d_penalties.gp=10``) and the standard D step adds ``weight · fn(...)`` as its own term.
"""

from __future__ import annotations

from ..registry import Registry

PENALTIES: Registry = Registry("penalty")

from . import drift, gradient_penalty, orthogonal, r1  # noqa: E402,F401
from .clip import clip_weights_  # noqa: E402,F401
