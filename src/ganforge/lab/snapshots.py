"""G and D at chosen steps of one real training run.

``train_with_snapshots`` runs the standard trainer (``ganforge.train``) up to the first chosen
step, then continues it with ``resume`` to the next, and so on; after each leg it copies G's
and D's weights from the run's checkpoint into ``RUN/lab/snapshots/step_NNNNNNN.safetensors``.
Resuming is exact (weights, optimisers, data order and noise all restored), so the legs make
the same run as one uninterrupted call; the only visible trace is an extra log record at the
end of each leg. For a run trained by ``ganforge train`` (no snapshots), ``load_snapshots``
falls back to its last checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..errors import GanforgeError
from ..training.report import read_metrics  # noqa: F401  (re-exported for the lab)

SNAP_DIR = Path("lab") / "snapshots"


@dataclass
class Snapshot:
    step: int
    G: nn.Module  # eval mode, CPU
    D: nn.Module  # eval mode, CPU


def train_with_snapshots(recipe: str | None, *, data: str, steps: int, out: str | Path, at: list[int],
                         sets: list[str] | tuple[str, ...] = (), console: bool = False) -> dict:
    """Train ``recipe`` on ``data`` for ``steps`` steps into ``out``, snapshotting G and D at
    every step in ``at`` (and at the last step). Returns the last leg's summary."""
    from .. import api
    from ..training.checkpoint import latest_checkpoint, load_checkpoint

    out = Path(out)
    legs = sorted({int(s) for s in at if 0 < int(s) < steps} | {int(steps)})
    threads = [s for s in sets if s.replace(" ", "").startswith("train.threads=")]
    summary: dict = {}
    seconds = 0.0
    for i, stop in enumerate(legs):
        if i == 0:
            summary = api.train(recipe, data=data, steps=stop, out=out, set=list(sets), console=console)
        else:
            summary = api.train(None, out=out, steps=stop, resume=True, set=threads, console=console)
        seconds += summary["seconds"]
        state = load_checkpoint(latest_checkpoint(out))
        save_snapshot(out, int(state["step"]), state["G"], state["D"])
    summary["seconds_total"] = seconds
    return summary


def save_snapshot(run_dir: Path, step: int, G_state: dict, D_state: dict) -> Path:
    from safetensors.torch import save_file

    path = Path(run_dir) / SNAP_DIR / f"step_{step:07d}.safetensors"
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {f"G.{k}": v.detach().cpu().contiguous() for k, v in G_state.items()}
    tensors.update({f"D.{k}": v.detach().cpu().contiguous() for k, v in D_state.items()})
    tmp = path.with_suffix(".tmp")
    save_file(tensors, str(tmp))
    tmp.replace(path)
    return path


def load_run(run_dir: str | Path):
    """(config, run.json metadata, the data set) of a run directory."""
    from ..api import read_run
    from ..data.base import load_data

    run_dir = Path(run_dir)
    cfg, meta = read_run(run_dir)
    if meta.get("data_kind") != "points":
        raise GanforgeError(f"{run_dir} was trained on images; the lab draws runs on toy (points) data")
    return cfg, meta, load_data(cfg.data)


def load_snapshots(run_dir: str | Path, cfg, meta, steps: list[int] | None = None) -> list[Snapshot]:
    """The run's snapshots (all, or those at ``steps``), oldest first; without snapshots, its
    last checkpoint."""
    from safetensors.torch import load_file

    from ..training.build import build_models
    from ..training.checkpoint import latest_checkpoint, load_checkpoint

    run_dir = Path(run_dir)
    shape = tuple(meta["data_shape"])
    states: list[tuple[int, dict, dict]] = []
    files = sorted((run_dir / SNAP_DIR).glob("step_*.safetensors"))
    for f in files:
        step = int(f.stem.split("_")[1])
        if steps is not None and step not in steps:
            continue
        t = load_file(str(f))
        states.append((step, {k[2:]: v for k, v in t.items() if k.startswith("G.")},
                       {k[2:]: v for k, v in t.items() if k.startswith("D.")}))
    if steps is not None:
        have = {s for s, _, _ in states}
        lacking = [s for s in steps if s not in have]
        if lacking:
            avail = ", ".join(str(int(f.stem.split("_")[1])) for f in files) or "none"
            raise GanforgeError(f"{run_dir} has no snapshot at step {lacking[0]}; snapshots: {avail}")
    if not states:
        last = latest_checkpoint(run_dir)
        if last is None:
            raise GanforgeError(f"{run_dir} has no snapshot and no checkpoint yet")
        s = load_checkpoint(last)
        states.append((int(s["step"]), s["G"], s["D"]))
    out = []
    for step, g_state, d_state in states:
        G, D = build_models(cfg, shape)
        G.load_state_dict(g_state)
        D.load_state_dict(d_state)
        out.append(Snapshot(step, G.eval(), D.eval()))
    return out


@torch.no_grad()
def generate(G: nn.Module, n: int, *, seed: int = 0) -> torch.Tensor:
    """n samples of G ([n, D], CPU) from a fixed seed."""
    from ..models.base import sample_noise

    z = sample_noise(n, G.z_dim, getattr(G, "z_dist", "normal"), generator=torch.Generator().manual_seed(seed))
    return G(z).float().reshape(n, -1)
