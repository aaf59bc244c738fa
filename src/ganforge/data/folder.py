"""Images from a folder tree or a .zip: any size, brought to one size once at load (``data.fit``)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ..config import DataConfig
from ..errors import GanforgeError
from .fit import check_fit, fit_uint8
from .labels import class_info, image_classes
from .tensor_data import TensorData

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".pgm", ".ppm", ".tif", ".tiff"}


def _entries(path: Path) -> list[tuple[str, callable]]:
    """(name, open-bytes) pairs for every image file under ``path`` (sorted, stable)."""
    if path.is_dir():
        files = sorted(p for p in _walk(path) if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        return [(str(p.relative_to(path)), p.read_bytes) for p in files]
    if path.is_file() and path.suffix.lower() == ".zip":
        try:
            zf = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise GanforgeError(f"{path} is not a readable .zip file; check the download or unzip it") from None
        names = sorted(n for n in zf.namelist() if Path(n).suffix.lower() in IMAGE_SUFFIXES)
        return [(n, (lambda n=n: zf.read(n))) for n in names]
    if not path.exists():
        raise GanforgeError(
            f"data path {str(path)!r} does not exist; give a registered dataset name "
            f"(see `ganforge list --datasets`) or an existing folder / .zip of images"
        )
    raise GanforgeError(f"data path {str(path)!r} is neither a folder nor a .zip of images")


def _walk(root: Path) -> list[Path]:
    """Every file under ``root``, following symlinked folders; a folder reached a second time
    (a link loop, or two links to one folder) is read once."""
    seen: set[tuple[int, int]] = set()
    found: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=True):
        st = os.stat(folder)
        if (st.st_dev, st.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs.sort()
        found += [Path(folder) / f for f in files]
    return found


def to_uint8(im) -> np.ndarray:
    """A PIL image → uint8 [H, W] (gray) or [H, W, 3]. 16-bit and 32-bit gray images are scaled
    to 0..255 (16-bit by 1/257, so 65535 → 255), never clipped; float images in [0, 1] × 255."""
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        a = np.asarray(im, dtype=np.float64)
        if im.mode == "F" and a.size and np.nanmax(a) <= 1.0:
            a = a * 255.0
        elif im.mode != "F" and (im.mode.startswith("I;16") or (a.size and a.max() > 255)):
            a = a / 257.0
        return np.nan_to_num(a).round().clip(0, 255).astype(np.uint8)
    return np.asarray(im.convert("L" if im.mode in ("L", "1") else "RGB"))


def resize_uint8(x: Tensor, size: list[int] | None, channels: int | None, fit: str = "crop") -> Tensor:
    """uint8 [N, C, H, W] → channel-converted and brought to ``size`` by ``fit`` (``fit.fit_uint8``:
    crop, the default, scales the shorter side and centre-crops)."""
    if channels is not None and channels != x.shape[1]:
        if channels == 1:
            w = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
            x = (x.float() * w).sum(1, keepdim=True).round().clamp(0, 255).to(torch.uint8)
        elif channels == 3 and x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1).contiguous()
        else:
            raise GanforgeError(f"cannot convert {x.shape[1]} channels to {channels}; use channels 1 or 3")
    if size is not None and tuple(size) != tuple(x.shape[2:]):
        x = fit_uint8(x, size, fit)
    return x


def decode_image(path: Path, name: str, read) -> np.ndarray:
    """One image file's pixels, uint8 [H, W] or [H, W, 3] (``to_uint8``); a file that does not
    decode is refused in one message naming it."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(read())) as im:
            im.load()
            return to_uint8(im)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise GanforgeError(f"corrupt or unreadable image {path / name}: {unreadable(err)}; remove or replace that "
                            f"file") from None


def unreadable(err: Exception) -> str:
    """Why Pillow could not read a file, without the in-memory buffer's repr it names."""
    from PIL import UnidentifiedImageError

    return "not an image format Pillow can read" if isinstance(err, UnidentifiedImageError) else str(err)


def resize_one(a: np.ndarray, size: list[int] | None, channels: int, fit: str = "crop") -> Tensor:
    """uint8 [H, W] or [H, W, 3] → uint8 [1, C, H', W'], resized and converted as ``resize_uint8``."""
    t = torch.from_numpy(a.copy())
    t = t[None] if t.ndim == 2 else t.permute(2, 0, 1)
    return resize_uint8(t[None], size, channels, fit)


def load_image_folder(path: Path, cfg: DataConfig, entries: list | None = None) -> TensorData:
    """Every image under ``path`` (a folder, searched recursively, or a .zip).

    Labels (``labels.image_classes``): from ``data.labels`` (a CSV) or the first-level sub-folder
    names, sorted, when every image sits in one. Images of different sizes need
    ``data.image_size``; channels default to RGB unless every image is grayscale.
    """
    entries = _entries(path) if entries is None else entries
    all_names = [n for n, _ in entries]
    if cfg.limit is not None:
        entries = entries[: cfg.limit]
    if not entries:
        raise GanforgeError(f"no image files ({', '.join(sorted(IMAGE_SUFFIXES))}) found in {path}")
    arrays = [decode_image(path, name, read) for name, read in entries]
    channels = cfg.channels or (1 if all(a.ndim == 2 for a in arrays) else 3)
    size = list(cfg.image_size) if cfg.image_size else None
    shapes = {a.shape[:2] for a in arrays}
    if size is None and len(shapes) > 1:
        raise GanforgeError(
            f"images in {path} have {len(shapes)} different sizes; choose one with "
            f"--set data.image_size=SIZE (e.g. 64)"
        )
    x = torch.cat([resize_one(a, size, channels, check_fit(cfg.fit)) for a in arrays])
    labels, classes = image_classes(cfg.labels, all_names, [n for n, _ in entries])
    return TensorData(x, "image", str(path), labels, {"source": str(path), "n_files": len(entries),
                                                      **class_info(classes, cfg)})
