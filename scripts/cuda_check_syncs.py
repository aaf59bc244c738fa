"""Count host synchronisations while a function runs.

- ``scalar_reads``: calls that read a tensor's value back to Python (``.item()``, ``bool()``,
  ``float()``, ``int()`` on a tensor all dispatch to ``aten._local_scalar_dense``), counted with a
  dispatch mode: on any device, a CPU run included (where they cost nothing, but they are the
  calls that stall a GPU).
- ``cuda_syncs`` (CUDA only): every operation torch's sync debug mode reports as synchronising
  (scalar reads, device-to-host copies, nonzero / masked indexing, ...).
"""

from __future__ import annotations

import warnings
from typing import Callable

import torch
from torch.utils._python_dispatch import TorchDispatchMode


class _ScalarReads(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is torch.ops.aten._local_scalar_dense.default:
            self.count += 1
        return func(*args, **(kwargs or {}))


def count_syncs(fn: Callable[[], object], *, cuda: bool) -> dict[str, int]:
    counts: dict[str, int] = {}
    with _ScalarReads() as reads:
        if cuda:
            torch.cuda.synchronize()
            before = torch.cuda.get_sync_debug_mode()
            torch.cuda.set_sync_debug_mode("warn")
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    fn()
                    torch.cuda.current_stream().query()
            finally:
                torch.cuda.set_sync_debug_mode(before)
            counts["cuda_syncs"] = sum("synchroniz" in str(w.message) for w in caught)
        else:
            fn()
    counts["scalar_reads"] = reads.count
    return counts
