"""Sample grids as PNG files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ..run_dir import atomic_write
from . import save_figure


def grid_image(images: Tensor, *, nrow: int | None = None, scale: int | None = None):
    """images: [N, C, H, W] in [0, 1] → one PIL image (1-pixel gaps), upscaled when small."""
    from PIL import Image

    images = images.detach().float().cpu().clamp(0, 1)
    n, c, h, w = images.shape
    nrow = nrow or max(1, int(math.ceil(math.sqrt(n))))
    ncol = int(math.ceil(n / nrow))
    pad = 1
    grid = torch.ones(c, ncol * (h + pad) + pad, nrow * (w + pad) + pad) * 0.5
    for i in range(n):
        r, q = divmod(i, nrow)
        grid[:, pad + r * (h + pad) : pad + r * (h + pad) + h, pad + q * (w + pad) : pad + q * (w + pad) + w] = images[i]
    arr = (grid.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    img = Image.fromarray(arr[..., 0] if c == 1 else arr)
    scale = scale or max(1, 256 // max(h, w) // 2)
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    return img


def save_grid(images: Tensor, path: Path, *, nrow: int | None = None, scale: int | None = None) -> None:
    """images: [N, C, H, W] in [0, 1] → one PNG grid (see ``grid_image``), written atomically."""
    img = grid_image(images, nrow=nrow, scale=scale)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as tmp:
        img.save(tmp, format="PNG")


def save_points(points: Tensor, path: Path, real: Tensor | None = None) -> None:
    """points: [N, D] (D = 1 or 2) → a scatter / histogram PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = points.detach().float().cpu().numpy()
    fig, ax = plt.subplots(figsize=(4, 4))
    if p.shape[1] == 1:
        if real is not None:
            ax.hist(real.cpu().numpy()[:, 0], bins=60, density=True, alpha=0.4, color="k", label="data")
        ax.hist(p[:, 0], bins=60, density=True, alpha=0.6, color="g", label="G")
        ax.legend()
    else:
        if real is not None:
            r = real.cpu().numpy()
            ax.scatter(r[:, 0], r[:, 1], s=2, c="k", alpha=0.3, label="data")
        ax.scatter(p[:, 0], p[:, 1], s=2, c="g", alpha=0.5, label="G")
        ax.legend(loc="upper right")
    save_figure(fig, path, dpi=100, bbox_tight=True)
