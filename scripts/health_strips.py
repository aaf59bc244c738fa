"""The grids of a run at the evaluations named, side by side, each labelled with its step and the
health state the detector gives it (docs/health.md's validation strips).

    python scripts/health_strips.py RUN:200,400,800:NAME [RUN:STEPS:NAME ...]   # → docs/images/health/NAME.png
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw

from ganforge.training.health import diagnose

OUT = Path(__file__).resolve().parents[1] / "docs/images/health"


def strip(run: Path, steps: list[int], out: Path, cell: int = 176) -> None:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if '"health"' in line]
    state = {r["step"]: diagnose(rows[: i + 1]) for i, r in enumerate(rows)}
    picture = Image.new("L", (len(steps) * (cell + 6), cell + 22), 255)
    draw = ImageDraw.Draw(picture)
    for i, step in enumerate(steps):
        grid = Image.open(run / "samples" / f"step_{step:06d}.png").convert("L").resize((cell, cell), Image.LANCZOS)
        picture.paste(grid, (i * (cell + 6), 22))
        draw.text((i * (cell + 6) + 4, 4), f"step {step:,}: {state.get(step, '-')}", fill=0)
    out.parent.mkdir(parents=True, exist_ok=True)
    picture.save(out, optimize=True)
    print(out)


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for spec in sys.argv[1:]:
        run, steps, name = spec.rsplit(":", 2)
        strip(Path(run), [int(s) for s in steps.split(",")], OUT / f"{name}.png")


if __name__ == "__main__":
    main()
