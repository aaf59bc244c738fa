"""A 0-d tensor's value kept on the host, so that reading it every step costs no device sync.

Schedules (PGGAN's image clock and phase, a network's ``progress``) live in 0-d tensors because
checkpoints, state dicts and the EMA copy carry tensors; the training step needs them as Python
numbers to choose shapes and branches. ``HostScalar`` remembers the value last written or read
through it together with the tensor's identity and version counter (which every in-place write
bumps: ``fill_``, ``copy_``, ``load_state_dict``), and reads the device again only when the tensor
was replaced or written elsewhere: after a resume, once per EMA copy.
"""

from __future__ import annotations

import torch
from torch import Tensor


class HostScalar:
    __slots__ = ("_tensor", "_version", "_value")

    def __init__(self) -> None:
        self._tensor: Tensor | None = None
        self._version = -1
        self._value: float | int | bool = 0

    def get(self, t: Tensor) -> float | int | bool:
        """``t.item()``, from memory while ``t`` is unchanged since the last get or set here."""
        version = _version(t)
        if version is None:  # an inference tensor keeps no version counter
            return t.item()
        if self._tensor is not t or self._version != version:
            self._tensor, self._version, self._value = t, version, t.item()
        return self._value

    def set(self, t: Tensor, value: float | int | bool) -> None:
        """Write ``value`` into ``t`` in place (a kernel launch, no sync) and remember it."""
        t.fill_(value)
        self.remember(t, value)

    def remember(self, t: Tensor, value: float | int | bool) -> None:
        """``t`` holds ``value`` now (a copy of host data just placed on the device): remember it
        as ``t`` holds it, rounded to its dtype as a read from the device would give."""
        version = _version(t)
        if version is not None:
            self._tensor, self._version = t, version
            self._value = torch.tensor(value, dtype=t.dtype).item()  # a host tensor: no device involved


def _version(t: Tensor) -> int | None:
    try:
        return t._version
    except RuntimeError:
        return None
