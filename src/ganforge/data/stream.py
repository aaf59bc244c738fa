"""A folder or .zip of images streamed from disk (``data.stream``), for sets larger than memory.

The images are decoded, resized and converted once (exactly as ``folder.load_image_folder`` does)
and written with litdata's chunk writer into a cache keyed by the source (each file's name, size
and modification time); training then reads the rows each batch needs from those chunks in
DataLoader worker processes, a few batches ahead. The order is not the engine's: batches are drawn
by the run's own ``BatchSampler`` (one global permutation, each rank its slice), so a streamed run
draws exactly the in-memory run's batches, resumes exactly from the sampler state already in the
checkpoint (for any number of workers), and N ranks equal one. docs/streaming.md says why.

Memory: the labels and the permutation (8 bytes per image each), plus per worker the chunk it has
mapped (at most ``CHUNK_MB``) and ``PREFETCH`` batches. Never the images.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import signal
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ..config import DataConfig
from ..errors import GanforgeError
from .folder import decode_image, resize_one
from .labels import class_info, image_classes
from .mirror import mirror_rows
from .survey import read_header
from .tensor_data import TensorData

FORMAT = 2  # bump when what a cache holds changes: older caches then get a new key
# litdata's chunk size. Reads are random (the run's permutation): every row maps the chunk holding
# it, and litdata looks chunks up one by one and pre-reads a mapped chunk whole, so small chunks
# are cheaper per row, up to a few hundred chunks: 4 MB read 200,000 64×64 rows at 257 µs a row,
# 16 MB at 380, 64 MB at 471 (one core, docs/streaming.md)
CHUNK_MB = 4
PREFETCH = 2  # batches each worker keeps ready
AUTO_SHARE = 0.5  # data.stream=auto streams when the decoded set would take more than this share of available memory
META = "ganforge-stream.json"  # written last, listing every file with its size: a cache it does not vouch for is rebuilt


def stream_mode(cfg: DataConfig) -> bool | str:
    """``data.stream`` checked: True, False or "auto"."""
    if cfg.stream in (True, False, "auto"):
        return cfg.stream
    raise GanforgeError(f"data.stream must be auto, true or false, got {cfg.stream!r}")


def check_workers(cfg: DataConfig) -> None:
    if cfg.workers != "auto" and not (isinstance(cfg.workers, int) and cfg.workers >= 0):
        raise GanforgeError(f"data.workers must be auto or a whole number ≥ 0, got {cfg.workers!r}")


def refuse_stream(cfg: DataConfig, what: str) -> None:
    """``data.stream=true`` asked of a set that cannot stream: say so rather than hold it in memory."""
    if stream_mode(cfg) is True:
        raise GanforgeError(f"data.stream=true streams a folder or .zip of images; {what}; "
                            f"drop data.stream (or set it to auto or false)")


def worker_count(workers: int | str, world: int) -> int:
    """data.workers, or for "auto" litdata's advice: one loader process per CPU core this process
    may use (its default for its own worker pools), shared among the ranks on this machine, and no
    more than its memory check (``posix_max_data_workers``) allows."""
    if workers != "auto":
        return int(workers)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    ranks_here = int(os.environ.get("LOCAL_WORLD_SIZE") or world)  # set by torchrun on each node
    n = max(1, cores // max(1, ranks_here))
    try:
        from litdata.streaming.posix_fast import posix_max_data_workers
    except ImportError:  # older litdata: no memory check
        return n
    return max(1, posix_max_data_workers(requested=n))


def available_memory() -> int:
    """Bytes of memory available to new allocations (MemAvailable on Linux)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")


