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
from .context import StepContext
from .steps import standard_after_d_update, standard_d_step, standard_g_step


@dataclass
class Player:
    name: str  # "D", "G", ...: names its statistics (d_loss, grad_norm_D, lr_D) and checkpoint keys
    nets: tuple[str, ...]  # the networks whose parameters its optimiser updates
    opt: str  # the config attribute holding its optimiser settings ("opt_D", "opt_G")
    repeats: int  # updates per outer step (k D steps per G step, or the reverse)
    step: Callable[[StepContext], dict[str, Tensor]]  # → named loss terms, summed by the trainer
    after_update: Callable[[StepContext], None] | None = None  # clipping, k_t update, image pool


def standard_players(cfg: Config, *, d_step=standard_d_step, g_step=standard_g_step,
                     after_d_update=standard_after_d_update, d_nets=("D",), g_nets=("G",)) -> list[Player]:
    """D (``d_steps`` updates) then G (``g_steps`` updates)."""
    return [Player("D", tuple(d_nets), "opt_D", cfg.d_steps, d_step, after_d_update),
            Player("G", tuple(g_nets), "opt_G", cfg.g_steps, g_step)]
