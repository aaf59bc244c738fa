"""data.stream: a folder streamed from disk through reader processes draws exactly the in-memory
run's batches, resumes exactly after a kill, decides auto by size, refuses corrupt images in one
line, and trusts only a cache that was written whole for the files as they are now."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import ganforge
from ganforge.config import DataConfig
from ganforge.data import stream
from ganforge.data.base import BatchSampler, load_data
from ganforge.data.stream import StreamedData
from ganforge.data.tensor_data import TensorData
from ganforge.training.checkpoint import latest_checkpoint, list_checkpoints, load_checkpoint

from ..conftest import quick_sets
from ..tiny_run import cli, one_error_line

pytest.importorskip("litdata")

# a few hundred 12×12 RGB images in two class folders; the runs are small MLPs and a small DCGAN
MLP = ["G.args.hidden=[32, 32]", "D.args.hidden=[16, 16]", "z_dim=8"]
CONV = ["data.image_size=[16, 16]", "G.args.ngf=8", "D.args.ndf=8", "z_dim=8"]


def _folder(root: Path, n: int = 160, size: int = 12, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for i in range(n):
        path = root / ("cats" if i % 3 else "dogs") / f"{i:04d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(path)
    return root


def _sets(cache: Path, *extra: str, **train) -> list[str]:
    return [f"data.stream_cache={cache}", *extra, *quick_sets(**{"train.log_every": 2, **train})]


def _weights(run: Path) -> dict:
    state = load_checkpoint(latest_checkpoint(run))
    return {f"{net}.{k}": v for net in ("G", "D") for k, v in state[net].items()}


def _assert_same_run(a: Path, b: Path) -> None:
    wa, wb = _weights(a), _weights(b)
    assert wa.keys() == wb.keys()
    for k in wa:
        assert torch.equal(wa[k], wb[k]), k
    la = [json.loads(line) for line in open(a / "metrics.jsonl")]
    lb = [json.loads(line) for line in open(b / "metrics.jsonl")]
    assert [r["d_loss"] for r in la] == [r["d_loss"] for r in lb]


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc)."""
    parent = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found, todo = [], [pid]
    while todo:
        above = todo.pop()
        kids = [p for p, pp in parent.items() if pp == above]
        found += kids
        todo += kids
    return found


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not reaped, does not)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _cache_folders(cache: Path) -> list[Path]:
    """Cache folders a run could trust (temporaries and locks start with a dot)."""
    return sorted(p for p in cache.iterdir() if p.is_dir() and not p.name.startswith(".")) if cache.is_dir() else []


@pytest.mark.parametrize("recipe,sets", [("gan", MLP), ("cgan", ["z_dim=8"]), ("dcgan", CONV)])
def test_streamed_run_draws_the_in_memory_batches(tmp_path, recipe, sets):
    data = _folder(tmp_path / "imgs")
    cache = tmp_path / "cache"
    for mode, workers in (("false", 0), ("true", 1)):
        ganforge.train(recipe, data=str(data), steps=6, batch_size=16, out=tmp_path / mode, console=False,
                       set=_sets(cache, f"data.stream={mode}", f"data.workers={workers}", *sets))
    _assert_same_run(tmp_path / "false", tmp_path / "true")
    assert len(_cache_folders(cache)) == 1  # the second run really streamed
    first = [json.loads(line) for line in open(tmp_path / "true" / "metrics.jsonl")]
    assert first[0]["d_loss"] != first[-1]["d_loss"]  # and trained