def should_stream(path: Path, cfg: DataConfig, entries: list) -> tuple[bool, str]:
    """Whether to stream ``entries`` (the images a run would load) and the sentence that says why.
    auto: the decoded set (every file at the first image's size, plus the resized copy when
    data.image_size differs, as loading into memory holds both) against ``AUTO_SHARE`` of the
    available memory."""
    mode = stream_mode(cfg)
    n = len(entries)
    if mode != "auto":
        return mode, f"data: {n:,} images, {'streamed from disk' if mode else 'held in memory'} (data.stream={str(mode).lower()})"
    h, w, gray = read_header(path, *entries[0])
    c = cfg.channels or (1 if gray else 3)
    size = list(cfg.image_size) if cfg.image_size else [h, w]
    pixels = h * w + (size[0] * size[1] if size != [h, w] else 0)
    need, avail = n * c * pixels, available_memory()
    stream = need > AUTO_SHARE * avail
    how = "streamed from disk" if stream else "held in memory"
    size = f"{need / 1e9:.2f} GB" if need >= 1e8 else f"{need / 1e6:.1f} MB"
    return stream, (f"data: {n:,} images ≈ {size} decoded, {avail / 1e9:.1f} GB available: {how} "
                    f"(data.stream=auto streams above {AUTO_SHARE:.0%} of available memory)")


def cache_root(cfg: DataConfig) -> Path:
    """data.stream_cache, else $GANFORGE_CACHE/stream, else ~/.cache/ganforge/stream."""
    if cfg.stream_cache:
        return Path(cfg.stream_cache).expanduser()
    root = os.environ.get("GANFORGE_CACHE")
    return (Path(root).expanduser() if root else Path.home() / ".cache" / "ganforge") / "stream"


def source_key(path: Path, names: list[str], cfg: DataConfig, selection: tuple) -> str:
    """SHA-256 over what decides a cache's content: each file's name, size and modification time
    in ns (a zip's own size and time and its members' sizes and CRCs), the image size and
    channels, the selection (limit, slice) and ``FORMAT``. Hashing every byte instead would read
    the whole set at every start; a rewritten file has a new time, as for make and rsync."""
    h = hashlib.sha256()
    h.update(json.dumps({"format": FORMAT, "source": str(path.resolve()), "image_size": cfg.image_size,
                         "channels": cfg.channels, "selection": list(selection),
                         **({"fit": cfg.fit} if cfg.fit != "crop" else {})}).encode())
    if path.is_dir():
        for name in names:
            st = os.stat(path / name)
            h.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    else:
        st = os.stat(path)
        h.update(f"{st.st_size}\0{st.st_mtime_ns}\n".encode())
        with zipfile.ZipFile(path) as zf:
            for name in names:
                info = zf.getinfo(name)
                h.update(f"{name}\0{info.file_size}\0{info.CRC}\n".encode())
    return h.hexdigest()


def select(entries: list, cfg: DataConfig, lo: int | None, hi: int | None) -> tuple[list, slice]:
    """The entries ``load_data`` keeps in memory: the first data.limit files, then the split's
    slice [lo:hi), then data.limit again; returned as the limited files and the slice of them
    (labels are named from the limited files before the slice, as in memory)."""
    limited = entries[: cfg.limit] if cfg.limit is not None else entries
    start, stop, _ = slice(lo, hi).indices(len(limited))
    stop = max(start, stop)
    if cfg.limit is not None:
        stop = min(stop, start + cfg.limit)
    return limited, slice(start, stop)


def open_streamed(path: Path, cfg: DataConfig, limited: list, part: slice, entries: list) -> "StreamedData":
    """The streamed set of ``limited[part]`` under ``path``: its cache, built first when missing
    or not vouched for (once, under a lock that every rank and run sharing the cache takes)."""
    try:
        import filelock
        import litdata  # noqa: F401
    except ImportError:
        raise GanforgeError("data.stream needs the litdata package: pip install 'ganforge[stream]' (or pip install "
                            "litdata), or set data.stream=false to load the images into memory") from None
    chosen = limited[part]
    if not chosen:
        raise GanforgeError(f"data.split {cfg.split!r} with data.limit {cfg.limit} selects no images of {path}")
    key = source_key(path, [n for n, _ in limited], cfg, (cfg.limit, part.start, part.stop))
    root = cache_root(cfg)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise GanforgeError(f"cannot create the stream cache {root} ({err.strerror}); choose a writable folder with "
                            f"--set data.stream_cache=DIR") from None
    folder = root / f"{_slug(path)}-{key[:20]}"
    with filelock.FileLock(str(root / f".{folder.name}.lock")):
        meta = _trusted(folder, key)
        if meta is None:
            meta = _build(path, cfg, chosen, folder, key)
    labels, classes = image_classes(cfg.labels, [n for n, _ in entries], [n for n, _ in limited])
    info = {"source": str(path), "n_files": len(chosen), "stream": str(folder), **class_info(classes, cfg)}
    return StreamedData(folder, tuple(meta["shape"]), len(chosen), labels[part] if labels is not None else None,
                        str(path), info, cfg.workers)


