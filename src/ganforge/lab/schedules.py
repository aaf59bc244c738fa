"""The k schedule, shown: the same recipe, target and seed trained with k = 1 D step per G step
(the paper's experiments), k = 5 D steps per G step, and 5 G steps per D step (the reverse
ratio), their curves side by side. Every run makes the same number of outer steps, so each
column's x axis counts outer iterations; the D and G update counts are in the column title."""

from __future__ import annotations

import json
from pathlib import Path

from ..run_dir import atomic_write
from ..viz import save_figure
from .curves import draw_curve_axes, last_value
from .figure1 import _plt
from .snapshots import read_metrics

SCHEDULES = (
    ("k1", "k = 1 (paper): 1 D : 1 G", {"d_steps": 1, "g_steps": 1}),
    ("k5", "k = 5: 5 D : 1 G", {"d_steps": 5, "g_steps": 1}),
    ("g5", "reverse: 1 D : 5 G", {"d_steps": 1, "g_steps": 5}),
)


def run_schedules(recipe: str, *, data: str, steps: int, out: str | Path, sets: list[str] | tuple[str, ...] = (),
                  console: bool = False) -> dict:
    """Train the three schedules into ``out/<k1|k5|g5>`` and draw ``out/schedules.png``."""
    from ..runs.launch import train

    out = Path(out)
    runs = {}
    for key, label, sched in SCHEDULES:
        extra = [f"d_steps={sched['d_steps']}", f"g_steps={sched['g_steps']}"]
        res = train(recipe, data=data, steps=steps, out=out / key, set=list(sets) + extra, console=console)
        runs[key] = {"label": label, "seconds": res["seconds"], **sched}
    png = draw_schedules(out, runs)
    summary = {}
    for key, info in runs.items():
        recs = read_metrics(out / key)
        summary[key] = {**info, **{k: last_value(recs, k) for k in
                                   ("jsd", "d_real_eval", "d_fake_eval", "value_eval", "modes_covered", "hq_share")}}
    with atomic_write(out / "schedules.json") as tmp:
        tmp.write_text(json.dumps(summary, indent=2))
    return {"png": str(png), "summary": summary}


def draw_schedules(out: Path, runs: dict) -> Path:
    plt = _plt()
    recs = {k: read_metrics(out / k) for k in runs}
    has_modes = any(r.get("modes_total") for rs in recs.values() for r in rs)
    rows = ["jsd", "d", "value", "loss"] + (["modes"] if has_modes else [])
    row_titles = {"jsd": "JSD (log)", "d": "mean D(x) (½ dashed)", "value": "V(G,D), C(G) (−log 4 dashed)",
                  "loss": "d_loss, g_loss", "modes": "modes covered"}
    fig, axs = plt.subplots(len(rows), len(runs), figsize=(4.2 * len(runs), 2.4 * len(rows)), sharex="col",
                            sharey="row", squeeze=False)
    for j, (key, info) in enumerate(runs.items()):
        draw_curve_axes({name: axs[i, j] for i, name in enumerate(rows)}, recs[key])
        n = max((r["step"] for r in recs[key]), default=0)
        axs[0, j].set_title(f"{info['label']}\n{n} steps = {n * info['d_steps']} D, {n * info['g_steps']} G updates, "
                            f"{info['seconds']:.0f}s", fontsize=9)
        axs[-1, j].set_xlabel("outer step")
    for i, name in enumerate(rows):
        axs[i, 0].set_ylabel(row_titles[name], fontsize=8)
    axs[1, 0].legend(fontsize=6, frameon=False, loc="lower left")
    return save_figure(fig, out / "schedules.png", dpi=100, tight_layout=True)
