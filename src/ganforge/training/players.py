"""A player: the networks one optimiser updates, and its step.

The trainer runs ``for player in players: repeats × (step → sum of terms → backward → optimiser
step → after_update)`` each outer step, for any number of players with any names. Two players
(D then G) make Algorithm 1 of Goodfellow et al. (2014) (``recipes/standard.py``); a player may
own several networks (InfoGAN's D and Q; CycleGAN's two translators).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import Tensor, nn

from .context import StepContext

# a group's own backward: (each player's summed loss, each player's parameters, the trainer's
# backward(loss, inputs=...)) → True when it took every gradient, False to leave it to the trainer
GroupBackward = Callable[[dict[str, Tensor], dict[str, list[nn.Parameter]], Callable[..., None]], bool]


@dataclass
class Player:
    name: str  # "D", "G", "Q", ...: names its statistics (d_loss, grad_norm_D, lr_D) and checkpoint keys
    nets: tuple[str, ...]  # the networks whose parameters its optimiser updates
    step: Callable[[StepContext], dict[str, Tensor]] | None  # → named loss terms, summed by the trainer
    repeats: int = 1  # updates per outer step (k D steps per G step, or the reverse)
    after_update: Callable[[StepContext], None] | None = None  # clipping, an image pool's push
    repeats_at: Callable[[StepContext], int] | None = None  # when the count varies (reads host-side counters only)
    opt: str | None = None  # its optimiser settings: cfg.opt[opt]; None: cfg.opt[name]

    @property
    def opt_key(self) -> str:
        return self.opt or self.name


@dataclass
class GroupStep:
    """What a simultaneous group's step returns: each player's named loss terms from one shared
    forward pass, and optionally the group's own ``backward`` for this step's graph (the 2014 GAN's
    one pass back through D for both players: ``recipes/simultaneous.py``)."""

    terms: dict[str, dict[str, Tensor]]
    backward: GroupBackward | None = None


@dataclass
class Simultaneous:
    """Several players updated together: ``step(ctx)`` returns {player name: named terms} (or a
    ``GroupStep``) from one shared forward pass; every player's gradients (its own terms, its own
    networks only) are taken before any optimiser steps, then all step. This is how the 2014 GAN's
    released code (pylearn2's SGD over AdversaryCost2) trained; the players' own ``step`` fields
    are unused."""

    players: list[Player]
    step: Callable[[StepContext], "dict[str, dict[str, Tensor]] | GroupStep"]
    repeats: int = 1

    @property
    def name(self) -> str:
        return "+".join(p.name for p in self.players)
