"""The training loop: with ``run.py``, the only place that calls backward() and step().

    for step in range(start, steps):
        recipe.before_step                         (growth, fade-in; optional)
        for player in players:                     (D then G for most GANs)
            repeats × (step → named terms → sum → backward → optimiser step → after_update)
        EMA of the sampling network                (when train.ema_decay or ema_half_life is set)
        report (tensors only; one host sync per log interval)
        evaluation and health at their interval (health_hook.py; stop_when may end the run)
        samples / checkpoint at their intervals

Devices, precision and DDP come from Lightning Fabric.
"""

from __future__ import annotations

import contextlib
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
from ..run_dir import check_run_dir, run_path
from .build import count_params
from .checkpoint import check_fits, clean_temporaries, latest_checkpoint, load_latest, save_checkpoint
from .finite import FiniteGuard, check_weights
from .health_hook import HealthHook
from .lock import RunLock, is_lock_file
from .players import Simultaneous
from .process import process_settings
from .report import Reporter
from .run import TrainingRun
from .tensorboard import make_sinks, require_tensorboard


def _accelerator(device: str) -> str:
    return {"auto": "auto", "cpu": "cpu", "cuda": "cuda", "gpu": "cuda", "mps": "mps"}[device]


def make_fabric(cfg: Config):
    """Lightning Fabric for ``cfg.train``'s device, device count and precision. Process-wide
    settings (threads, allocator, matmul precision) are ``process.process_settings``'s."""
    from lightning_fabric import Fabric

    t = cfg.train
    acc = _accelerator(t.device)
    if acc == "cuda" and not torch.cuda.is_available():
        raise GanforgeError("--device cuda asked for, but no CUDA GPU is visible; use --device cpu or auto")
    if acc == "mps" and not torch.backends.mps.is_available():
        raise GanforgeError("--device mps asked for, but MPS is not available; use --device cpu or auto")
    precision = "32-true" if t.precision in ("32", "32-true") else t.precision
    check_nodes(t)
    try:
        return Fabric(accelerator=acc, devices=t.devices, num_nodes=t.num_nodes,
                      strategy=ddp_strategy() if t.world_size > 1 else "auto", precision=precision)
    except ValueError as err:  # e.g. torchrun's --nproc-per-node and --nnodes disagree with --devices / --num-nodes
        raise GanforgeError(f"the launch does not fit --devices {t.devices} --num-nodes {t.num_nodes}: {err}") from None


NODE_VARIABLES = ("MASTER_ADDR", "MASTER_PORT", "NODE_RANK")  # Fabric's own multi-node launch, one command per node


def check_nodes(t) -> None:
    """The processes a launcher started must be the ones the run asks for, and a run over several
    machines needs to know where they meet: from torchrun or SLURM's srun, else MASTER_ADDR,
    MASTER_PORT and NODE_RANK in each node's environment (docs/multi-node.md). Without them each
    node would pick its own port and wait for the others for ever."""
    from lightning_fabric.plugins.environments import SLURMEnvironment, TorchElasticEnvironment

    asked = f"--devices {t.devices} × --num-nodes {t.num_nodes} = {t.world_size} processes"
    if TorchElasticEnvironment.detect():
        local, world = _env_int("LOCAL_WORLD_SIZE"), _env_int("WORLD_SIZE")
        if (local, world) != (t.devices, t.world_size):
            raise GanforgeError(f"torchrun started {local} processes per node and {world} in all; the run asks for "
                                f"{asked}: make torchrun's --nproc-per-node and --nnodes match --devices and --num-nodes")
        return
    if SLURMEnvironment.detect():
        tasks = _env_int("SLURM_NTASKS")
        if tasks != t.world_size:
            raise GanforgeError(f"SLURM started {tasks} tasks; the run asks for {asked}: give srun (or sbatch) "
                                f"--nodes {t.num_nodes} --ntasks-per-node {t.devices}")
        return
    if t.num_nodes == 1:
        return
    missing = [name for name in NODE_VARIABLES if not os.environ.get(name, "").strip()]
    if missing:
        raise GanforgeError(f"--num-nodes {t.num_nodes}: set {', '.join(missing)} on every node (the same MASTER_ADDR "
                            f"and MASTER_PORT everywhere, NODE_RANK 0 … {t.num_nodes - 1}), or launch with torchrun or "
                            f"srun; see docs/multi-node.md")
    rank = os.environ["NODE_RANK"].strip()
    if not rank.isdigit() or int(rank) >= t.num_nodes:
        raise GanforgeError(f"NODE_RANK={rank!r}: with --num-nodes {t.num_nodes} it must be 0 … {t.num_nodes - 1}, "
                            f"a different one on each node")


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else None


