"""``ganforge sample --out FILE.npy``: any number of samples, drawn in chunks and written
straight into the file (a memory-mapped .npy), after checking that the disk can hold it."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np

from .errors import GanforgeError

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
    x_file = np.lib.format.open_memmap(out, mode="w+", dtype=np.float32, shape=(n, *shape))
    y_file = np.lib.format.open_memmap(labels_path, mode="w+", dtype=np.int64, shape=(n,)) if labels_path else None
    start = 0
    for x, labels in G.sample_chunks(n, seed=seed, y=y, codes=codes, batch=CHUNK):
        x_file[start : start + len(x)] = x.numpy()
        if y_file is not None:
            y_file[start : start + len(x)] = labels.numpy()
        start += len(x)
    for f in (x_file, y_file):
        if f is not None:
            f.flush()
    del x_file, y_file
    return labels_path


def check_png_size(n: int) -> None:
    if n > PNG_LIMIT:
        raise GanforgeError(f"--n {n}: a PNG grid takes at most {PNG_LIMIT:,} samples; write a .npy "
                            f"(--out samples.npy) for more")
