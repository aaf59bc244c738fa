"""A player: one optimiser, the networks it updates, and its step.

The trainer runs ``for player in players: repeat × (step → sum of terms → backward → optimiser
step → after_update)`` each outer step. Two players (D then G) make Algorithm 1 of Goodfellow
et al. (2014); a player may own several networks (InfoGAN's D and Q; CycleGAN's two G).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import Tensor

from ..config import Config
from ..errors import GanforgeError
from .context import StepContext
from .steps import simultaneous_step, standard_after_d_update, standard_d_step, standard_g_step


@dataclass
class Player:
    name: str  # "D", "G", ...: names its statistics (d_loss, grad_norm_D, lr_D) and checkpoint keys
    nets: tuple[str, ...]  # the networks whose parameters its optimiser updates
    opt: str  # the config attribute holding its optimiser settings ("opt_D", "opt_G")
    repeats: int  # updates per outer step (k D steps per G step, or the reverse)
    step: Callable[[StepContext], dict[str, Tensor]]  # → named loss terms, summed by the trainer
    after_update: Callable[[StepContext], None] | None = None  # clipping, k_t update, image pool
    repeats_at: Callable[[StepContext], int] | None = None  # when the count varies (WGAN's critic boost)


@dataclass
class Simultaneous:
    """Several players updated together: ``step(ctx)`` returns {player name: named terms} from one
    shared forward pass; every player's gradients (its own terms, its own networks only) are
    taken before any optimiser steps, then all step. This is how the 2014 GAN's released code
    (pylearn2's SGD over AdversaryCost2) trained; the players' own ``step`` fields are unused.
    For D and G the step may add ``"link": steps.RowLink(fake, logits)``: then one backward
    through D serves both players (same gradients; see ``RowLink``)."""

    players: list[Player]
    step: Callable[[StepContext], dict[str, dict[str, Tensor]]]
    repeats: int = 1

    @property
    def name(self) -> str:
        return "+".join(p.name for p in self.players)


def standard_players(cfg: Config, *, d_step=standard_d_step, g_step=standard_g_step,
                     after_d_update=standard_after_d_update) -> list:
    """D (``d_steps`` updates) then G (``g_steps`` updates); with ``update_order: simultaneous``
    both from one forward pass, applied together."""
    D = Player("D", ("D",), "opt_D", cfg.d_steps, d_step, after_d_update,
               repeats_at=d_steps_schedule(cfg) if cfg.d_steps_boost else None)
    G = Player("G", ("G",), "opt_G", cfg.g_steps, g_step)
    if cfg.update_order == "simultaneous":
        if d_step is not standard_d_step or g_step is not standard_g_step:
            raise GanforgeError(f"recipe {cfg.recipe!r} has its own D and G steps; update_order=simultaneous "
                                f"exists only for the standard two-player steps")
        return [Simultaneous([D, G], simultaneous_step)]
    return [D, G]


def d_steps_schedule(cfg: Config) -> Callable[[StepContext], int]:
    """``d_steps_boost`` as a count per outer step: ``d_steps`` (the boost's) while G has made fewer
    than ``first`` updates and whenever G's update count is a multiple of ``every``, else
    ``cfg.d_steps``. WGAN's released code: 100 critic iterations for the first 25 generator
    iterations and every 500th, 5 otherwise."""
    return lambda ctx: d_steps_at(cfg, ctx.updates.get("G", 0))


def d_steps_at(cfg: Config, g_updates: int) -> int:
    """D updates in the outer step where G has made ``g_updates`` updates (``d_steps_schedule``)."""
    boost = cfg.d_steps_boost
    if not boost:
        return cfg.d_steps
    every = boost.get("every")
    if g_updates < boost.get("first", 0) or (every and g_updates % every == 0):
        return boost["d_steps"]
    return cfg.d_steps
