"""Reference features, computed once per (dataset, split, selection, count, feature network,
weights, image size, resizing, quantisation, pixel content) and cached as safetensors.

Location: $GANFORGE_CACHE/reference, else ~/.cache/ganforge/reference. The key includes a
sha256 of the reference pixels, so a changed dataset file can never be served stale features.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import torch

from ..run_dir import atomic_write
from .features import FeatureNet


def cache_dir() -> Path:
    root = os.environ.get("GANFORGE_CACHE")
    return (Path(root).expanduser() if root else Path.home() / ".cache" / "ganforge") / "reference"


def pixels_sha256(x: torch.Tensor) -> str:
    return hashlib.sha256(x.contiguous().cpu().numpy().tobytes()).hexdigest()


def reference_features(x: torch.Tensor, describe: dict, net: FeatureNet, *, use_cache: bool = True,
                       batch_size: int = 500, quantize: bool = True) -> tuple[dict[str, torch.Tensor], dict]:
    """Features of the reference images ``x`` (uint8 [N, C, H, W] or float [0, 1]), from the
    cache when present. ``describe`` names the set ({"dataset", "split", "selection"}).
    Returns (features dict, info {"key", "path", "hit"})."""
    key_info = {**describe, "n": int(len(x)), "feature_net": net.card(), "quantize": quantize,
                "pixels_sha256": pixels_sha256(x)}
    key = hashlib.sha256(json.dumps(key_info, sort_keys=True, default=str).encode()).hexdigest()[:20]
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{Path(str(describe.get('dataset', 'ref'))).name}-"
                  f"{describe.get('split', '')}-{net.name}-{len(x)}")
    path = cache_dir() / f"{stem}-{key}.safetensors"
    from safetensors.torch import load_file, save_file

    if use_cache and path.is_file():
        try:
            return load_file(str(path)), {"key": key, "path": str(path), "hit": True}
        except Exception:  # noqa: BLE001  (a corrupt cache entry is recomputed, never trusted)
            pass
    feats = net.extract(x, batch_size=batch_size, quantize=quantize)
    if use_cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(path) as tmp:
                save_file({k: v.contiguous() for k, v in feats.items()}, str(tmp),
                          metadata={"ganforge": json.dumps(key_info, sort_keys=True, default=str)})
        except OSError:  # a read-only home: compute every time rather than fail
            pass
    return feats, {"key": key, "path": str(path), "hit": False}
