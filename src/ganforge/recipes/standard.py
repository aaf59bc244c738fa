"""The standard two players: D (k updates) then G, Algorithm 1 of Goodfellow et al. (2014), or
both from one pass (``update_order: simultaneous``, the 2014 released code); and WGAN's critic
schedule (more D updates at times), which any standard recipe may take through
``recipe_args.d_steps_boost``."""

from __future__ import annotations

from typing import Callable

from ..config import Config
from ..errors import GanforgeError
from ..training.context import StepContext
from ..training.players import Player, Simultaneous
from .simultaneous import simultaneous_step
from .steps import standard_after_d_update, standard_d_step, standard_g_step


def standard_players(cfg: Config, *, d_step=standard_d_step, g_step=standard_g_step,
                     after_d_update=standard_after_d_update) -> list:
    """D (``d_steps`` updates, or the boost's count) then G (``g_steps`` updates); with
    ``update_order: simultaneous`` both from one forward pass, applied together."""
    D = Player("D", ("D",), d_step, cfg.d_steps, after_d_update,
               repeats_at=d_steps_schedule(cfg) if d_steps_boost(cfg) else None)
    G = Player("G", ("G",), g_step, cfg.g_steps)
    if cfg.update_order == "simultaneous":
        if d_step is not standard_d_step or g_step is not standard_g_step:
            raise GanforgeError(f"recipe {cfg.recipe!r} has its own D and G steps; update_order=simultaneous "
                                f"exists only for the standard two-player steps")
        return [Simultaneous([D, G], simultaneous_step)]
    return [D, G]


def d_steps_boost(cfg: Config) -> dict | None:
    """``recipe_args.d_steps_boost``: {d_steps: N, first: G updates, every: G updates}, or None."""
    return cfg.recipe_args.get("d_steps_boost")


def check_d_steps_boost(cfg: Config) -> None:
    b = d_steps_boost(cfg)
    if b is None:
        return
    ok = (isinstance(b, dict) and set(b) <= {"d_steps", "first", "every"} and "d_steps" in b
          and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in b.values()) and b["d_steps"] >= 1)
    if not ok:
        raise GanforgeError(f"recipe_args.d_steps_boost: expected {{d_steps: N ≥ 1, first: G updates, every: G updates}} "
                            f"(WGAN's code: {{d_steps: 100, first: 25, every: 500}}) or null, got {b!r}")
    if cfg.update_order == "simultaneous":
        raise GanforgeError("update_order=simultaneous updates both players from one pass: it takes no d_steps_boost "
                            "(for k D steps per G step: --set update_order=alternating)")


def d_steps_schedule(cfg: Config) -> Callable[[StepContext], int]:
    """``d_steps_boost`` as a count per outer step: ``d_steps`` (the boost's) while G has made fewer
    than ``first`` updates and whenever G's update count is a multiple of ``every``, else
    ``cfg.d_steps``. WGAN's released code: 100 critic iterations for the first 25 generator
    iterations and every 500th, 5 otherwise."""
    return lambda ctx: d_steps_at(cfg, ctx.updates.get("G", 0))


def d_steps_at(cfg: Config, g_updates: int) -> int:
    """D updates in the outer step where G has made ``g_updates`` updates (``d_steps_schedule``)."""
    boost = d_steps_boost(cfg)
    if not boost:
        return cfg.d_steps
    every = boost.get("every")
    if g_updates < boost.get("first", 0) or (every and g_updates % every == 0):
        return boost["d_steps"]
    return cfg.d_steps
