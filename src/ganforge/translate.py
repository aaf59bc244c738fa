"""``ganforge translate``: a two-domain run's translators applied to images.

``translate(RUN, images, direction)`` runs G (``a2b``) or F (``b2a``) from the run's last
checkpoint on images [N, C, H, W] in [0, 1] of the source domain's shape and returns the
translations in [0, 1] at the target domain's shape. ``translate_files`` reads an .npy array or a
folder of images (resized to the source domain's size) and writes an .npy array or a folder of PNGs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from .errors import GanforgeError

DIRECTIONS = {"a2b": "G", "b2a": "F"}


def load_translator(run_dir: str | Path, direction: str, *, device: str = "cpu") -> tuple[nn.Module, dict]:
    """The network of ``direction`` (a2b: G, b2a: F) in eval mode, and the run's run.json."""
    from .runs.load import check_device, load_network
    from .runs.read import read_run, run_shapes
    from .training.latent import LatentSpec

    if direction not in DIRECTIONS:
        raise GanforgeError(f"unknown direction {direction!r}; valid: a2b (G: A → B), b2a (F: B → A)")
    run_dir = Path(run_dir)
    device = check_device(device)
    cfg, meta = read_run(run_dir)
    shapes = run_shapes(meta)
    name = DIRECTIONS[direction]
    if shapes is None or name not in shapes:
        raise GanforgeError(f"{run_dir} is a {cfg.recipe} run with one domain; translate needs a two-domain run "
                            f"(cyclegan)")
    net, _, _ = load_network(run_dir, cfg, meta, name, LatentSpec.from_config(cfg, None), device=device, ema=False)
    return net, meta


@torch.no_grad()
def translate(run_dir: str | Path, images: Tensor, direction: str = "a2b", *, batch: int = 256,
              device: str = "cpu", net: nn.Module | None = None) -> Tensor:
    """images: [N, C, H, W] in [0, 1] at the source domain's shape → [N, C', H', W'] in [0, 1]."""
    from .data.base import to_unit

    if net is None:
        net, _ = load_translator(run_dir, direction, device=device)
    src = tuple(net.in_shape)
    if images.dim() != 4 or tuple(images.shape[1:]) != src:
        raise GanforgeError(f"direction {direction} takes images [N, {', '.join(map(str, src))}] (the source domain's "
                            f"shape), got {list(images.shape)}")
    if images.is_floating_point() and not bool(torch.isfinite(images).all()):
        raise GanforgeError("images hold NaN or infinite values; translate takes finite pixels in [0, 1]")
    if images.is_floating_point() and (images.min() < -1e-3 or images.max() > 1 + 1e-3):
        raise GanforgeError(f"images must be in [0, 1], got values in [{images.min():.3g}, {images.max():.3g}]")
    x = images.float() / 255.0 if images.dtype == torch.uint8 else images.float()
    lo, hi = net.out_range
    dev = next(net.parameters()).device
    out = [to_unit(net(chunk.to(dev) * (hi - lo) + lo), net.out_range).cpu() for chunk in x.split(batch)]
    return torch.cat(out)


def read_images(path: str | Path, shape: tuple[int, int, int]) -> tuple[Tensor, list[str]]:
    """An .npy array [N, C, H, W] (float in [0, 1] or uint8) or a folder / .zip of images resized to
    ``shape`` → (float images in [0, 1], names)."""
    from .config import DataConfig
    from .data.folder import load_image_folder

    path = Path(path)
    if path.suffix.lower() == ".npy":
        if not path.is_file():
            raise GanforgeError(f"--input {path} does not exist")
        try:
            arr = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as err:
            raise GanforgeError(f"cannot read {path} as a numpy array ({err})") from None
        x = torch.from_numpy(np.ascontiguousarray(arr))
        if x.dtype != torch.uint8:
            x = x.float()
        return x, [f"{i:06d}" for i in range(len(x))]
    data = load_image_folder(path, DataConfig(name=str(path), image_size=list(shape[1:]), channels=shape[0]))
    names = output_names(_names(path))
    return data.x.float() / 255.0, names if len(names) == len(data) else [f"{i:06d}" for i in range(len(data))]


def output_names(entries: list[str]) -> list[str]:
    """One distinct output name per input: its stem where no other input shares it, else its path
    inside the folder with the suffix kept (``a.png``, ``a.jpg``, ``sub/a.png`` → ``a_png``,
    ``a_jpg``, ``sub_a_png``), never two inputs onto one file."""
    from collections import Counter

    stems = [Path(n).stem for n in entries]
    count = Counter(stems)
    names = [stem if count[stem] == 1 else n.replace("/", "_").replace("\\", "_").replace(".", "_")
             for stem, n in zip(stems, entries)]
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def _names(path: Path) -> list[str]:
    from .data.folder import _entries

    return [n for n, _ in _entries(path)]


def write_images(x: Tensor, out: str | Path, names: list[str]) -> Path:
    """x: [N, C, H, W] in [0, 1] → ``out``.npy (float32) or a folder of PNGs named after the inputs."""
    from PIL import Image

    from .run_dir import atomic_write

    out = Path(out)
    if out.suffix.lower() == ".npy":
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(out) as tmp, open(tmp, "wb") as f:  # np.save(path) would append ".npy" to "X.NPY"
            np.save(f, x.numpy().astype(np.float32))
        return out
    out.mkdir(parents=True, exist_ok=True)
    u8 = (x.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    for arr, name in zip(u8, names):
        Image.fromarray(arr[:, :, 0] if arr.shape[2] == 1 else arr).save(out / f"{name}.png")
    return out


def translate_files(run_dir: str | Path, input: str | Path, direction: str, out: str | Path, *,
                    device: str = "cpu") -> dict:
    """Read ``input``, translate it, write ``out``; returns {"n", "from", "to", "out"}."""
    check_out_apart(Path(input), Path(out))
    net, _ = load_translator(run_dir, direction, device=device)
    x, names = read_images(input, tuple(net.in_shape))
    y = translate(run_dir, x, direction, net=net)
    path = write_images(y, out, names)
    return {"n": len(y), "from": list(net.in_shape), "to": list(y.shape[1:]), "out": str(path)}


def check_out_apart(input: Path, out: Path) -> None:
    """Refuse an ``--out`` that is the input, or lies inside an input folder: the translations would
    replace or mix with the user's images."""
    src, dst = input.resolve(), out.resolve()
    if dst == src or src in dst.parents:
        where = "is" if dst == src else "lies inside"
        raise GanforgeError(f"--out {out} {where} the input {input}: the translations would replace or mix with your "
                            f"images; choose an --out outside it")