def test_rows_labels_and_mean_equal_memory(tmp_path):
    data = _folder(tmp_path / "imgs", n=50)
    cfg = DataConfig(name=str(data), stream=True, stream_cache=str(tmp_path / "cache"), workers=0, split="train[5:45]")
    streamed = load_data(cfg, allow_stream=True)
    memory = load_data(DataConfig(name=str(data), split="train[5:45]"))
    assert isinstance(streamed, StreamedData) and isinstance(memory, TensorData)
    assert len(streamed) == len(memory) == 40 and streamed.shape == memory.shape == (3, 12, 12)
    sampler = BatchSampler(40, 40, seed=3)
    idx = sampler.next()
    x, y = streamed.take(idx, sampler, labels=True)
    assert torch.equal(x, memory.x[idx]) and torch.equal(y, memory.labels[idx])
    assert torch.equal(streamed.mean(), memory.mean())


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads the process tree from /proc")
def test_resume_after_kill_equals_an_uninterrupted_run(tmp_path):
    data = _folder(tmp_path / "imgs")
    cache = tmp_path / "cache"
    killed = tmp_path / "killed"
    sets = _sets(cache, "data.stream=true", "data.workers=1", *MLP, **{"train.ckpt_every": 5})
    cmd = [sys.executable, "-m", "ganforge.cli", "train", "gan", "--data", str(data), "--steps", "100000",
           "--batch-size", "16", "--out", str(killed), *sum((["--set", s] for s in sets), [])]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and len(list_checkpoints(killed / "checkpoints")) < 2:
            time.sleep(0.1)
        time.sleep(0.3)
        below = _descendants(proc.pid)
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # its reader is left to notice on its own
        proc.wait()
    done = list_checkpoints(killed / "checkpoints")
    assert len(done) >= 2, "fewer than two checkpoints before the kill"
    assert below, "no reader process ran"
    target = int(done[-1].name.split("_")[1]) + 7  # the resumed part crosses an epoch (10 batches)
    # at once: a reader still alive does not hold the run's lock. The reader count may change on
    # resume: the batches are the sampler's, not the readers'
    ganforge.train("gan", out=killed, steps=target, resume=True, console=False, set=["data.workers=0"])
    deadline = time.time() + 30
    while time.time() < deadline and [p for p in below if _alive(p)]:
        time.sleep(0.2)
    assert not [p for p in below if _alive(p)], "reader processes outlived the killed run"
    ganforge.train("gan", data=str(data), steps=target, batch_size=16, out=tmp_path / "once", console=False,
                   set=sets)
    resumed, once = _weights(killed), _weights(tmp_path / "once")
    assert resumed.keys() == once.keys()
    for k in resumed:
        assert torch.equal(resumed[k], once[k]), k
    assert load_checkpoint(latest_checkpoint(killed))["step"] == target


def test_auto_streams_only_what_does_not_fit(tmp_path, monkeypatch):
    data = _folder(tmp_path / "imgs", n=40)
    cfg = DataConfig(name=str(data), stream_cache=str(tmp_path / "cache"), workers=0)  # stream: auto
    need = 40 * 3 * 12 * 12
    monkeypatch.setattr(stream, "available_memory", lambda: 100 * need)
    small = load_data(cfg, allow_stream=True)
    assert isinstance(small, TensorData) and "held in memory" in small.info["stream_decision"]
    monkeypatch.setattr(stream, "available_memory", lambda: int(1.5 * need))  # half of it is less than the set
    big = load_data(cfg, allow_stream=True)
    assert isinstance(big, StreamedData) and "streamed from disk" in big.info["stream_decision"]
    # a resize to 24×24 is held beside the native images: 5× the pixels no longer fit in 4.5× memory
    monkeypatch.setattr(stream, "available_memory", lambda: int(9 * need))
    assert isinstance(load_data(DataConfig(name=str(data), image_size=[12, 12], workers=0,
                                           stream_cache=str(tmp_path / "cache")), allow_stream=True), TensorData)
    assert isinstance(load_data(DataConfig(name=str(data), image_size=[24, 24], workers=0,
                                           stream_cache=str(tmp_path / "cache")), allow_stream=True), StreamedData)


def test_the_decision_is_printed_once(tmp_path, monkeypatch):
    data = _folder(tmp_path / "imgs", n=40)
    monkeypatch.setattr(stream, "available_memory", lambda: 1000)
    code, out, err = cli("train", "gan", "--data", data, "--steps", "2", "--batch-size", "8", "--out", tmp_path / "r",
                         *sum((["--set", s] for s in _sets(tmp_path / "cache", "data.workers=1", *MLP)), []))
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.startswith("data: ")]
    assert len(lines) == 1, out
    assert "streamed from disk" in lines[0] and "1 reader process per rank" in lines[0]