def ddp_strategy():
    """Fabric's DDP without buffer broadcasts: DDP's default copies rank 0's buffers (batch-norm
    running statistics) into every module in place at each forward, and a D that scores reals and
    fakes in two passes then finds, in backward, the statistics its first pass saved overwritten
    (cuDNN's batch norm saves them; seen on an H200). Rank 0, which writes the checkpoints, keeps its
    own statistics either way; the others' are used by nothing."""
    from lightning_fabric.strategies import DDPStrategy

    return DDPStrategy(broadcast_buffers=False)


def prepare_run_dir(out: Path | None, *, resume: bool) -> None:
    """Refuse a bad --out before any data is loaded: another run's directory without --resume,
    a place that cannot be written, links leading outside it."""
    if out is None:
        return
    if resume:
        if not (out / "config.yaml").is_file():
            raise GanforgeError(f"--resume: {out} is not a ganforge run directory (no config.yaml); drop --resume to start it")
    elif out.is_dir() and any(not _bookkeeping(p) for p in out.iterdir()):
        raise GanforgeError(
            f"run directory {out} already exists; pass --resume to continue it, or choose another --out"
        )
    _check_writable(out)
    check_run_dir(out)


_WRITE_TEST = ".write-test-"


def _bookkeeping(path: Path) -> bool:
    """The lock, or another rank's write test: files that do not make a folder a run."""
    return is_lock_file(path) or path.name.startswith(_WRITE_TEST)


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f"{_WRITE_TEST}{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise GanforgeError(f"cannot write the run directory {out} ({err.strerror}); choose a writable --out") from None


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
                 console: bool = True, evaluation=None) -> dict:
    """Train ``cfg`` into run directory ``out``. Returns a summary dict (the last record, paths).
    ``evaluation``: the evaluator of the health checks (``ganforge.metrics.in_training``; None: none)."""
    recipe = RECIPES.get(cfg.recipe)
    if not dry_run:
        if cfg.train.tensorboard:
            require_tensorboard()  # before the run directory is made
        prepare_run_dir(out, resume=resume)
    with process_settings(cfg, _accelerator(cfg.train.device)):
        fabric = make_fabric(cfg)
        fabric.launch()
        if dry_run:
            return _dry_run(TrainingRun(cfg, recipe, fabric))
        with RunLock(out) if fabric.global_rank == 0 else contextlib.nullcontext():
            return _train(cfg, recipe, fabric, out, resume=resume, console=console, evaluation=evaluation)


