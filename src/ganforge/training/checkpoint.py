"""Checkpoints: tensors in safetensors, everything else in JSON, written atomically.

A checkpoint is a directory ``checkpoints/step_NNNNNNN``. It is written under a temporary
name and renamed into place only when complete (rename is atomic on POSIX), so a crash or
Ctrl-C leaves either the previous checkpoint or the new one, never a half-written one.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from ..errors import GanforgeError

_PREFIX = "step_"


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


def save_checkpoint(ckpt_dir: Path, step: int, state: dict, *, keep: int = 1) -> Path:
    """Write ``state`` (nested dicts/lists of tensors and JSON values) as checkpoint ``step``."""
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    final = ckpt_dir / f"{_PREFIX}{step:07d}"
    tmp = ckpt_dir / f".tmp-{_PREFIX}{step:07d}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    tensors: dict[str, torch.Tensor] = {}
    meta = _encode(state, tensors, "s")
    save_file(tensors, str(tmp / "tensors.safetensors"))
    with open(tmp / "tensors.safetensors", "rb+") as f:
        os.fsync(f.fileno())
    _fsync_write(tmp / "state.json", json.dumps(meta).encode())
    if final.exists():  # re-saving the same step (e.g. after a resume): replace it
        old = ckpt_dir / f".old-{final.name}-{os.getpid()}"
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
    for old in list_checkpoints(ckpt_dir)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def list_checkpoints(ckpt_dir: Path) -> list[Path]:
    """Complete checkpoints, oldest first (temporary directories are never listed)."""
    if not ckpt_dir.is_dir():
        return []
    found = [p for p in ckpt_dir.iterdir() if p.is_dir() and p.name.startswith(_PREFIX)
             and (p / "state.json").is_file() and (p / "tensors.safetensors").is_file()]
    return sorted(found, key=lambda p: int(p.name[len(_PREFIX):]))


def clean_temporaries(ckpt_dir: Path) -> None:
    """Remove what an interrupted save left behind."""
    if ckpt_dir.is_dir():
        for p in ckpt_dir.iterdir():
            if p.name.startswith((".tmp-", ".old-")):
                shutil.rmtree(p, ignore_errors=True)


def load_checkpoint(path: Path) -> dict:
    try:
        tensors = load_file(str(path / "tensors.safetensors"))
        meta = json.loads((path / "state.json").read_text())
    except Exception as err:
        raise GanforgeError(f"checkpoint {path} is unreadable ({err}); delete it to fall back to an older one") from None
    return _decode(meta, tensors)


def latest_checkpoint(run_dir: Path) -> Path | None:
    found = list_checkpoints(Path(run_dir) / "checkpoints")
    return found[-1] if found else None
