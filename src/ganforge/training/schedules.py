"""Learning-rate schedules: a registry of ``fn(cfg, *, updates, step, total_steps) -> lr``.

``updates`` counts this optimiser's updates (0-based), ``step`` the outer training steps
completed (0-based), ``total_steps`` the run's ``train.steps``.
"""

from __future__ import annotations

import math

from ..config import OptimConfig
from ..registry import Registry

LR_SCHEDULES: Registry = Registry("lr schedule")


def at_step(value: int | float | None, total_steps: int) -> int | None:
    """``decay_start`` / ``decay_end`` as a training step: a whole number is one; a number between 0
    and 1 is that share of the run's ``total_steps``."""
    if isinstance(value, float) and 0 < value < 1:
        return round(value * total_steps)
    return None if value is None else int(value)


def _span(cfg: OptimConfig, total_steps: int) -> tuple[int, int]:
    start = at_step(cfg.decay_start, total_steps)
    end = at_step(cfg.decay_end, total_steps)
    return start, (end if end is not None else total_steps)


@LR_SCHEDULES.register("constant")
def constant(cfg: OptimConfig, **_) -> float:
    return cfg.lr


@LR_SCHEDULES.register("exponential")
def exponential(cfg: OptimConfig, *, updates: int, **_) -> float:
    """pylearn2's ExponentialDecay (the 2014 GAN and the conditional GAN): lr / decay^t, floored
    at lr_min; t counts this optimiser's updates."""
    if cfg.lr_decay == 1.0:
        return cfg.lr
    return max(cfg.lr / cfg.lr_decay**updates, cfg.lr_min)


@LR_SCHEDULES.register("linear")
def linear(cfg: OptimConfig, *, step: int, total_steps: int, **_) -> float:
    """Constant until outer step ``decay_start``, then linearly down to ``lr_min`` at
    ``decay_end`` (default: the run's last step). WGAN-GP's ``lr·(1 − t/T)`` is decay_start 0;
    CycleGAN's 100 + 100 epochs is decay_start 0.5 (half the run)."""
    start, end = _span(cfg, total_steps)
    if step < start or end <= start:
        return cfg.lr
    frac = min((step - start) / (end - start), 1.0)
    return cfg.lr + (cfg.lr_min - cfg.lr) * frac


@LR_SCHEDULES.register("step")
def step_decay(cfg: OptimConfig, *, step: int, **_) -> float:
    """lr divided by ``lr_decay`` every ``decay_every`` outer steps, floored at lr_min (BEGAN's
    halving: carpedm20/BEGAN-tensorflow halves every 100k steps, floor 2e-5)."""
    return max(cfg.lr / cfg.lr_decay ** (step // cfg.decay_every), cfg.lr_min)


@LR_SCHEDULES.register("cosine")
def cosine(cfg: OptimConfig, *, step: int, total_steps: int, **_) -> float:
    """Half a cosine from lr at outer step ``decay_start`` to ``lr_min`` at ``decay_end`` (default:
    the run's last step), then lr_min: R3GAN's cosine_decay_with_warmup without warm-up (2e-4 →
    5e-5 over 20M images on CIFAR-10)."""
    start, end = _span(cfg, total_steps)
    if step < start or end <= start:
        return cfg.lr
    frac = min((step - start) / (end - start), 1.0)
    return cfg.lr + (cfg.lr_min - cfg.lr) * 0.5 * (1 - math.cos(math.pi * frac))