def _train(cfg: Config, recipe, fabric, out: Path, *, resume: bool, console: bool, evaluation) -> dict:
    run = TrainingRun(cfg, recipe, fabric)
    t = cfg.train
    ckpt_dir = run_path(out, "checkpoints")
    health = HealthHook(run, evaluation, save_best=lambda step: checkpoint(step, name="best"), message=lambda m: reporter.message(m),
                        broadcast=fabric.broadcast if run.world > 1 else None)
    start = _restore(run, out, health) if resume else 0
    if run.is_main and not (resume and start >= t.steps):  # a resume with nothing to do leaves the files alone
        _write_run_files(run, out)
    reduce = run.ctx.mean_over_ranks
    reporter = Reporter(out, total_steps=t.steps, start_step=start, enabled=run.is_main, all_reduce=reduce,
                        console=console, device=run.device, sinks=make_sinks(t.tensorboard, out, is_main=run.is_main))
    guard = FiniteGuard(run.device, any_rank=reduce, kept=lambda: latest_checkpoint(out))
    if start >= t.steps:
        reporter.message(f"run already at step {start} ≥ --steps {t.steps}; nothing to do (raise --steps to continue)")
    elif start:
        reporter.message(f"resuming {out} from step {start}")

    def checkpoint(step: int, name: str | None = None) -> None:
        if name is None:  # the best is saved by rank 0 alone, inside the evaluation
            guard.check()
        if run.is_main:
            check_weights(_checkpointed_nets(run), step, latest_checkpoint(out))
            state = {**run.state_dict(step), "health": health.state_dict()}
            save_checkpoint(ckpt_dir, step, state, keep=t.keep_checkpoints, name=name)
        if name is None:
            fabric.barrier()

    def samples(step: int) -> None:
        guard.check()  # a diverged run draws no grid of NaNs
        if run.is_main:
            path = run_path(out, "samples", f"step_{step:06d}.png")
            run.save_samples(path)
            reporter.image(step, path)

    last_record: dict = {}
    step = start
    t0 = time.perf_counter()
    clock = TimeLimit(t.time_limit_s, t0, world=run.world, broadcast=fabric.broadcast)
    try:
        with _StopFlag(enabled=run.world == 1) as flag:
            while step < t.steps:
                log_now = (step + 1) % t.log_every == 0 or step + 1 == t.steps
                stats = run.step(step, log_now)
                reporter.add(stats)
                step += 1
                guard.observe(step, stats)
                reporter.tick()
                out_of_time = clock.out_of_time(log_now)
                stop_now = (flag.stop and run.world == 1) or out_of_time
                if log_now or stop_now:  # a stopped run logs its last, partial interval too
                    evaluation = health.at_log(step) if log_now else {}  # never on an interrupted step
                    last_record = reporter.flush(step, {**run.log_extras(step), **evaluation})
                    guard.check(last_record)
                    health.remember(last_record)
                    stop_now = stop_now or health.stop is not None
                if step % t.sample_every == 0 or step == t.steps:
                    samples(step)
                if step % t.ckpt_every == 0 or step == t.steps or stop_now:
                    checkpoint(step)
                if stop_now:
                    why = "time limit reached" if out_of_time else health.stop or "interrupted"
                    reporter.message(f"{why}: saved checkpoint at step {step}; continue with --resume")
                    if step % t.sample_every:
                        samples(step)
                    break
    finally:
        reporter.close()
        run.close()
    return {"run_dir": str(out), "step": step, "seconds": time.perf_counter() - t0, "last": last_record}


class TimeLimit:
    """train.time_limit_s, read on the host clock. One process stops after the step that runs past
    the limit; under DDP every rank must stop at the same step, so rank 0's clock decides and is
    broadcast at log steps only (a broadcast makes every rank wait for the device): the run stops
    at the first log step past the limit."""

    def __init__(self, limit_s: float | None, t0: float, *, world: int, broadcast) -> None:
        self.limit_s, self.t0, self.world, self.broadcast = limit_s, t0, world, broadcast

    def out_of_time(self, log_now: bool) -> bool:
        if self.limit_s is None:
            return False
        if self.world == 1:
            return time.perf_counter() - self.t0 > self.limit_s
        if not log_now:
            return False
        return bool(self.broadcast(time.perf_counter() - self.t0 > self.limit_s, src=0))


def _restore(run: TrainingRun, out: Path, health: HealthHook) -> int:
    """Load the last complete checkpoint (after removing an interrupted save's leftovers)."""
    clean_temporaries(out / "checkpoints")
    last, state = load_latest(out, missing=f"--resume: {out} has no complete checkpoint left, so there is nothing to "
                                           f"continue; start the run again into a new --out (without --resume)")
    check_fits(run.raw, state, last)
    try:
        health.load_state_dict(state.get("health"))
        return run.load_state_dict(state)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RuntimeError) as err:
        raise GanforgeError(f"checkpoint {last} does not fit this run ({type(err).__name__}: {err}); delete it to "
                            f"fall back to an older one") from None


def _checkpointed_nets(run: TrainingRun) -> dict:
    nets = dict(run.raw)
    if run.ema is not None:
        nets[f"{run.recipe.sampler}_ema"] = run.ema.net
    return nets


