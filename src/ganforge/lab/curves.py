"""Training curves from ``metrics.jsonl``: losses, V(G, D) and C(G) against −log 4, JSD, mean
D(real) and D(fake) against ½, the distance to D*, and modes covered."""

from __future__ import annotations

import math
from pathlib import Path

from ..theory.measures import LOG4
from ..viz import save_figure
from .figure1 import _plt


def _series(records: list[dict], key: str):
    pts = [(r["step"], r[key]) for r in records if isinstance(r.get(key), (int, float))]
    return [p[0] for p in pts], [p[1] for p in pts]


def draw_curve_axes(axes: dict, records: list[dict], *, color=None, label: str | None = None) -> None:
    """Fill the named axes ("loss", "value", "jsd", "d", "modes") from one run's records."""
    def line(ax, key, **kw):
        x, y = _series(records, key)
        if x:
            ax.plot(x, y, **kw)
        return bool(x)

    if "loss" in axes:
        line(axes["loss"], "d_loss", color=color or "tab:red", label=(label or "") + " d_loss")
        line(axes["loss"], "g_loss", color=color or "tab:green", ls="--", label=(label or "") + " g_loss")
    if "value" in axes:
        ax = axes["value"]
        line(ax, "value", color=color or "tab:purple", lw=0.8, alpha=0.6, label="V(G,D) minibatch")
        line(ax, "value_eval", color=color or "tab:purple", label="V(G,D) eval")
        line(ax, "c_of_g", color=color or "k", ls=":", label="C(G) = −log 4 + 2·JSD")
        ax.axhline(-LOG4, color="0.5", lw=0.8, ls="--")
    if "jsd" in axes:
        ax = axes["jsd"]
        x, y = _series(records, "jsd")
        if x:
            ax.plot(x, [max(v, 1e-5) for v in y], color=color or "k", label=label)
            ax.set_yscale("log")
        ax.axhline(0.01, color="0.6", lw=0.8, ls="--")
    if "d" in axes:
        ax = axes["d"]
        line(ax, "d_real", color=color or "tab:blue", lw=0.8, alpha=0.5, label="D(real) minibatch")
        line(ax, "d_fake", color=color or "tab:orange", lw=0.8, alpha=0.5, label="D(fake) minibatch")
        line(ax, "d_real_eval", color=color or "tab:blue", label="D(real) eval")
        line(ax, "d_fake_eval", color=color or "tab:orange", ls="--" if color else "-", label="D(fake) eval")
        ax.axhline(0.5, color="0.5", lw=0.8, ls="--")
        ax.set_ylim(0, 1)
    if "modes" in axes:
        ax = axes["modes"]
        if not line(ax, "modes_covered", color=color or "tab:brown", label="modes covered"):
            line(ax, "d_star_gap", color=color or "tab:gray", label="|D − D*| (grid)")
        else:
            total = next((r["modes_total"] for r in records if r.get("modes_total")), None)
            if total:
                ax.axhline(total, color="0.5", lw=0.8, ls="--")
                ax.set_ylim(0, total + 0.5)


def draw_curves(records: list[dict], path: Path, *, title: str = "") -> Path:
    plt = _plt()
    fig, axs = plt.subplots(2, 3, figsize=(13, 6.5))
    names = ["loss", "value", "jsd", "d", "gap", "modes"]
    axes = dict(zip(names, axs.ravel()))
    draw_curve_axes({k: v for k, v in axes.items() if k != "gap"}, records)
    x, y = _series(records, "d_star_gap")
    if x:
        axes["gap"].plot(x, y, color="tab:gray")
    has_modes = any(r.get("modes_total") for r in records)
    if has_modes:
        hq_x, hq_y = _series(records, "hq_share")
        tw = axes["modes"].twinx()
        tw.plot(hq_x, hq_y, color="tab:cyan", lw=1)
        tw.set_ylim(0, 1.05)
        tw.set_ylabel("high-quality share", color="tab:cyan")
    titles = {"loss": "losses", "value": "V(G,D) and C(G); dashed: −log 4", "jsd": "JSD(p_data‖p_g), nats (dashed: 0.01)",
              "d": "mean D(x); dashed: ½", "gap": "mean |D − D*| on the grid",
              "modes": "modes covered" if has_modes else "|D − D*| (no modes)"}
    for k, ax in axes.items():
        ax.set_title(titles[k], fontsize=9)
        ax.set_xlabel("step", fontsize=8)
        if k in ("loss", "value", "d"):
            ax.legend(fontsize=7, frameon=False)
    return save_figure(fig, path, dpi=100, title=title, tight_layout=True)


def last_value(records: list[dict], key: str) -> float:
    for r in reversed(records):
        v = r.get(key)
        if isinstance(v, (int, float)):
            return float(v)
    return math.nan
