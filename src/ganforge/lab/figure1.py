"""The paper's Figure 1, drawn from a real 1-D training run (Goodfellow et al., 2014).

Each panel, at one training step: the data density p_data (black dots, exact when the target's
law is known), the generator's density p_g (green, a histogram of 50,000 G samples), the
discriminator D(x) = sigmoid(logit) (blue, dashed), the optimal discriminator
D*(x) = p_data / (p_data + p_g) for that G (thin grey), and beneath them the z line (lower) and
the x line (upper) with arrows from evenly spaced quantiles of p_z to x = G(z).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..theory import measures as theory
from ..viz import save_figure
from .snapshots import Snapshot, generate

N_SAMPLES = 50_000


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _x_range(target, fakes: list[torch.Tensor]) -> tuple[float, float]:
    if target.centres is not None:
        lo = float(target.centres.min()) - 4 * target.std
        hi = float(target.centres.max()) + 4 * target.std
    else:
        lo, hi = target.bounds[0]
        pad = (hi - lo) / 6  # bounds were widened by ¼ on each side: undo most of it
        lo, hi = lo + pad, hi - pad
    for f in fakes:
        q = torch.quantile(f[:, 0].double(), torch.tensor([0.005, 0.995], dtype=torch.float64))
        lo, hi = min(lo, float(q[0])), max(hi, float(q[1]))
    w = hi - lo
    return lo - 0.05 * w, hi + 0.05 * w


def _data_density(target, data, xs: np.ndarray, edges) -> np.ndarray:
    if target.exact:
        return target.log_prob(torch.from_numpy(xs)[:, None]).exp().numpy()
    mass, _ = theory.histogram(data.x, edges)
    return (mass / theory.cell_volume(edges)).numpy()


def _z_quantiles(z_dist: str, n: int = 15) -> torch.Tensor:
    u = torch.linspace(0.04, 0.96, n, dtype=torch.float64)
    if z_dist == "uniform":
        return (2 * u - 1).float()
    return (torch.erfinv(2 * u - 1) * 2**0.5).float()


def draw_panel(ax, snap: Snapshot, fake: torch.Tensor, target, data, x_range: tuple[float, float], *,
               label: str = "", record: dict | None = None, legend: bool = False, probabilistic: bool = True) -> None:
    """``probabilistic=False`` (Wasserstein, hinge, least-squares losses): D's raw score is not a
    probability, so it is drawn min-max rescaled to [0, 1] over the plotted range and D* is left out."""
    lo, hi = x_range
    edges = [torch.linspace(lo, hi, 161, dtype=torch.float64)]
    xs = ((edges[0][1:] + edges[0][:-1]) / 2).numpy()
    p_data = _data_density(target, data, xs, edges)
    q_mass, _ = theory.histogram(fake, edges)
    p_g = (q_mass / theory.cell_volume(edges)).numpy()
    with torch.no_grad():
        scores = snap.D(torch.from_numpy(xs).float()[:, None]).reshape(-1)
    if probabilistic:
        d = torch.sigmoid(scores).numpy()
        d_star = theory.optimal_discriminator(torch.from_numpy(p_data), torch.from_numpy(p_g)).numpy()
        d_star[(p_data + p_g) < 1e-3 * max(p_data.max(), p_g.max())] = np.nan  # undefined where both vanish
    else:
        d = scores.numpy()
        d = (d - d.min()) / max(float(d.max() - d.min()), 1e-12)
    # a collapsed G has a tall narrow spike: clip it rather than flatten everything else
    top = max(1.05, min(1.1 * float(np.nanmax(np.r_[p_data, p_g])), 2.5 * float(p_data.max())))

    ax.plot(xs[::2], p_data[::2], "k.", ms=3, label="data p_data")
    ax.plot(xs, p_g, "-", color="tab:green", lw=1.8, label="generator p_g")
    ax.plot(xs, d, "--", color="tab:blue", lw=1.6, label="D(x)" if probabilistic else "critic f(x), rescaled")
    if probabilistic:
        ax.plot(xs, d_star, "-", color="0.55", lw=0.8, label="D*(x)")

    # z (lower line) mapped to x = G(z) (upper line)
    y_x, y_z = -0.12 * top, -0.5 * top
    ax.axhline(y_x, color="k", lw=0.8)
    ax.axhline(y_z, color="k", lw=0.8)
    z_dist = getattr(snap.G, "z_dim", 1) == 1 and getattr(snap.G, "z_dist", "normal")
    if z_dist:
        z = _z_quantiles(z_dist)
        with torch.no_grad():
            gx = snap.G(z[:, None]).reshape(-1).numpy()
        z_lo, z_hi = float(z.min()), float(z.max())
        z_disp = lo + (0.15 + 0.7 * (z.numpy() - z_lo) / max(z_hi - z_lo, 1e-9)) * (hi - lo)
        for a, b in zip(z_disp, gx):
            ax.annotate("", xy=(b, y_x), xytext=(a, y_z),
                        arrowprops={"arrowstyle": "->", "color": "0.3", "lw": 0.7, "shrinkA": 0, "shrinkB": 0})
        ax.text(lo, y_z, " z", va="bottom", fontsize=8)
    else:
        ax.text(lo, y_z, " z (more than 1-D: arrows not drawn)", va="bottom", fontsize=7)
    ax.text(lo, y_x, " x", va="bottom", fontsize=8)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.58 * top, top)
    ax.set_yticks([0, 0.5, 1.0])
    title = f"{label} step {snap.step}"
    if record and record.get("jsd") is not None:
        if probabilistic:
            d_real, d_fake = record.get("d_real_eval", float("nan")), record.get("d_fake_eval", float("nan"))
            title += f"\nJSD {record['jsd']:.3f} · D(real) {d_real:.2f} · D(fake) {d_fake:.2f}"
        else:
            c_real, c_fake = record.get("critic_real_eval", float("nan")), record.get("critic_fake_eval", float("nan"))
            title += f"\nJSD {record['jsd']:.3f} · f(real) {c_real:.2f} · f(fake) {c_fake:.2f}"
    ax.set_title(title, fontsize=9)
    if legend:
        ax.legend(loc="upper left", fontsize=7, frameon=False)


def draw_figure1(snaps: list[Snapshot], target, data, path: Path, *, records: dict[int, dict] | None = None,
                 title: str = "", probabilistic: bool = True) -> Path:
    """Panels (a), (b), ... side by side, one per snapshot → PNG."""
    plt = _plt()
    fakes = [generate(s.G, N_SAMPLES) for s in snaps]
    x_range = _x_range(target, fakes)
    fig, axes = plt.subplots(1, len(snaps), figsize=(3.6 * len(snaps), 3.6), squeeze=False)
    for i, (s, f) in enumerate(zip(snaps, fakes)):
        draw_panel(axes[0, i], s, f, target, data, x_range, label=f"({chr(97 + i)})",
                   record=(records or {}).get(s.step), legend=i == 0, probabilistic=probabilistic)
    return save_figure(fig, path, dpi=110, title=title, tight_layout=True)


def animate_figure1(snaps: list[Snapshot], target, data, path: Path, *, records: dict[int, dict] | None = None,
                    ms_per_frame: int = 300, probabilistic: bool = True) -> Path:
    """One panel per snapshot, as an animated GIF over training."""
    plt = _plt()
    fakes = [generate(s.G, N_SAMPLES) for s in snaps]
    x_range = _x_range(target, fakes)
    frames = []
    for s, f in zip(snaps, fakes):
        fig, ax = plt.subplots(figsize=(5, 3.8))
        draw_panel(ax, s, f, target, data, x_range, record=(records or {}).get(s.step), legend=True,
                   probabilistic=probabilistic)
        fig.tight_layout()
        frames.append(figure_to_image(fig))
        plt.close(fig)
    return save_gif(frames, path, ms_per_frame)


def figure_to_image(fig):
    from PIL import Image

    fig.canvas.draw()
    return Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())


def save_gif(frames, path: Path, ms_per_frame: int = 300) -> Path:
    from ..run_dir import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as tmp:
        frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:], duration=ms_per_frame, loop=0)
    return path
