"""Reading CIFAR-10's python batches without running code from them.

A pickle can call any importable function while it loads, and a run directory's config can
point the data root at crafted files. ``load_restricted`` admits only what a CIFAR batch
holds: dicts, lists, ints, strings, bytes and numpy arrays (their reconstructor, ``ndarray``
and ``dtype``); any other global is refused before it is imported.
"""

from __future__ import annotations

import pickle
from typing import BinaryIO

from ..errors import GanforgeError

ALLOWED_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),  # numpy < 2 (and Python 2 pickles such as CIFAR-10's)
    ("numpy._core.multiarray", "_reconstruct"),  # numpy ≥ 2
    ("numpy.core.numeric", "_frombuffer"),  # protocol 5
    ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),  # bytes in protocol-2 pickles written by Python 3
}


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in ALLOWED_GLOBALS:
            raise GanforgeError(f"refusing to load {module}.{name}: a data batch holds only arrays, lists, dicts, "
                                f"numbers and strings (the file may be crafted to run code)")
        return super().find_class(module, name)


def load_restricted(f: BinaryIO, *, encoding: str = "latin1"):
    """``pickle.load`` limited to plain data and numpy arrays."""
    return _RestrictedUnpickler(f, encoding=encoding).load()
