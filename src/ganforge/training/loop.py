"""The training loop: the only place that calls backward() and step().

    for step in range(start, steps):
        d_steps × (D step → backward → opt_D.step → after_d_update)
        g_steps × (G step → backward → opt_G.step)
        report (tensors only; one host sync per log interval)
        samples / checkpoint at their intervals

Devices, precision and DDP come from Lightning Fabric.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch

from .. import __version__
from ..config import Config, dump_yaml
from ..data.base import BatchSampler, load_data, to_unit
from ..errors import GanforgeError
from ..recipes.base import StepContext
from ..registry import LOSSES, RECIPES
from .build import build_models, check_shapes, count_params, has_batch_norm
from .checkpoint import clean_temporaries, latest_checkpoint, load_checkpoint, save_checkpoint
from .optim import apply_schedule, build_optimizer, grad_norm, has_schedule
from .report import Reporter

GRID_SEED_OFFSET = 7919  # the fixed sample-grid noise is drawn from seed + this


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
    family = LOSSES.get(cfg.loss)
    g_loss = family.g_loss(cfg.g_objective)
    if not dry_run:
        prepare_run_dir(out, resume=resume)
    fabric = make_fabric(cfg)
    fabric.launch()
    rank, world = fabric.global_rank, fabric.world_size
    is_main = rank == 0
    t = cfg.train

    torch.manual_seed(t.seed)
    np.random.seed(t.seed % 2**32)
    random.seed(t.seed)
    data = load_data(cfg.data)
    G_raw, D_raw = build_models(cfg, data.shape)
    check_shapes(G_raw, D_raw, cfg, data.shape)
    if hasattr(G_raw, "init_from_data"):
        G_raw.init_from_data(data.mean())
    torch.manual_seed(t.seed + 1000 * rank + 1)  # dropout & other per-rank randomness

    device = fabric.device
    data.to(device)
    if t.channels_last:
        G_raw.to(memory_format=torch.channels_last)
        D_raw.to(memory_format=torch.channels_last)
    opt_G = build_optimizer(G_raw.parameters(), cfg.opt_G)
    opt_D = build_optimizer(D_raw.parameters(), cfg.opt_D)
    G_run, D_run = (torch.compile(G_raw), torch.compile(D_raw)) if t.compile else (G_raw, D_raw)
    G, opt_G = fabric.setup(G_run, opt_G)
    D, opt_D = fabric.setup(D_run, opt_D)

    sampler = BatchSampler(len(data), t.batch_size, rank=rank, world=world, seed=t.seed)
    gen_device = device if device.type == "cuda" else torch.device("cpu")
    noise_gen = torch.Generator(device=gen_device).manual_seed(t.seed + 1)
    grid_gen = torch.Generator().manual_seed(t.seed + GRID_SEED_OFFSET)

    ctx = StepContext(cfg=cfg, G=G, D=D, data=data, sampler=sampler, loss=family, g_loss=g_loss,
                      noise_gen=noise_gen, device=device, rank=rank, world=world,
                      joint_d_forward=not has_batch_norm(D_raw),
                      no_sync=(lambda m: fabric.no_backward_sync(m)) if world > 1 else (lambda m: contextlib.nullcontext()),
                      out_range=getattr(G_raw, "out_range", None), z_dim=cfg.z_dim, z_dist=cfg.z_dist)
    from ..models.mlp import sample_noise

    grid_z = sample_noise(t.n_grid, cfg.z_dim, cfg.z_dist, generator=grid_gen).to(device)
    updates = {"D": 0, "G": 0}
    sched_D, sched_G = has_schedule(cfg.opt_D), has_schedule(cfg.opt_G)

    def update(module, opt, ocfg, sched, key, terms, measure):
        loss = terms["adv"] if len(terms) == 1 else sum(terms.values())
        if sched:
            apply_schedule(opt, ocfg, updates[key])
        opt.zero_grad(set_to_none=True)
        fabric.backward(loss)
        norm = grad_norm(module) if measure else None
        opt.step()
        updates[key] += 1
        return loss, norm

    def one_step(log_now: bool) -> dict:
        stats = {}
        for i in range(cfg.d_steps):
            res = recipe.d_step(ctx)
            d_loss, d_norm = update(D_raw, opt_D, cfg.opt_D, sched_D, "D", res.terms, log_now and i == cfg.d_steps - 1)
            if recipe.after_d_update is not None:
                recipe.after_d_update(ctx)
        stats.update(res.stats)
        stats["d_loss"] = d_loss.detach()
        if len(res.terms) > 1:
            stats.update({f"d_{k}": v.detach() for k, v in res.terms.items()})
        for i in range(cfg.g_steps):
            res = recipe.g_step(ctx)
            g_loss_v, g_norm = update(G_raw, opt_G, cfg.opt_G, sched_G, "G", res.terms, log_now and i == cfg.g_steps - 1)
        stats.update(res.stats)
        stats["g_loss"] = g_loss_v.detach()
        if len(res.terms) > 1:
            stats.update({f"g_{k}": v.detach() for k, v in res.terms.items()})
        if log_now:
            stats["grad_norm_D"], stats["grad_norm_G"] = d_norm, g_norm
        return stats

    if dry_run:
        return _dry_run(cfg, G_raw, D_raw, one_step, data, fabric, is_main)

    start = 0
    ckpt_dir = out / "checkpoints"
    if resume:
        clean_temporaries(ckpt_dir)
        last = latest_checkpoint(out)
        if last is not None:
            state = load_checkpoint(last)
            G_raw.load_state_dict(state["G"])
            D_raw.load_state_dict(state["D"])
            opt_G.load_state_dict(state["opt_G"])
            opt_D.load_state_dict(state["opt_D"])
            sampler.load_state_dict(state["sampler"])
            noise_gen.set_state(state["rng"]["noise"])
            updates.update(state["updates"])
            start = int(state["step"])
            if rank == 0:
                torch.set_rng_state(state["rng"]["torch"])
                np.random.set_state(state["rng"]["numpy"])
                random.setstate(state["rng"]["python"])
                if torch.cuda.is_available() and state["rng"].get("cuda") is not None:
                    torch.cuda.set_rng_state(state["rng"]["cuda"])
            else:
                torch.manual_seed(t.seed + 1000 * rank + 1 + start)
    if is_main:
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.yaml").write_text(dump_yaml(cfg))
        (out / "samples").mkdir(exist_ok=True)
        meta = {"ganforge_version": __version__, "torch_version": torch.__version__, "recipe": cfg.recipe,
                "data_kind": data.kind, "data_shape": list(data.shape), "data_name": data.name,
                "n_examples": len(data), "out_range": list(G_raw.out_range) if getattr(G_raw, "out_range", None) else None,
                "params_G": count_params(G_raw), "params_D": count_params(D_raw), "world_size": world,
                "device": str(device)}
        (out / "run.json").write_text(json.dumps(meta, indent=2))

    def state_dict(step: int) -> dict:
        return {"step": step, "updates": dict(updates), "G": G_raw.state_dict(), "D": D_raw.state_dict(),
                "opt_G": opt_G.state_dict(), "opt_D": opt_D.state_dict(), "sampler": sampler.state_dict(),
                "rng": {"noise": noise_gen.get_state(), "torch": torch.get_rng_state(),
                        "cuda": torch.cuda.get_rng_state() if torch.cuda.is_available() else None,
                        "numpy": np.random.get_state(), "python": random.getstate()}}

    def checkpoint(step: int) -> None:
        if is_main:
            save_checkpoint(ckpt_dir, step, state_dict(step))
        fabric.barrier()

    def samples(step: int) -> None:
        if not is_main:
            return
        G_raw.eval()
        with torch.no_grad():
            x = G_raw(grid_z)
        G_raw.train()
        path = out / "samples" / f"step_{step:06d}.png"
        if data.kind == "image":
            from ..viz.grid import save_grid

            save_grid(to_unit(x, G_raw.out_range), path)
        else:
            from ..viz.grid import save_points

            save_points(x, path, real=data.x[:2000])

    reduce = (lambda v: fabric.all_reduce(v, reduce_op="mean")) if world > 1 else None
    reporter = Reporter(out, total_steps=t.steps, start_step=start, enabled=is_main, all_reduce=reduce,
                        console=console)
    if start >= t.steps:
        reporter.message(f"run already at step {start} ≥ --steps {t.steps}; nothing to do (raise --steps to continue)")
    elif start:
        reporter.message(f"resuming {out} from step {start}")
    last_record: dict = {}
    step = start
    t0 = time.perf_counter()
    try:
        with _StopFlag(enabled=world == 1) as flag:
            while step < t.steps:
                log_now = (step + 1) % t.log_every == 0 or step + 1 == t.steps
                reporter.add(one_step(log_now))
                step += 1
                reporter.tick()
                if log_now:
                    extra = {"lr_D": opt_D.param_groups[0]["lr"], "lr_G": opt_G.param_groups[0]["lr"]}
                    for probe in data.probes:
                        extra.update(probe(G=G_raw, D=D_raw, data=data, step=step))
                    last_record = reporter.flush(step, extra)
                    _check_finite(last_record, step)
                if step % t.sample_every == 0 or step == t.steps:
                    samples(step)
                out_of_time = t.time_limit_s is not None and time.perf_counter() - t0 > t.time_limit_s
                if world > 1 and t.time_limit_s is not None:  # every rank must stop at the same step
                    out_of_time = bool(fabric.broadcast(out_of_time, src=0))
                stop_now = (flag.stop and world == 1) or out_of_time
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


def _check_finite(record: dict, step: int) -> None:
    for key in ("d_loss", "g_loss"):
        if key in record and record[key] is None:
            raise GanforgeError(
                f"{key} became NaN/inf by step {step}; the run diverged (lower the learning rates or try "
                f"--precision 32); the last complete checkpoint is kept for --resume"
            )


def _dry_run(cfg, G_raw, D_raw, one_step, data, fabric, is_main) -> dict:
    from .flops import CountFlops

    with CountFlops() as counter:
        one_step(False)
    flops = counter.total * fabric.world_size
    info = {"config": cfg.to_dict(), "params_G": count_params(G_raw), "params_D": count_params(D_raw),
            "flops_per_step": flops, "data_shape": list(data.shape), "n_examples": len(data)}
    if is_main:
        print(dump_yaml(cfg), end="")
        print(f"# data: {data.name}, {len(data)} examples of shape {tuple(data.shape)}")
        print(f"# G parameters: {info['params_G']:,}")
        print(f"# D parameters: {info['params_D']:,}")
        print(f"# FLOPs per training step ({cfg.d_steps} D + {cfg.g_steps} G updates, global batch "
              f"{cfg.train.batch_size}): {flops / 1e9:.3f} GFLOP")
    return info
