"""The live page's picture of a 2-D toy run, in the spirit of GAN Lab: data, G's samples, D's
heat map and the gradient field G receives — the lab's own panel (``lab/field2d.py``), drawn
from the run's newest checkpoint when the page asks for it, once per checkpoint."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from ..errors import GanforgeError
from ..training.checkpoint import checkpoint_step, latest_checkpoint
from .run_contents import RunFiles


class FieldPicture:
    def __init__(self, run_dir: Path) -> None:
        self.run = RunFiles(Path(run_dir))
        self.lock = threading.Lock()  # matplotlib draws one figure at a time
        self.cached: tuple[int, bytes] | None = None
        self.loaded = None  # (config, run.json, data set), read once

    def step(self) -> int | None:
        """The step of the newest checkpoint of a 2-D toy run (None: not one, or none yet)."""
        if self.run.meta().get("data_kind") != "points" or self.run.meta().get("data_shape") != [2]:
            return None
        last = latest_checkpoint(self.run.root)
        return checkpoint_step(last) if last is not None else None

    def png(self) -> bytes | None:
        """The picture of the newest checkpoint (the one drawn before while a new one is being
        written or cannot be read)."""
        with self.lock:
            step = self.step()
            if step is None or (self.cached and self.cached[0] == step):
                return self.cached[1] if self.cached else None
            try:
                self.cached = self._draw()
            except (GanforgeError, OSError, KeyError, RuntimeError):
                pass
            return self.cached[1] if self.cached else None

    def _draw(self) -> tuple[int, bytes]:
        from ..lab.field2d import draw_field
        from ..lab.snapshots import load_run, load_snapshots
        from ..registry import LOSSES
        from ..viz.metrics_tail import read_records

        if self.loaded is None:
            self.loaded = load_run(self.run.root)
        cfg, meta, data = self.loaded
        snaps = load_snapshots(self.run.root, cfg, meta, steps=[])  # no lab snapshots: the last checkpoint
        family = LOSSES.get(cfg.loss)
        records = {r["step"]: r for r in read_records(self.run.metrics)}
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "field.png"
            draw_field(snaps, data.info["target"], data, family.g_loss(cfg.g_objective), path, records=records,
                       probabilistic=family.probabilistic)
            return snaps[0].step, path.read_bytes()
