"""``ganforge sample --out FILE.npy``: any number of samples, drawn in chunks and appended
straight to the file after its .npy header (memory stays one chunk), once the disk is known to
hold it."""

from __future__ import annotations

import contextlib
import math
import shutil
from pathlib import Path

import numpy as np

from .errors import GanforgeError
from .run_dir import atomic_write

CHUNK = 1000  # samples per generator call
PNG_LIMIT = 10_000  # a grid of more samples is no picture anyone can read


def write_npy(G, out: Path, n: int, *, seed: int, y=None, codes: dict | None = None) -> Path | None:
    """n samples of ``G`` (a ``TrainedGenerator``) into ``out`` as float32 [n, *data_shape];
    conditional runs also get ``NAME.labels.npy``, whose path is returned."""
    shape = tuple(G.meta["data_shape"])
    labels_path = out.with_suffix(".labels.npy") if G.n_classes else None
    need = n * math.prod(shape) * 4 + (n * 8 if labels_path else 0)
    folder = out.resolve().parent
    if not folder.is_dir():
        raise GanforgeError(f"--out {out}: the folder {folder} does not exist")
    free = shutil.disk_usage(folder).free
    if need > free:
        raise GanforgeError(f"--n {n} needs {need / 1e9:.3g} GB in {folder}, which has {free / 1e9:.3g} GB free; "
                            f"lower --n or write elsewhere")
    # written under temporary names and renamed when complete: an interrupted run leaves no short file
    with atomic_write(out) as tmp_x, (atomic_write(labels_path) if labels_path else contextlib.nullcontext()) as tmp_y:
        with open(tmp_x, "wb") as x_file, (open(tmp_y, "wb") if tmp_y else contextlib.nullcontext()) as y_file:
            _header(x_file, np.float32, (n, *shape))
            if y_file is not None:
                _header(y_file, np.int64, (n,))
            for x, labels in G.sample_chunks(n, seed=seed, y=y, codes=codes, batch=CHUNK):
                x_file.write(x.numpy().astype("<f4").tobytes())
                if y_file is not None:
                    y_file.write(labels.numpy().astype("<i8").tobytes())
    return labels_path


def _header(f, dtype, shape: tuple[int, ...]) -> None:
    """The .npy header of a C-ordered little-endian array; its data follows, appended by chunk."""
    np.lib.format.write_array_header_1_0(f, {"descr": np.dtype(dtype).newbyteorder("<").str, "fortran_order": False,
                                             "shape": shape})


def check_png_size(n: int) -> None:
    if n > PNG_LIMIT:
        raise GanforgeError(f"--n {n}: a PNG grid takes at most {PNG_LIMIT:,} samples; write a .npy "
                            f"(--out samples.npy) for more")
