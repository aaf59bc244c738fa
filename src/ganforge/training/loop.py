"""The training loop: with ``run.py``, the only place that calls backward() and step().

    for step in range(start, steps):
        recipe.before_step                         (growth, fade-in; optional)
        for player in players:                     (D then G for most GANs)
            repeats × (step → named terms → sum → backward → optimiser step → after_update)
        EMA of the sampling network                (when train.ema_decay is set)
        report (tensors only; one host sync per log interval)
        samples / checkpoint at their intervals

Devices, precision and DDP come from Lightning Fabric.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import torch

from .. import __version__
from ..config import Config, dump_yaml
from ..errors import GanforgeError
from ..registry import RECIPES
from .build import count_params
from .checkpoint import clean_temporaries, latest_checkpoint, load_checkpoint, save_checkpoint
from .report import Reporter
from .run import TrainingRun


def _accelerator(device: str) -> str:
    return {"auto": "auto", "cpu": "cpu", "cuda": "cuda", "gpu": "cuda", "mps": "mps"}[device]


def make_fabric(cfg: Config):
    from lightning_fabric import Fabric

    t = cfg.train
    acc = _accelerator(t.device)
    if acc == "cuda" and not torch.cuda.is_available():
        raise GanforgeError("--device cuda asked for, but no CUDA GPU is visible; use --device cpu or auto")
    if acc == "mps" and not torch.backends.mps.is_available():
        raise GanforgeError("--device mps asked for, but MPS is not available; use --device cpu or auto")
    precision = "32-true" if t.precision in ("32", "32-true") else t.precision
    strategy = "ddp" if t.devices > 1 else "auto"
    if t.threads:
        torch.set_num_threads(t.threads)
    elif t.devices > 1 and (acc == "cpu" or (acc == "auto" and not torch.cuda.is_available())):
        # N CPU processes share the cores: give each its share instead of oversubscribing
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // t.devices))
    return Fabric(accelerator=acc, devices=t.devices, strategy=strategy, precision=precision)


def prepare_run_dir(out: Path | None, *, resume: bool) -> None:
    if out is None:
        return
    if resume:
        if not (out / "config.yaml").is_file():
            raise GanforgeError(f"--resume: {out} is not a ganforge run directory (no config.yaml); drop --resume to start it")
        return
    if out.exists() and any(out.iterdir()):
        raise GanforgeError(
            f"run directory {out} already exists; pass --resume to continue it, or choose another --out"
        )


class _StopFlag:
    """First Ctrl-C: finish the current step, save a checkpoint, stop. Second: stop now."""

    def __init__(self, enabled: bool = True) -> None:
        self.stop = False
        self.enabled = enabled
        self._old = None

    def __enter__(self):
        # under DDP Ctrl-C keeps its default behaviour: every rank stops at once
        if self.enabled and sys.platform != "win32" and _is_main_thread():
            self._old = signal.signal(signal.SIGINT, self._handler)
        return self

    def _handler(self, signum, frame):
        if self.stop:
            raise KeyboardInterrupt
        self.stop = True

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False


def _is_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def run_training(cfg: Config, out: Path | None, *, resume: bool = False, dry_run: bool = False,
                 console: bool = True) -> dict:
    """Train ``cfg`` into run directory ``out``. Returns a summary dict (the last record, paths)."""
    recipe = RECIPES.get(cfg.recipe)
    if not dry_run:
        prepare_run_dir(out, resume=resume)
    fabric = make_fabric(cfg)
    fabric.launch()
    run = TrainingRun(cfg, recipe, fabric)
    if dry_run:
        return _dry_run(run)
    t = cfg.train
    ckpt_dir = out / "checkpoints"
    start = _restore(run, out) if resume else 0
    if run.is_main:
        _write_run_files(run, out)
    reduce = (lambda v: fabric.all_reduce(v, reduce_op="mean")) if run.world > 1 else None
    reporter = Reporter(out, total_steps=t.steps, start_step=start, enabled=run.is_main, all_reduce=reduce,
                        console=console, device=run.device)
    if start >= t.steps:
        reporter.message(f"run already at step {start} ≥ --steps {t.steps}; nothing to do (raise --steps to continue)")
    elif start:
        reporter.message(f"resuming {out} from step {start}")

    def checkpoint(step: int) -> None:
        if run.is_main:
            save_checkpoint(ckpt_dir, step, run.state_dict(step))
        fabric.barrier()

    def samples(step: int) -> None:
        if run.is_main:
            run.save_samples(out / "samples" / f"step_{step:06d}.png")

    last_record: dict = {}
    step = start
    t0 = time.perf_counter()
    try:
        with _StopFlag(enabled=run.world == 1) as flag:
            while step < t.steps:
                log_now = (step + 1) % t.log_every == 0 or step + 1 == t.steps
                reporter.add(run.step(step, log_now))
                step += 1
                reporter.tick()
                out_of_time = t.time_limit_s is not None and time.perf_counter() - t0 > t.time_limit_s
                if run.world > 1 and t.time_limit_s is not None:  # every rank must stop at the same step
                    out_of_time = bool(fabric.broadcast(out_of_time, src=0))
                stop_now = (flag.stop and run.world == 1) or out_of_time
                if log_now or stop_now:  # a stopped run logs its last, partial interval too
                    last_record = reporter.flush(step, run.log_extras(step))
                    _check_finite(last_record, step)
                if step % t.sample_every == 0 or step == t.steps:
                    samples(step)
                if step % t.ckpt_every == 0 or step == t.steps or stop_now:
                    checkpoint(step)
                if stop_now:
                    why = "time limit reached" if out_of_time else "interrupted"
                    reporter.message(f"{why}: saved checkpoint at step {step}; continue with --resume")
                    if step % t.sample_every:
                        samples(step)
                    break
    finally:
        reporter.close()
    return {"run_dir": str(out), "step": step, "seconds": time.perf_counter() - t0, "last": last_record}


def _restore(run: TrainingRun, out: Path) -> int:
    clean_temporaries(out / "checkpoints")
    last = latest_checkpoint(out)
    return run.load_state_dict(load_checkpoint(last)) if last is not None else 0


def _write_run_files(run: TrainingRun, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.yaml").write_text(dump_yaml(run.cfg))
    (out / "samples").mkdir(exist_ok=True)
    meta = {"ganforge_version": __version__, "torch_version": torch.__version__, "recipe": run.cfg.recipe,
            **run.describe(), "world_size": run.world, "device": str(run.device)}
    (out / "run.json").write_text(json.dumps(meta, indent=2))


def _check_finite(record: dict, step: int) -> None:
    for key, value in record.items():
        if key.endswith("_loss") and value is None:
            raise GanforgeError(
                f"{key} became NaN/inf by step {step}; the run diverged (lower the learning rates or try "
                f"--precision 32); the last complete checkpoint is kept for --resume"
            )


def _dry_run(run: TrainingRun) -> dict:
    from .flops import CountFlops

    cfg = run.cfg
    with CountFlops() as counter:
        run.step(0, False)
    flops = counter.total * run.world
    params = {f"params_{name}": count_params(net) for name, net in run.raw.items()}
    info = {"config": cfg.to_dict(), **params, "flops_per_step": flops, "data_shape": list(run.data.shape),
            "n_examples": len(run.data)}
    if run.is_main:
        print(dump_yaml(cfg), end="")
        print(f"# data: {run.data.name}, {len(run.data)} examples of shape {tuple(run.data.shape)}")
        for name, net in run.raw.items():
            print(f"# {name} parameters: {count_params(net):,}")
        updates = " + ".join(f"{p.repeats} {p.name}" + (" (together)" if "+" in p.name else "") for p in run.players)
        print(f"# FLOPs per training step ({updates} updates, global batch {cfg.train.batch_size}): "
              f"{flops / 1e9:.3f} GFLOP")
    return info
