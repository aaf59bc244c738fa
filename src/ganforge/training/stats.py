"""``report(name, value)``: how statistics leave a step, a hook or a penalty.

Any code running inside the trainer's step may call ``report("m_global", m)``; the trainer
collects the values of each outer step, the ``Reporter`` averages them on the device over the
log interval and brings them to the host once (the idea of StyleGAN2's
``training_stats.report``). Outside a training step ``report`` does nothing, so models and
losses may call it freely. Nothing is returned through the call chain.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch
from torch import Tensor

_SINKS: list[dict[str, list[Tensor]]] = []


def report(name: str, value: Tensor | float) -> None:
    """Record one value (a scalar tensor or number) under ``name`` for the current step."""
    if not _SINKS:
        return
    if isinstance(value, Tensor):
        value = value.detach().clone()  # a snapshot: the caller may change its tensor in place later
    else:
        value = torch.tensor(float(value))
    _SINKS[-1].setdefault(name, []).append(value)


@contextlib.contextmanager
def collecting() -> Iterator[dict[str, list[Tensor]]]:
    """Collect every ``report`` made inside the block: name → list of values."""
    sink: dict[str, list[Tensor]] = {}
    _SINKS.append(sink)
    try:
        yield sink
    finally:
        _SINKS.pop()
