"""G and D at chosen steps of one real training run.

``train_with_snapshots`` runs the standard trainer (``ganforge.train`` less the live page:
``ganforge.runs.launch.train``) up to the first chosen step, then continues it with ``resume``
to the next, and so on; after each leg it copies G's and D's weights from the run's checkpoint
into ``RUN/lab/snapshots/step_NNNNNNN.safetensors``. Resuming is exact (weights, optimisers,
data order and noise all restored), so the legs make the same run as one uninterrupted call;
the only visible trace is an extra log record at the end of each leg. For a run trained by
``ganforge train`` (no snapshots), ``load_snapshots`` falls back to its last checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..errors import GanforgeError
from ..run_dir import atomic_write, run_path
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
    from ..runs.launch import train
    from ..training.checkpoint import latest_checkpoint, load_checkpoint

    out = Path(out)
    legs = sorted({int(s) for s in at if 0 < int(s) < steps} | {int(steps)})
    threads = [s for s in sets if s.replace(" ", "").startswith("train.threads=")]
    summary: dict = {}
    seconds = 0.0
    for i, stop in enumerate(legs):
        if i == 0:
            summary = train(recipe, data=data, steps=stop, out=out, set=list(sets), console=console)
        else:
            summary = train(None, out=out, steps=stop, resume=True, set=threads, console=console)
        seconds += summary["seconds"]
        state = load_checkpoint(latest_checkpoint(out))
        save_snapshot(out, int(state["step"]), state["G"], state["D"])
    summary["seconds_total"] = seconds
    return summary


def save_snapshot(run_dir: Path, step: int, G_state: dict, D_state: dict) -> Path:
    from safetensors.torch import save_file

    path = run_path(run_dir, *SNAP_DIR.parts, f"step_{step:07d}.safetensors")
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {f"G.{k}": v.detach().cpu().contiguous() for k, v in G_state.items()}
    tensors.update({f"D.{k}": v.detach().cpu().contiguous() for k, v in D_state.items()})
    with atomic_write(path) as tmp:
        save_file(tensors, str(tmp))
    return path


def load_run(run_dir: str | Path):
    """(config, run.json metadata, the data set) of a run directory."""
    from ..data.base import load_data, no_downloads
    from ..runs.read import read_run

    run_dir = Path(run_dir)
    cfg, meta = read_run(run_dir)
    if meta.get("data_kind") != "points":
        raise GanforgeError(f"{run_dir} was trained on images; the lab draws runs on toy (points) data")
    with no_downloads():  # the data root comes from the run directory
        return cfg, meta, load_data(cfg.data)


def load_snapshots(run_dir: str | Path, cfg, meta, steps: list[int] | None = None) -> list[Snapshot]:
    """The run's snapshots (all, or those at ``steps``), oldest first; without snapshots, its
    last checkpoint."""
    from safetensors.torch import load_file

    from ..training.build import build_models
    from ..training.checkpoint import check_fits, checkpoint_step, latest_checkpoint, load_checkpoint

    run_dir = Path(run_dir)
    shape = tuple(meta["data_shape"])
    states: list[tuple[int, dict, dict, Path]] = []
    files = {_snapshot_step(f): f for f in (run_dir / SNAP_DIR).glob("step_*.safetensors")}
    files = {step: f for step, f in sorted(files.items()) if step is not None}
    for step, f in files.items():
        if steps is not None and step not in steps:
            continue
        try:
            t = load_file(str(f))
        except Exception as err:
            raise GanforgeError(f"snapshot {f} is unreadable ({err}); delete it") from None
        states.append((step, {k[2:]: v for k, v in t.items() if k.startswith("G.")},
                       {k[2:]: v for k, v in t.items() if k.startswith("D.")}, f))
    if steps is not None:
        lacking = [s for s in steps if s not in files]
        if lacking:
            avail = ", ".join(str(step) for step in files) or "none"
            raise GanforgeError(f"{run_dir} has no snapshot at step {lacking[0]}; snapshots: {avail}")
    if not states:
        last = latest_checkpoint(run_dir)
        if last is None:
            raise GanforgeError(f"{run_dir} has no snapshot and no checkpoint yet")
        s = load_checkpoint(last)
        states.append((checkpoint_step(last), s.get("G") if isinstance(s, dict) else None,
                       s.get("D") if isinstance(s, dict) else None, last))
    out = []
    for step, g_state, d_state, source in states:
        G, D = build_models(cfg, shape)
        check_fits({"G": G, "D": D}, {"G": g_state, "D": d_state}, source)
        G.load_state_dict(g_state)
        D.load_state_dict(d_state)
        out.append(Snapshot(step, G.eval(), D.eval()))
    return out


def _snapshot_step(f: Path) -> int | None:
    """``step_0000250.safetensors`` → 250; None for a name not written by ``save_snapshot``."""
    digits = f.stem.split("_", 1)[1]
    return int(digits) if digits.isdigit() else None


@torch.no_grad()
def generate(G: nn.Module, n: int, *, seed: int = 0) -> torch.Tensor:
    """n samples of G ([n, D], CPU) from a fixed seed."""
    from ..models.base import sample_noise

    z = sample_noise(n, G.z_dim, getattr(G, "z_dist", "normal"), generator=torch.Generator().manual_seed(seed))
    return G(z).float().reshape(n, -1)
