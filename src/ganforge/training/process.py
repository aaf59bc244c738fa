"""The process-wide settings a run changes while it trains, and gives back afterwards.

A library called from a notebook must leave the process as it found it: ``process_settings(cfg)``
applies torch's fp32 matrix-product precision (``train.matmul_precision``), the intra-op thread
count (``train.threads``, or a share of the cores per DDP process on a CPU) and the allocator's
``mallopt`` thresholds (``train.keep_freed_memory``, training/memory.py), and restores each on
exit. ``matmul_precision_effect`` measures what a matmul precision does on the machine at hand,
since the same setting computes in bf16 on one CPU and in plain fp32 on another.
"""

from __future__ import annotations

import contextlib
import os

import torch

from ..config import Config
from .memory import kept_freed_memory

# A product under a reduced precision differs from the exact-fp32 one by ~2^-9 (bf16 inputs) or
# ~2^-11 (TF32) of its scale; exact fp32 stays within ~1e-6 at these sizes. Between the two:
CHANGED_REL = 1e-5


@contextlib.contextmanager
def _scoped(get, set_, value):
    """``set_(value)`` inside, what ``get()`` gave before it afterwards (None: leave it alone)."""
    if value is None:
        yield
        return
    before = get()
    set_(value)
    try:
        yield
    finally:
        set_(before)


def matmul_precision(precision: str | None):
    """torch.set_float32_matmul_precision(precision) inside, the caller's setting after."""
    return _scoped(torch.get_float32_matmul_precision, torch.set_float32_matmul_precision, precision)


def num_threads(n: int | None):
    """torch.set_num_threads(n) inside, the caller's count after."""
    return _scoped(torch.get_num_threads, torch.set_num_threads, n)


def run_threads(cfg: Config, accelerator: str) -> int | None:
    """The thread count a run trains with: ``train.threads``; for N CPU processes (DDP on a CPU)
    each its share of the cores instead of oversubscribing them; else None (torch's own)."""
    t = cfg.train
    if t.threads:
        return t.threads
    if t.devices > 1 and (accelerator == "cpu" or (accelerator == "auto" and not torch.cuda.is_available())):
        return max(1, (os.cpu_count() or 1) // t.devices)
    return None


@contextlib.contextmanager
def process_settings(cfg: Config, accelerator: str):
    """Every process-wide setting of ``cfg.train`` inside, the caller's after."""
    t = cfg.train
    with contextlib.ExitStack() as stack:
        stack.enter_context(matmul_precision(t.matmul_precision))
        stack.enter_context(num_threads(run_threads(cfg, accelerator)))
        if t.keep_freed_memory:
            stack.enter_context(kept_freed_memory())
        yield


def matmul_precision_effect(precision: str, device: str = "cpu") -> dict:
    """What ``torch.set_float32_matmul_precision(precision)`` does to one fp32 product here
    ([64, 256] × [256, 128], measured against float64): ``rel_error`` under it, ``rel_error_highest``
    under exact fp32, and ``changes_products`` (True when it moved the result past CHANGED_REL: the
    product really ran in bf16 or TF32). On CPUs whose oneDNN has no fast bf16 path for fp32
    products (seen on an AMD EPYC without AMX) ``medium`` computes in fp32 all the same."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(64, 256, generator=gen).to(device)
    w = torch.randn(128, 256, generator=gen).to(device)
    exact = torch.nn.functional.linear(x.double(), w.double())
    scale = exact.abs().max().item()

    def rel_error(p: str) -> float:
        with matmul_precision(p):
            out = torch.nn.functional.linear(x, w)
        return ((out.double() - exact).abs().max() / scale).item()

    highest, reduced = rel_error("highest"), rel_error(precision)
    return {"precision": precision, "device": device, "rel_error": reduced, "rel_error_highest": highest,
            "changes_products": reduced > CHANGED_REL}
