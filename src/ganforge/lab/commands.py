"""What `ganforge lab run` and `lab schedules` check and rewrite around the shared trainer: the
targets the lab can draw, a .csv's preset, and the trainer's advice in the lab's own flags."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import GanforgeError


def check_lab_target(data: str, out: Path) -> None:
    """What `lab run` can draw (toy targets, a .csv of points), into a fresh directory."""
    from ..recipes.base import POINT_DATASETS_1D, POINT_DATASETS_2D
    from ..training.lock import is_lock_file

    toys = POINT_DATASETS_1D + POINT_DATASETS_2D
    if data not in toys and not data.lower().endswith(".csv"):
        raise GanforgeError(f"the lab draws toy targets: {', '.join(toys)}, or a .csv of points; got {data!r} "
                            f"(train image data with `ganforge train`)")
    if out.is_dir() and any(not is_lock_file(p) for p in out.iterdir()):
        raise GanforgeError(f"{out} already exists; choose another --out, or redraw it with `ganforge lab draw {out}`")


# the advice of the shared training code names `ganforge train`'s flags; `lab run` has --set instead
_LAB_ADVICE = [
    (r"--precision (\S+)", r"--set train.precision=\1"),
    (r"--device (\w+)( or auto)?", r"--set train.device=\1"),
    (r"--devices (\d+)", r"--set train.devices=\1"),
    (r"--batch-size (\d+)", r"batch size \1"),
    (r"lower --batch-size", r"lower it with --set train.batch_size=N"),
    (r"--batch-size", r"--set train.batch_size=N"),
    (r"kept for --resume", r"kept (continue with `ganforge train --out RUN --resume`)"),
]


def lab_advice(message: str) -> str:
    for pattern, replacement in _LAB_ADVICE:
        message = re.sub(pattern, replacement, message)
    return message


def csv_preset(recipe: str) -> list[str]:
    """A CSV of points has no preset of its own: use the recipe's 2-D toy preset (spiral-2d)."""
    import yaml

    from .. import recipes as _recipes  # noqa: F401  (registers them)
    from ..registry import RECIPES

    diff = RECIPES.get(recipe).dataset_defaults.get("spiral-2d", {})
    return [f"{k}={yaml.safe_dump(v, default_flow_style=True).strip()}" for k, v in diff.items()]