def _slug(path: Path) -> str:
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in path.resolve().name)[:40]
    return stem or "data"


def _listing(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file() and p.name != META}


def _trusted(folder: Path, key: str) -> dict | None:
    """The cache's metadata when it vouches for ``folder``: written for ``key``, and every file it
    lists present at its size with nothing missing. Else None (then the cache is rebuilt)."""
    try:
        meta = json.loads((folder / META).read_text())
        return meta if meta.get("key") == key and meta.get("files") == _listing(folder) else None
    except (OSError, ValueError, AttributeError):
        return None


def _build(path: Path, cfg: DataConfig, entries: list, folder: Path, key: str) -> dict:
    """Decode, resize and write every image into litdata chunks in a temporary folder beside
    ``folder``, flush them to disk, write the metadata (listing every file) last and rename the
    folder into place: a crash at any point leaves nothing that is later trusted (a leftover
    temporary is removed by the next build, under the same lock)."""
    from litdata.streaming.writer import BinaryWriter

    for stale in [*folder.parent.glob(f".{folder.name}.tmp-*"), folder]:
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    t0 = time.perf_counter()
    print(f"stream cache: decoding {len(entries):,} images of {path} once into {folder}", flush=True)
    try:
        size = list(cfg.image_size) if cfg.image_size else None
        channels = cfg.channels or _channels(path, entries)
        writer = BinaryWriter(str(tmp), chunk_bytes=f"{CHUNK_MB}MB")
        total, first_hw = None, None
        for i, (name, read) in enumerate(entries):
            a = decode_image(path, name, read)
            if size is None and first_hw is not None and a.shape[:2] != first_hw:
                raise GanforgeError(f"images in {path} have different sizes ({name} is {a.shape[1]}×{a.shape[0]}, the "
                                    f"first {first_hw[1]}×{first_hw[0]}); choose one with --set data.image_size=SIZE "
                                    f"(e.g. 64)")
            first_hw = first_hw or a.shape[:2]
            x = resize_one(a, size, channels, cfg.fit)[0].numpy()
            writer[i] = {"x": x}
            total = x.astype(np.int64) if total is None else total + x
        writer.done()
        writer.merge(1)
        np.save(tmp / "sum.npy", total)  # integer sums: the mean comes out bit for bit as in memory
        for p in tmp.iterdir():
            _fsync(p)
        meta = {"format": FORMAT, "key": key, "source": str(path), "n": len(entries), "shape": list(total.shape),
                "files": _listing(tmp)}
        with open(tmp / META, "w") as f:
            f.write(json.dumps(meta, indent=1))
            f.flush()
            os.fsync(f.fileno())
        _fsync(tmp)
        os.replace(tmp, folder)
        _fsync(folder.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f"stream cache: written in {time.perf_counter() - t0:.0f} s", flush=True)
    return meta


