"""FLOPs of one training step, from torch's own per-operator formulas.

torch's FlopCounterMode also tracks modules with backward hooks, which breaks on the double
backward of a gradient penalty; this mode counts the same operators without module tracking.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry


class CountFlops(TorchDispatchMode):
    """``total`` FLOPs inside; with ``key`` (called at each operator, e.g. the player updating now)
    also ``by_key``: the FLOPs under each of its values."""

    def __init__(self, key: Callable[[], object] | None = None) -> None:
        super().__init__()
        self.total = 0
        self.key = key
        self.by_key: Counter = Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            n = int(formula(*args, **kwargs, out_val=out))
            self.total += n
            if self.key is not None:
                self.by_key[self.key()] += n
        return out