def test_a_corrupt_image_is_one_error_and_no_cache(tmp_path):
    data = _folder(tmp_path / "imgs", n=30)
    (data / "dogs" / "9999.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    cache = tmp_path / "cache"
    one_error_line(["train", "gan", "--data", data, "--steps", "2", "--out", tmp_path / "r",
                    *sum((["--set", s] for s in _sets(cache, "data.stream=true", *MLP)), [])],
                   "corrupt or unreadable image", "9999.png")
    if cache.exists():  # the image-size survey may meet the bad header before any cache is made
        assert _cache_folders(cache) == []
        assert not [p for p in cache.iterdir() if ".tmp-" in p.name]


@pytest.mark.parametrize("sets,fragment", [
    (["data.stream=maybe"], "data.stream must be auto, true or false"),
    (["data.workers=-1"], "data.workers must be auto or a whole number"),
    (["data.stream=true"], "data.stream=true streams a folder or .zip of images"),
])
def test_bad_stream_settings_are_one_error(tmp_path, sets, fragment):
    one_error_line(["train", "gan", "--data", "digits", "--steps", "2", "--out", tmp_path / "r",
                    *sum((["--set", s] for s in sets), [])], fragment)


def _open(data: Path, cache: Path) -> StreamedData:
    return load_data(DataConfig(name=str(data), stream=True, stream_cache=str(cache), workers=0), allow_stream=True)


def _first_row(data: StreamedData) -> np.ndarray:
    sampler = BatchSampler(len(data), len(data))
    idx = sampler.next()
    x, _ = data.take(idx, sampler, labels=False)
    return x[torch.argsort(idx)][0].numpy()


def test_cache_is_keyed_by_the_files(tmp_path, monkeypatch):
    data = _folder(tmp_path / "imgs", n=20)
    cache = tmp_path / "cache"
    before = _open(data, cache)
    first = sorted(p for p in data.rglob("*.png"))[0]
    builds = []
    real_build = stream._build
    monkeypatch.setattr(stream, "_build", lambda *a: builds.append(1) or real_build(*a))
    assert _open(data, cache).folder == before.folder and builds == []  # unchanged: reused as it is
    Image.fromarray(np.full((12, 12, 3), 7, np.uint8)).save(first)  # same name, same size on disk or not
    after = _open(data, cache)
    assert after.folder != before.folder and builds == [1]
    assert (_first_row(after) == 7).all() and not (_first_row(before) == 7).all()


def test_a_half_written_cache_is_never_trusted(tmp_path, monkeypatch):
    data = _folder(tmp_path / "imgs", n=40)
    cache = tmp_path / "cache"
    memory = load_data(DataConfig(name=str(data)))
    calls = []

    def dies_midway(path, name, read):
        calls.append(name)
        if len(calls) == 25:
            raise KeyboardInterrupt  # a crash in the middle of writing the chunks
        return real_decode(path, name, read)

    real_decode = stream.decode_image
    monkeypatch.setattr(stream, "decode_image", dies_midway)
    with pytest.raises(KeyboardInterrupt):
        _open(data, cache)
    assert _cache_folders(cache) == [] and not [p for p in cache.iterdir() if ".tmp-" in p.name]
    monkeypatch.setattr(stream, "decode_image", real_decode)

    good = _open(data, cache)
    # what a SIGKILL can leave: a temporary beside it; and a finished folder damaged afterwards
    (cache / f".{good.folder.name}.tmp-killed").mkdir()
    chunk = next(good.folder.glob("chunk-*.bin"))
    chunk.write_bytes(chunk.read_bytes()[:100])
    again = _open(data, cache)
    assert again.folder == good.folder and chunk.stat().st_size > 100  # rebuilt, not read truncated
    assert not [p for p in cache.iterdir() if ".tmp-" in p.name]
    sampler = BatchSampler(40, 40)
    idx = sampler.next()
    assert torch.equal(again.take(idx, sampler, labels=False)[0], memory.x[idx])
    (again.folder / stream.META).unlink()  # metadata is written last: without it nothing is trusted
    assert _open(data, cache).folder == good.folder and (good.folder / stream.META).is_file()
