"""Everything the lab draws for one run directory, into ``RUN/lab/``:

* 1-D runs: ``figure1.png`` (panels (a)–(d)) and ``figure1.gif`` (every snapshot);
* 2-D runs: ``field2d.png`` (the same chosen steps) and ``field2d.gif``;
* both: ``curves.png`` (from metrics.jsonl) and ``summary.json`` (the last theory numbers).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import GanforgeError
from ..run_dir import atomic_write, run_path
from .snapshots import load_run, load_snapshots, read_metrics


def pick_panels(steps: list[int], n: int = 4) -> list[int]:
    """n steps spread over the available ones: the first, the last, and roughly geometric
    steps between (early training changes fastest)."""
    if len(steps) <= n:
        return list(steps)
    import math

    lo, hi = max(steps[0], 1), steps[-1]
    wanted = [lo * (hi / lo) ** (i / (n - 1)) for i in range(n)] if hi > lo else [lo] * n
    chosen: list[int] = []
    for w in wanted:
        best = min((s for s in steps if s not in chosen), key=lambda s: abs(math.log(max(s, 1)) - math.log(w)))
        chosen.append(best)
    return sorted(chosen)


def draw_run(run_dir: str | Path, *, panels: list[int] | None = None, animate: bool = True) -> dict:
    """Draw the lab pictures of ``run_dir``. ``panels``: snapshot steps for the still figure
    (default: 4 spread over the snapshots). Returns {name: path}."""
    from ..losses import LossFamily  # noqa: F401
    from ..registry import LOSSES
    from .curves import draw_curves

    run_dir = Path(run_dir)
    cfg, meta, data = load_run(run_dir)
    target = data.info.get("target")
    if target is None or target.dim not in (1, 2):
        raise GanforgeError(f"{run_dir}: the lab draws 1-D and 2-D toy targets; this run's data is {meta.get('data_name')}")
    snaps = load_snapshots(run_dir, cfg, meta)
    chosen = panels or pick_panels([s.step for s in snaps])
    missing = [p for p in chosen if p not in {s.step for s in snaps}]
    if missing:
        have = ", ".join(str(s.step) for s in snaps)
        raise GanforgeError(f"{run_dir} has no snapshot at step {missing[0]}; snapshots: {have}")
    still = [s for s in snaps if s.step in chosen]
    records = read_metrics(run_dir)
    by_step = {r["step"]: r for r in records}
    out_dir = run_path(run_dir, "lab")
    title = f"{cfg.recipe} on {meta.get('data_name')} (g_objective {cfg.g_objective or 'default'}, " \
            f"{cfg.d_steps} D : {cfg.g_steps} G steps, z {cfg.z_dim}-D {cfg.z_dist})"
    paths: dict[str, str] = {}
    prob = LOSSES.get(cfg.loss).probabilistic  # D as a probability only for the minimax family
    if target.dim == 1:
        from .figure1 import animate_figure1, draw_figure1

        paths["figure1"] = str(draw_figure1(still, target, data, run_path(out_dir, "figure1.png"), records=by_step, title=title,
                                                probabilistic=prob))
        if animate and len(snaps) > 1:
            paths["figure1_gif"] = str(animate_figure1(snaps, target, data, run_path(out_dir, "figure1.gif"), records=by_step,
                                                         probabilistic=prob))
    else:
        from .field2d import animate_field, draw_field

        g_loss = LOSSES.get(cfg.loss).g_loss(cfg.g_objective)
        paths["field2d"] = str(draw_field(still, target, data, g_loss, run_path(out_dir, "field2d.png"), records=by_step, title=title,
                                              probabilistic=prob))
        if animate and len(snaps) > 1:
            paths["field2d_gif"] = str(animate_field(snaps, target, data, g_loss, run_path(out_dir, "field2d.gif"), records=by_step,
                                                       probabilistic=prob))
    if records:
        paths["curves"] = str(draw_curves(records, run_path(out_dir, "curves.png"), title=title))
        keys = ("step", "jsd", "c_of_g", "d_star_gap", "d_real_eval", "d_fake_eval", "value_eval", "d_real", "d_fake",
                "value", "critic_real_eval", "critic_fake_eval", "modes_covered", "modes_total", "hq_share", "mode_kl", "missing_modes")
        summary = {k: records[-1][k] for k in keys if k in records[-1]}
        summary_path = run_path(out_dir, "summary.json")
        with atomic_write(summary_path) as tmp:
            tmp.write_text(json.dumps(summary, indent=2))
        paths["summary"] = str(summary_path)
    return paths
