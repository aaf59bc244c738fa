"""The Python API: ``train`` and ``load``, with the same power as the command line.

What a run directory is made of lives in ``ganforge.runs`` (starting, resuming, reading and
loading a run) and is re-exported here; this module adds what only the top of the package may
import: ``train``'s live page."""

from __future__ import annotations

import contextlib
from pathlib import Path

from . import data as _data  # noqa: F401  (registers datasets)
from . import losses as _losses  # noqa: F401  (registers losses)
from . import models as _models  # noqa: F401  (registers models)
from . import recipes as _recipes  # noqa: F401  (registers recipes)
from .runs import launch
from .runs.generator import TrainedGenerator  # noqa: F401  (re-exported)
from .runs.load import load, load_network  # noqa: F401  (re-exported)
from .runs.read import read_run, run_shapes  # noqa: F401  (re-exported)
from .runs.resume import RESUMABLE, resume_config  # noqa: F401  (re-exported)


def train(recipe: str | None = None, *, data: str | None = None, data_b: str | None = None, out: str | Path | None = None,
          steps: int | None = None, batch_size: int | None = None, seed: int | None = None,
          data_root: str | None = None, device: str | None = None, devices: int | None = None,
          num_nodes: int | None = None, precision: str | None = None, config: str | None = None,
          set: list[str] | tuple[str, ...] = (), resume: bool = False, dry_run: bool = False, console: bool = True,
          live: int | None = None) -> dict:
    """Train a recipe (see ``ganforge list``) and return a summary.

    Mirrors ``ganforge train``: ``set`` takes ``key=value`` strings like ``--set``; ``resume``
    continues ``out`` up to ``steps``; ``live``: serve the live page on this localhost port while
    training (0: any free port). Returns {"run_dir", "step", "seconds", "last"}.
    """
    from .metrics import in_training  # the health checks' evaluator (train.eval_every; docs/health.md)

    page = (lambda out_path: _live_page(out_path, live)) if live is not None else None
    return launch.train(recipe, data=data, data_b=data_b, out=out, steps=steps, batch_size=batch_size, seed=seed,
                        data_root=data_root, device=device, devices=devices, num_nodes=num_nodes,
                        precision=precision, config=config,
                        set=set, resume=resume, dry_run=dry_run, console=console, page=page, evaluation=in_training)


def _live_page(out: Path, port: int):
    """The live page of ``out``, served by the first process only (DDP ranks re-run this call)."""
    if not launch.first_process():
        return contextlib.nullcontext()
    from .viewers.live import POLL_MS, LiveServer

    server = LiveServer(out, port=port, linger_s=2 * POLL_MS / 1000)  # open pages see the last step
    print(f"live page: {server.url} (while it trains)", flush=True)
    return server
