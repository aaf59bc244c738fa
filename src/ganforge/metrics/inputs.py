"""Checks on what ``ganforge eval`` is given, so that a bad array is one clear error rather
than a failure deep inside a metric: unreadable or pickled ``.npy`` files, empty sets, NaN
samples, sets of different shapes, too few samples for a metric's k."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..errors import GanforgeError

NPY_FORMAT = "float32 [N, C, H, W] in [0, 1], uint8 [N, C, H, W], or points [N, D]"


def load_npy(path: Path, what: str) -> np.ndarray:
    """A numeric array from ``path``; object arrays are refused (loading them runs pickle)."""
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise GanforgeError(f"{what} {path} is not a readable NumPy array ({' '.join(str(err).split())}); "
                            f"save {NPY_FORMAT} with numpy.save") from None
    if not isinstance(arr, np.ndarray) or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_) \
            or np.issubdtype(arr.dtype, np.complexfloating):  # a complex pixel has no value to read
        kind = getattr(arr, "dtype", type(arr).__name__)
        raise GanforgeError(f"{what} {path} holds {kind} values; it must hold numbers: {NPY_FORMAT}")
    return arr


def check_samples(x: torch.Tensor, source: str) -> None:
    """A set of samples: [N, C, H, W] or [N, D], N ≥ 1, every value finite."""
    if x.dim() not in (2, 4):
        raise GanforgeError(f"{source} has shape {list(x.shape)}; expected {NPY_FORMAT}")
    if len(x) == 0:
        raise GanforgeError(f"{source} holds no samples")
    if x.is_floating_point():
        bad = int((~torch.isfinite(x.reshape(len(x), -1))).any(1).sum())
        if bad:
            raise GanforgeError(f"{bad} of the {len(x)} samples from {source} hold NaN or inf (a diverged "
                                f"generator?); there is nothing to measure")


def check_same_width(gen: np.ndarray, ref: np.ndarray, feature_net: str) -> None:
    if gen.shape[1:] != ref.shape[1:]:
        raise GanforgeError(f"generated features have {gen.shape[1]} dimensions and reference features "
                            f"{ref.shape[1]} (features {feature_net}); compare samples of the same kind and size")


def check_enough(n_gen: int, n_ref: int, k: int, metric: str) -> None:
    """k-NN metrics need more than k samples on each side."""
    if min(n_gen, n_ref) <= k:
        raise GanforgeError(f"{metric} uses the k = {k} nearest neighbours, so it needs more than {k} samples in "
                            f"each set, got {n_gen} generated and {n_ref} reference; raise --n")
