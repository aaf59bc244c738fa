"""Loading a dataset by name or path, the per-rank batch sampler, and the data root
(the in-memory dataset itself is ``tensor_data.TensorData``, re-exported here)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from ..config import DataConfig
from ..errors import GanforgeError
from ..registry import DATASETS
from .tensor_data import TensorData  # also re-exported: ganforge.data.base.TensorData

if TYPE_CHECKING:
    from .stream import StreamedData


def to_unit(x: Tensor, out_range: tuple[float, float] | None) -> Tensor:
    """Generator output → [0, 1] (images), the inverse of ``TensorData.to_model``."""
    if out_range is None:
        return x
    lo, hi = out_range
    return ((x.float() - lo) / (hi - lo)).clamp_(0, 1)


class BatchSampler:
    """Shuffled epochs over N examples; every rank sees the same global permutation and takes
    its own slice of each global batch, so N ranks × B/N equals one rank × B exactly.
    The last incomplete global batch of an epoch is dropped."""

    def __init__(self, n: int, global_batch: int, *, rank: int = 0, world: int = 1, seed: int = 0) -> None:
        if global_batch > n:
            raise GanforgeError(
                f"the dataset has {n} examples, fewer than the batch size {global_batch}; "
                f"lower --batch-size or use more data"
            )
        if global_batch % world:
            raise GanforgeError(f"--batch-size {global_batch} is not divisible by the {world} processes "
                                f"(--devices × --num-nodes); choose a multiple of {world}")
        self.n, self.global_batch, self.rank, self.world = n, global_batch, rank, world
        self.local = global_batch // world
        self.gen = torch.Generator().manual_seed(seed)
        self.perm = torch.randperm(n, generator=self.gen)
        self.cursor = 0
        self.epoch = 0

    def next(self) -> Tensor:
        if self.cursor + self.global_batch > self.n:
            self.perm = torch.randperm(self.n, generator=self.gen)
            self.cursor = 0
            self.epoch += 1
        start = self.cursor + self.rank * self.local
        self.cursor += self.global_batch
        return self.perm[start : start + self.local]

    def state_dict(self) -> dict:
        return {"gen": self.gen.get_state(), "perm": self.perm.clone(), "cursor": self.cursor, "epoch": self.epoch}

    def load_state_dict(self, state: dict) -> None:
        self.gen.set_state(state["gen"])
        self.perm = state["perm"].clone()
        self.cursor = int(state["cursor"])
        self.epoch = int(state["epoch"])


_DOWNLOADS = ContextVar("ganforge_downloads", default=True)


@contextlib.contextmanager
def no_downloads():
    """Inside: a missing named dataset is an error, never a download. Used whenever the data
    root comes from a run directory (untrusted) rather than from the user, so that reading a
    run never creates folders outside it."""
    token = _DOWNLOADS.set(False)
    try:
        yield
    finally:
        _DOWNLOADS.reset(token)


def downloads_allowed() -> bool:
    return _DOWNLOADS.get()


def data_root(cfg: DataConfig) -> Path:
    """--data-root, else $GANFORGE_DATA, else ./data."""
    return Path(cfg.root or os.environ.get("GANFORGE_DATA") or "data").expanduser()


_SLICE = re.compile(r"^(?P<base>[^\[\]]+)\[(?P<lo>\d*):(?P<hi>\d*)\]$")


def parse_split(split: str) -> tuple[str, int | None, int | None]:
    """``"train"`` → ("train", None, None); ``"train[0:50000]"`` → ("train", 0, 50000): a split
    and the examples [lo:hi) of it (either bound may be left out, as in Python)."""
    if "[" not in split:
        return split, None, None
    m = _SLICE.match(split.strip())
    if m is None:
        raise GanforgeError(f"data.split {split!r}: expected NAME or NAME[LO:HI] with whole numbers, e.g. train[0:50000]")
    lo, hi = (int(m[k]) if m[k] else None for k in ("lo", "hi"))
    return m["base"], lo, hi


def load_data(cfg: DataConfig, *, allow_stream: bool = False) -> TensorData | StreamedData:
    """Load ``cfg.name``: a registered dataset, a .csv of points, or a folder / .zip of images.
    ``cfg.split`` may select a slice of the split: ``train[0:50000]`` (the 2014 GAN's MNIST
    training set, with train[50000:60000] its validation set).

    With ``allow_stream`` (training) a folder or .zip may come back as a ``stream.StreamedData``
    (``data.stream``); the decision is in ``info["stream_decision"]``. Else a ``TensorData``."""
    from .folder import _entries, load_image_folder
    from .stream import open_streamed, refuse_stream, select, should_stream, stream_mode

    split, lo, hi = parse_split(cfg.split)
    if split != cfg.split:
        cfg = dataclasses.replace(cfg, split=split)
    name = cfg.name
    path = Path(name).expanduser()
    decision = None
    if name not in DATASETS and name.lower().endswith(".csv"):
        from .toy import load_csv_points

        refuse_stream(cfg, f"{name} is a set of points, held in memory")
        data = load_csv_points(path, cfg)
    elif name not in DATASETS and (path.exists() or "/" in name or name.endswith(".zip")):
        entries = _entries(path)
        if allow_stream and stream_mode(cfg) is not False:
            limited, part = select(entries, cfg, lo, hi)
            stream, decision = should_stream(path, cfg, limited[part]) if limited[part] else (False, None)
            if stream:
                data = open_streamed(path, cfg, limited, part, entries)
                data.info["stream_decision"] = decision
                data.mirror = _mirror(cfg, data)
                return data
        data = load_image_folder(path, cfg, entries)
    else:
        if cfg.labels:
            raise GanforgeError(f"data.labels gives a folder or .zip of images its labels; {name!r} is not one: drop "
                                f"data.labels")
        data = DATASETS.get(name)(cfg)  # an unknown name raises with the valid ones
        refuse_stream(cfg, f"{name!r} is {'a named dataset' if data.kind == 'image' else 'a set of points'}, held "
                           f"in memory")
    if lo is not None or hi is not None:
        n = len(data)
        if (lo or 0) >= min(hi if hi is not None else n, n):
            raise GanforgeError(f"data.split {split}[{'' if lo is None else lo}:{'' if hi is None else hi}] selects no "
                                f"examples: {data.name!r} {split} has {n}")
        data.x = data.x[lo:hi]
        if data.labels is not None:
            data.labels = data.labels[lo:hi]
        data.info = {**data.info, "split": f"{split}[{lo or 0}:{min(hi if hi is not None else n, n)}]"}
    if cfg.limit is not None:
        data.x = data.x[: cfg.limit]
        if data.labels is not None:
            data.labels = data.labels[: cfg.limit]
    if data.kind == "image" and (cfg.image_size or cfg.channels) and name in DATASETS:
        from .folder import resize_uint8

        data.info = {**data.info, "native_size": list(data.x.shape[2:])}  # what the run's fit started from
        data.x = resize_uint8(data.x, cfg.image_size, cfg.channels, cfg.fit)
    if decision:
        data.info["stream_decision"] = decision
    data.mirror = _mirror(cfg, data)
    return data


def _mirror(cfg: DataConfig, data) -> bool:
    """data.mirror checked: left-right flips are for images."""
    if cfg.mirror and data.kind != "image":
        raise GanforgeError(f"data.mirror flips images left-right; {data.name!r} is a set of points: drop data.mirror")
    return bool(cfg.mirror)
