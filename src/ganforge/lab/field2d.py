"""The 2-D view of the game (in the spirit of GAN Lab): real points (black), generated points
(green), D(x) = sigmoid(logit) as a heat map with its 0.5 contour, and the gradient field that
D gives the generator: −∇_x of G's loss at x (the run's own G objective, e.g. −log D(x) for the
non-saturating loss), i.e. where a generated point at x is pushed by the next G step."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..viz import save_figure
from .figure1 import _plt, figure_to_image, save_gif
from .snapshots import Snapshot, generate


def _view_box(target, fakes: list[torch.Tensor]) -> list[tuple[float, float]]:
    box = [list(b) for b in target.bounds]
    for f in fakes:
        q = torch.quantile(f.double(), torch.tensor([0.01, 0.99], dtype=torch.float64), dim=0)
        for d in range(2):
            box[d][0] = min(box[d][0], float(q[0, d]))
            box[d][1] = max(box[d][1], float(q[1, d]))
    return [tuple(b) for b in box]


def generator_field(D, g_loss, points: torch.Tensor) -> torch.Tensor:
    """points: [N, 2] → −∂(G's loss)/∂x at each point, [N, 2]. ``g_loss(fake_logits=...)``
    returns a mean over the batch, so it is scaled by N to give per-point gradients."""
    x = points.detach().clone().requires_grad_(True)
    loss = g_loss(fake_logits=D(x).reshape(-1)) * x.shape[0]
    (grad,) = torch.autograd.grad(loss, x)
    return -grad


def draw_field_panel(ax, snap: Snapshot, fake: torch.Tensor, real: torch.Tensor, target, g_loss,
                     box, *, record: dict | None = None, n_heat: int = 150, n_arrows: int = 21,
                     n_points: int = 1500, probabilistic: bool = True) -> None:
    """``probabilistic=False``: the heat map is D's raw critic score (its own colour range, no
    0.5 contour), since for Wasserstein, hinge and least-squares losses it is not a probability."""
    (x0, x1), (y0, y1) = box
    xs, ys = np.linspace(x0, x1, n_heat), np.linspace(y0, y1, n_heat)
    grid = torch.from_numpy(np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)).float()
    with torch.no_grad():
        scores = snap.D(grid).reshape(n_heat, n_heat)
    heat = (torch.sigmoid(scores) if probabilistic else scores).numpy()
    vmin, vmax = (0, 1) if probabilistic else (float(heat.min()), float(heat.max()))
    im = ax.imshow(heat, origin="lower", extent=(x0, x1, y0, y1), cmap="coolwarm", vmin=vmin, vmax=vmax,
                   aspect="auto", interpolation="bilinear")
    if probabilistic and heat.min() < 0.5 < heat.max():
        ax.contour(xs, ys, heat, levels=[0.5], colors="k", linewidths=0.9)
    ax.scatter(real[:n_points, 0], real[:n_points, 1], s=3, c="k", alpha=0.5, lw=0, label="data")
    ax.scatter(fake[:n_points, 0], fake[:n_points, 1], s=3, c="limegreen", alpha=0.8, lw=0, label="G(z)")
    ax_, ay_ = np.linspace(x0, x1, n_arrows), np.linspace(y0, y1, n_arrows)
    pts = torch.from_numpy(np.stack(np.meshgrid(ax_, ay_), -1).reshape(-1, 2)).float()
    field = generator_field(snap.D, g_loss, pts).numpy()
    ax.quiver(pts[:, 0], pts[:, 1], field[:, 0], field[:, 1], color="0.15", alpha=0.7, width=0.003,
              angles="xy", pivot="tail")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    title = f"step {snap.step}"
    if record:
        if record.get("modes_total"):
            title += f" · modes {record['modes_covered']}/{record['modes_total']} · hq {record['hq_share']:.0%}"
        if record.get("jsd") is not None and probabilistic:
            title += f"\nJSD {record['jsd']:.3f} · D(real) {record['d_real_eval']:.2f} · D(fake) {record['d_fake_eval']:.2f}"
        elif record.get("jsd") is not None:
            title += (f"\nJSD {record['jsd']:.3f} · f(real) {record.get('critic_real_eval', float('nan')):.2f}"
                      f" · f(fake) {record.get('critic_fake_eval', float('nan')):.2f}")
    ax.set_title(title, fontsize=8)
    return im


def _prepare(snaps, target, data):
    fakes = [generate(s.G, 5000) for s in snaps]
    real = data.x[torch.randperm(len(data), generator=torch.Generator().manual_seed(0))[:5000]].cpu()
    return fakes, real, _view_box(target, fakes)


def draw_field(snaps: list[Snapshot], target, data, g_loss, path: Path, *, records: dict[int, dict] | None = None,
               title: str = "", probabilistic: bool = True) -> Path:
    """One panel per snapshot (up to 4 per row) → PNG."""
    plt = _plt()
    fakes, real, box = _prepare(snaps, target, data)
    cols = min(4, len(snaps))
    rows = (len(snaps) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.9 * cols, 3.9 * rows + 0.4), squeeze=False)
    im = None
    for i, (s, f) in enumerate(zip(snaps, fakes)):
        im = draw_field_panel(axes[i // cols, i % cols], s, f, real, target, g_loss, box,
                              record=(records or {}).get(s.step), probabilistic=probabilistic)
    for j in range(len(snaps), rows * cols):
        axes[j // cols, j % cols].axis("off")
    axes[0, 0].legend(loc="upper left", fontsize=7, markerscale=3)
    if im is not None:
        fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.8, label="D(x)" if probabilistic else "critic f(x)")
    return save_figure(fig, path, dpi=110, title=title, bbox_tight=True)


def animate_field(snaps: list[Snapshot], target, data, g_loss, path: Path, *,
                  records: dict[int, dict] | None = None, ms_per_frame: int = 300, probabilistic: bool = True) -> Path:
    plt = _plt()
    fakes, real, box = _prepare(snaps, target, data)
    frames = []
    for s, f in zip(snaps, fakes):
        fig, ax = plt.subplots(figsize=(4.6, 4.6))
        draw_field_panel(ax, s, f, real, target, g_loss, box, record=(records or {}).get(s.step),
                         probabilistic=probabilistic)
        fig.tight_layout()
        frames.append(figure_to_image(fig))
        plt.close(fig)
    return save_gif(frames, path, ms_per_frame)