def _write_run_files(run: TrainingRun, out: Path) -> None:
    """config.yaml and run.json (rewritten only when their content changes), samples/."""
    meta = {"ganforge_version": __version__, "torch_version": torch.__version__, "recipe": run.cfg.recipe,
            **run.describe(), "world_size": run.world, "device": str(run.device)}
    for name, text in (("config.yaml", dump_yaml(run.cfg)), ("run.json", json.dumps(meta, indent=2))):
        path = run_path(out, name)
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
    run_path(out, "samples").mkdir(exist_ok=True)


def _dry_run(run: TrainingRun) -> dict:
    """Print the resolved config, the networks and what the run does: each player's updates over
    the whole run (a count that varies, such as WGAN's critic boost, followed step by step) and the
    FLOPs of a typical step, of the first step, and of the whole run."""
    from .flops import CountFlops

    cfg = run.cfg
    before = dict(run.updates)
    with CountFlops(key=lambda: run.ctx.player) as counter:
        run.step(0, False)
    first = {p.name: run.updates[p.players[0].name if isinstance(p, Simultaneous) else p.name]
             - before[p.players[0].name if isinstance(p, Simultaneous) else p.name] for p in run.players}
    lead = {p.name: p.players[0].name if isinstance(p, Simultaneous) else p.name for p in run.players}
    per_update = {name: counter.by_key[lead[name]] / n if n else 0.0 for name, n in first.items()}
    schedule = update_schedule(run.players, cfg.train.steps)
    typical = schedule["typical"]
    flops = sum(per_update[n] * k for n, k in typical.items()) * run.world
    first_flops = counter.total * run.world
    total = sum(per_update[n] * k for n, k in schedule["total"].items()) * run.world
    params = {f"params_{name}": count_params(net) for name, net in run.raw.items()}
    info = {"config": cfg.to_dict(), **params, "flops_per_step": flops, "flops_first_step": first_flops,
            "flops_run": total, "updates_per_step": typical, "updates_first_step": first,
            "updates_run": schedule["total"], "data_shape": list(run.data.shape), "n_examples": len(run.data)}
    if run.is_main:
        print(dump_yaml(cfg), end="")
        print(f"# data: {run.data.name}, {len(run.data)} examples of shape {tuple(run.data.shape)}")
        for name, net in run.raw.items():
            print(f"# {name} parameters: {count_params(net):,}")

        def updates(counts: dict) -> str:
            return " + ".join(f"{k:,} {n}" + (" (together)" if "+" in n else "") for n, k in counts.items())

        print(f"# FLOPs per training step ({updates(typical)} updates, global batch {cfg.train.batch_size}): "
              f"{flops / 1e9:.3f} GFLOP")
        if first != typical:
            print(f"# the first step ({updates(first)} updates): {first_flops / 1e9:.3f} GFLOP")
        print(f"# the whole run, {cfg.train.steps:,} steps ({updates(schedule['total'])} updates): "
              f"{total / 1e12:.3f} TFLOP")
    return info


def update_schedule(players: list, steps: int) -> dict:
    """Each player's updates per step over a run of ``steps`` outer steps, followed step by step
    where a count varies (``repeats_at`` reads host-side counters: the update counts, the step):
    ``total`` updates, and the ``typical`` step's counts (the most frequent combination)."""
    from collections import Counter
    from types import SimpleNamespace

    solo = {p.name: [q.name for q in p.players] if isinstance(p, Simultaneous) else [p.name] for p in players}
    ctx = SimpleNamespace(updates={q: 0 for names in solo.values() for q in names}, step=0)
    total = {p.name: 0 for p in players}
    combos: Counter = Counter()
    varying = any(getattr(p, "repeats_at", None) for p in players)
    for step in range(steps if varying else 1):
        ctx.step = step
        counts = []
        for p in players:
            k = p.repeats_at(ctx) if getattr(p, "repeats_at", None) else p.repeats
            counts.append(k)
            total[p.name] += k
            for q in solo[p.name]:
                ctx.updates[q] += k
        combos[tuple(counts)] += 1
    if not varying:
        total = {name: k * steps for name, k in total.items()}
    typical = dict(zip(total, combos.most_common(1)[0][0]))
    return {"typical": typical, "total": total}
