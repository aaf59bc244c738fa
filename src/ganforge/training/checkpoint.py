"""Checkpoints: tensors in safetensors, everything else in JSON, written atomically.

A checkpoint is a directory ``checkpoints/step_NNNNNNN``. It is written under a temporary
name and renamed into place only when complete (rename is atomic on POSIX), so a crash or
Ctrl-C leaves either the previous checkpoint or the new one, never a half-written one.
``checkpoints/best`` (the best evaluation so far, training/health_hook.py) is written the same way
and is never rotated away: rotation counts only ``step_*`` folders.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from ..errors import GanforgeError

_PREFIX = "step_"
BEST = "best"  # checkpoints/best: the best evaluation so far


def _encode(obj: Any, tensors: dict[str, torch.Tensor], path: str) -> Any:
    if isinstance(obj, torch.Tensor):
        tensors[path] = obj.detach().cpu().contiguous().clone()
        return {"__tensor__": path}
    if isinstance(obj, np.ndarray):
        tensors[path] = torch.from_numpy(obj.copy())
        return {"__ndarray__": path}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, tensors, f"{path}.{i}") for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_encode(v, tensors, f"{path}.{i}") for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {k: _encode(v, tensors, f"{path}.{k}") for k, v in obj.items()}
        return {"__items__": [[k, _encode(v, tensors, f"{path}.{k}")] for k, v in obj.items()]}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot checkpoint a {type(obj).__name__} at {path}")


def _decode(obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(obj, list):
        return [_decode(v, tensors) for v in obj]
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            return tensors[obj["__tensor__"]]
        if "__ndarray__" in obj:
            return tensors[obj["__ndarray__"]].numpy()
        if "__tuple__" in obj:
            return tuple(_decode(v, tensors) for v in obj["__tuple__"])
        if "__items__" in obj:
            return {k: _decode(v, tensors) for k, v in obj["__items__"]}
        return {k: _decode(v, tensors) for k, v in obj.items()}
    return obj


def _fsync_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def save_checkpoint(ckpt_dir: Path, step: int, state: dict, *, keep: int = 2, name: str | None = None) -> Path:
    """Write ``state`` (nested dicts/lists of tensors and JSON values) as checkpoint ``step``,
    keeping the last ``keep`` complete checkpoints; ``name`` (``best``): a folder of that name
    instead, replaced whole. A failed write (a full disk) leaves the earlier checkpoints as they
    were and raises a GanforgeError naming the directory."""
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        # created exclusively under a fresh name: a link planted in the folder is never written through
        final = ckpt_dir / (name or f"{_PREFIX}{step:07d}")
        tmp = Path(tempfile.mkdtemp(dir=ckpt_dir, prefix=f".tmp-{final.name}-"))
        return _save(ckpt_dir, tmp, final, state, keep)
    except OSError as err:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        kept = latest_checkpoint(ckpt_dir.parent)
        raise GanforgeError(f"cannot write checkpoint {step} in {ckpt_dir}: {err.strerror or err}; free space there "
                            f"or move the run (the last complete checkpoint, {kept.name if kept else 'none'}, is "
                            f"kept)") from None


def _save(ckpt_dir: Path, tmp: Path, final: Path, state: dict, keep: int) -> Path:
    tensors: dict[str, torch.Tensor] = {}
    meta = _encode(state, tensors, "s")
    save_file(tensors, str(tmp / "tensors.safetensors"))
    with open(tmp / "tensors.safetensors", "rb+") as f:
        os.fsync(f.fileno())
    _fsync_write(tmp / "state.json", json.dumps(meta).encode())
    if final.exists():  # re-saving the same step (e.g. after a resume), or a new best: replace it
        old = Path(tempfile.mkdtemp(dir=ckpt_dir, prefix=f".old-{final.name}-"))  # empty: rename may replace it
        final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(final)
    dfd = os.open(ckpt_dir, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    for old in list_checkpoints(ckpt_dir)[: -max(keep, 1)]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def list_checkpoints(ckpt_dir: Path) -> list[Path]:
    """Complete checkpoints, oldest first (temporary directories are never listed)."""
    if not ckpt_dir.is_dir():
        return []
    found = [p for p in ckpt_dir.iterdir() if p.is_dir() and p.name.startswith(_PREFIX)
             and p.name[len(_PREFIX):].isdigit()
             and (p / "state.json").is_file() and (p / "tensors.safetensors").is_file()]
    return sorted(found, key=lambda p: int(p.name[len(_PREFIX):]))


def clean_temporaries(ckpt_dir: Path) -> list[str]:
    """Remove what an interrupted save or a half-finished deletion left behind: temporary
    folders and checkpoint folders missing a file. Returns the names removed."""
    if not ckpt_dir.is_dir() or ckpt_dir.is_symlink():
        return []
    complete = set(list_checkpoints(ckpt_dir))
    _rescue_best(ckpt_dir)
    removed = []
    for p in ckpt_dir.iterdir():
        if p.is_symlink():
            continue
        if p.name.startswith((".tmp-", ".old-")) or (p.name.startswith(_PREFIX) and p.is_dir() and p not in complete):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    return sorted(removed)


def _rescue_best(ckpt_dir: Path) -> None:
    """A crash between the two renames that replace ``best`` leaves the old one under ``.old-best-*``:
    put it back rather than delete it."""
    best = ckpt_dir / BEST
    if best.exists() or best.is_symlink():
        return
    for old in sorted(ckpt_dir.glob(f".old-{BEST}-*")):
        if old.is_dir() and not old.is_symlink() and (old / "state.json").is_file() \
                and (old / "tensors.safetensors").is_file():
            old.rename(best)
            return


def load_checkpoint(path: Path) -> dict:
    """A checkpoint's state. Only a failure of its content (a damaged file) comes with the advice to
    delete it; one of reading (permissions, a path the filesystem or safetensors cannot take, the
    disk) says so, since deleting would lose a good checkpoint."""
    try:
        state_text = (path / "state.json").read_text()
        tensors = _load_tensors(path / "tensors.safetensors")
    except (OSError, UnicodeError) as err:
        why = err.strerror if isinstance(err, OSError) and err.strerror else type(err).__name__
        raise GanforgeError(f"cannot read checkpoint {path} ({why}); the checkpoint itself may be intact: check the "
                            f"path and its permissions, or move the run to a plain path") from None
    except Exception as err:  # safetensors' own error: the file is damaged
        raise GanforgeError(f"checkpoint {path} is unreadable ({type(err).__name__}: {err}); delete it to fall back "
                            f"to an older one") from None
    try:
        return _decode(json.loads(state_text), tensors)
    except Exception as err:
        raise GanforgeError(f"checkpoint {path} is unreadable ({type(err).__name__}: {err}); delete it to fall back "
                            f"to an older one") from None


def _load_tensors(file: Path) -> dict:
    """safetensors' loader takes only UTF-8 paths; a path that is not (a folder name in another
    encoding) is read by Python and parsed from memory."""
    try:
        str(file).encode("utf-8")
    except UnicodeEncodeError:
        from safetensors.torch import load

        return load(file.read_bytes())
    return load_file(str(file))


def check_fits(nets: dict[str, torch.nn.Module], state: dict, source: Path) -> None:
    """Refuse a checkpoint whose networks do not match ``nets`` (another architecture, a
    tampered file), naming the key and both shapes, before any weight is copied."""
    for name, net in nets.items():
        saved = state.get(name) if isinstance(state, dict) else None
        if not isinstance(saved, dict):
            raise GanforgeError(f"checkpoint {source} holds no weights for network {name!r}; it is not from this run")
        for key, want in net.state_dict().items():
            have = saved.get(key)
            if not torch.is_tensor(have):
                raise GanforgeError(f"checkpoint {source} lacks {name}.{key} (or it is not a tensor); it is from "
                                    f"another architecture or damaged")
            if tuple(have.shape) != tuple(want.shape):
                raise GanforgeError(f"checkpoint {source}: {name}.{key} has shape {list(have.shape)}, the network "
                                    f"built from config.yaml needs {list(want.shape)}; the checkpoint is from "
                                    f"another architecture")
        extra = sorted(set(saved) - set(net.state_dict()))
        if extra:
            raise GanforgeError(f"checkpoint {source} has {name}.{extra[0]}, which the network built from "
                                f"config.yaml lacks; the checkpoint is from another architecture")


def checkpoint_step(path: Path) -> int:
    """The step of checkpoint folder ``path`` (its name, which ``list_checkpoints`` checked)."""
    return int(path.name[len(_PREFIX):])


def latest_checkpoint(run_dir: Path) -> Path | None:
    found = list_checkpoints(Path(run_dir) / "checkpoints")
    return found[-1] if found else None


def load_latest(run_dir: Path, *, missing: str) -> tuple[Path, dict]:
    """The last complete checkpoint of a run and its state; GanforgeError(``missing``) when the run
    has none. The one way a checkpoint is read back (resume, ``ganforge.load``); the caller checks
    the networks it restores with ``check_fits`` before copying anything."""
    last = latest_checkpoint(run_dir)
    if last is None:
        raise GanforgeError(missing)
    return last, load_checkpoint(last)