def _fsync(path: Path) -> None:
    """Flush a file's (or a folder's entries') data to the disk, so a rename after it never
    publishes what a power cut could still lose."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _channels(path: Path, entries: list) -> int:
    """3 unless every image loads as gray (as loading into memory decides), from the headers."""
    return 1 if all(read_header(path, name, read)[2] for name, read in entries) else 3


class StreamedData:
    """A streamed image set with ``TensorData``'s face (kind, name, labels, info, shape, len, to,
    mean, to_model, take); rows come through ``take`` rather than an ``x`` tensor."""

    kind = "image"
    to_model = TensorData.to_model  # the same conversion of a uint8 batch
    mirror = False  # data.mirror, as TensorData's

    def __init__(self, folder: Path, shape: tuple[int, ...], n: int, labels: Tensor | None, name: str, info: dict,
                 workers: int | str) -> None:
        self.folder, self.shape, self._n = folder, shape, n
        self.labels, self.name, self.info, self.workers = labels, name, info, workers
        self.device = torch.device("cpu")
        self._reader = _Rows(str(folder))
        self._loader = None  # the read-ahead batch iterator, started at the first take

    def __len__(self) -> int:
        return self._n

    def describe_readers(self, world: int) -> str:
        n = worker_count(self.workers, world)
        return f"{n} reader process{'es' if n != 1 else ''} per rank (data.workers={self.workers})"

    def to(self, device) -> "StreamedData":
        self.device = torch.device(device)
        if self.labels is not None:
            self.labels = self.labels.to(device)
        return self

    def mean(self) -> Tensor:
        """Per-pixel mean in [0, 1], float32 [C, H, W], equal to ``TensorData.mean`` of the same images."""
        total = torch.from_numpy(np.load(self.folder / "sum.npy", allow_pickle=False))
        return (total.float() / self._n / 255.0).to(self.device)

    def take(self, idx: Tensor, sampler, *, labels: bool) -> tuple[Tensor, Tensor | None]:
        """Rows ``idx`` (int64 [B] on the CPU, just drawn from ``sampler``) as uint8 [B, C, H, W] on
        the run's device, with their labels when asked. The loader runs ahead on a copy of the
        sampler; when its next batch is not ``idx`` (the first batch, or after the sampler was
        restored from a checkpoint) these rows are read here and the loader restarts from
        ``sampler``'s state."""
        x = None
        if self._loader is not None:
            got_idx, got_x = next(self._loader)
            if torch.equal(got_idx, idx):
                x = got_x
        if x is None:
            x = self._reader[idx][1]
            self._start(sampler)
        x = x.to(self.device, non_blocking=True)
        if self.mirror:
            x = mirror_rows(x, idx, sampler.epoch)
        y = self.labels.index_select(0, idx.to(self.labels.device, non_blocking=True)) if labels else None
        return x, y

    def _start(self, sampler) -> None:
        self.close()
        ahead = copy.copy(sampler)
        ahead.gen = torch.Generator()
        ahead.load_state_dict(sampler.state_dict())
        workers = worker_count(self.workers, sampler.world)
        loader = torch.utils.data.DataLoader(
            self._reader, batch_size=None, sampler=_Draws(ahead), num_workers=workers,
            prefetch_factor=PREFETCH if workers else None, pin_memory=self.device.type == "cuda",
            worker_init_fn=_ignore_interrupts if workers else None, multiprocessing_context=_context() if workers else None,
            generator=torch.Generator())  # its own seed source: the run's global RNG (dropout) stays untouched
        self._loader = iter(loader)

    def close(self) -> None:
        """Stop the loader's worker processes (dropping the last reference to the iterator ends
        them); a later take starts them again."""
        self._loader = None


def _context():
    """Readers are forked where the platform can (they start at once and share the training
    process's pages); the run directory's lock is not inherited (``training.lock`` closes it in
    any forked child), so a kill -9 of the training process frees the run at once, and torch ends
    the readers when their parent is gone."""
    import multiprocessing

    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


def _ignore_interrupts(_worker_id: int) -> None:
    """Ctrl-C reaches the whole process group: the training process stops at a step's end (with a
    checkpoint) and then ends its readers, so they must not die first."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Draws:
    """The sampler's index batches, forever (what the DataLoader hands its workers, in order)."""

    def __init__(self, sampler) -> None:
        self.sampler = sampler

    def __iter__(self):
        while True:
            yield self.sampler.next()


class _Rows(torch.utils.data.Dataset):
    """Index batch → (the indices, uint8 [B, C, H, W]) read from the chunks; each process opens
    its own litdata reader."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._dataset, self._pid = None, None

    def __getitem__(self, idx: Tensor) -> tuple[Tensor, Tensor]:
        if self._pid != os.getpid():
            from litdata import StreamingDataset

            # batch_decode=0: decode the row asked for, not a window of its neighbours (litdata's
            # default for sequential reading: 5× slower per row when the reads are random)
            self._dataset, self._pid = StreamingDataset(self.folder, batch_decode=0), os.getpid()
        rows = [self._dataset[i]["x"] for i in idx.tolist()]
        return idx, torch.from_numpy(np.stack(rows))

    def __getstate__(self) -> dict:
        return {"folder": self.folder, "_dataset": None, "_pid": None}
