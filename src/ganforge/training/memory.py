"""Keep freed memory in the process instead of handing it back to the OS after every step.

glibc's malloc serves large blocks (the gradients and activations of a training step: megabytes
each) from fresh mmap'd pages or returns the top of the heap to the OS once enough of it is free;
each step then allocates them again and the kernel zero-fills every page on first touch. For the
2014 GAN's step on this project's 2-core CPU that was ~2,500 page faults and ~5 ms of system time
per step, 15–20% of the step. Raising the mmap threshold to glibc's maximum (32 MiB) and the trim
threshold to 1 GiB keeps those blocks in the heap for the next step (the same advice as running
PyTorch on CPU with jemalloc or tcmalloc). Only glibc has ``mallopt``; elsewhere nothing changes.
``kept_freed_memory()`` applies them while a run trains and sets glibc's defaults back afterwards.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's upper limit on 64-bit systems
TRIM_THRESHOLD = 1 << 30

# glibc's documented defaults (mallopt(3)); glibc has no getter for the values in force, and a
# process that changed them itself is rare enough that these are what "as found" means
DEFAULT_MMAP_THRESHOLD = 128 << 10
DEFAULT_TRIM_THRESHOLD = 128 << 10

_depth = 0  # runs inside kept_freed_memory (a run may start another, e.g. the benchmark's)


def _mallopt():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return None
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt


def _set(mmap_threshold: int, trim_threshold: int) -> bool:
    mallopt = _mallopt()
    return mallopt is not None and bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and bool(
        mallopt(_M_TRIM_THRESHOLD, trim_threshold))


def is_keeping_freed_memory() -> bool:
    """Whether a run's ``kept_freed_memory`` is in force now."""
    return _depth > 0


@contextlib.contextmanager
def kept_freed_memory():
    """The two mallopt settings inside; glibc's defaults again when the outermost user leaves.
    Yields whether they took effect (False where there is no glibc)."""
    global _depth
    applied = _set(MMAP_THRESHOLD, TRIM_THRESHOLD) if _depth == 0 else True
    _depth += applied
    try:
        yield applied
    finally:
        if applied:
            _depth -= 1
            if _depth == 0:
                _set(DEFAULT_MMAP_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
