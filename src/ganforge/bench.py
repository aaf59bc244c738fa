"""`ganforge bench`: images/s and FLOPs utilisation of the `gan` recipe on MNIST, against a
conventional PyTorch loop with the same networks, batch size and optimiser that reads MNIST
through torchvision's dataset class, a DataLoader and transforms.

Both sides run the same algorithm, the recipe's ``update_order``: for `gan` (as released) both
players' gradients from one batch and one D pass on it, applied together; for alternating
recipes one D update on a real batch and a batch of fakes, then one G update on fresh noise
(Algorithm 1, k = 1). "Images" are real images consumed per second. Timings skip warm-up steps
and exclude setup.

Beside images/s, the step's share of the machine's matrix-multiply rates: every matrix product
and convolution of one step (forward and backward, as torch's FLOP counter sees them) is replayed
alone at its own shapes, in fp32 and in bf16; their summed time is the least time this machine
needs for the step's arithmetic in that precision, and share = that time / the step's time.
"""

from __future__ import annotations

import gzip
import json
import shutil
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_map
from torch.utils.flop_counter import flop_registry

from .config import MATMUL_PRECISIONS
from .errors import GanforgeError
from .training.process import matmul_precision, matmul_precision_effect


def measure_peak(dtype=torch.float32, n: int = 2048, reps: int = 10, budget_s: float = 3.0) -> float:
    """Measured matmul throughput (FLOP/s) of this machine for ``dtype``: square products from
    256 up to ``n``, doubling while one takes under a twentieth of ``budget_s`` (bf16 on a CPU with
    no bf16 kernel runs at ~1 GFLOP/s, where a 2048³ product takes ~15 s), then the best of up to
    ``reps`` at the size reached."""
    size = 256
    while True:
        a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
        a @ b  # warm-up
        t = time.perf_counter()
        a @ b
        one = time.perf_counter() - t
        if size >= n or one * 8 > budget_s / 20:  # the next size (8× the work) would pass the mark
            break
        size *= 2
    best = one
    for _ in range(max(0, min(reps, int(budget_s / max(one, 1e-9))) - 1)):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * size**3 / best


class RecordMatmuls(TorchDispatchMode):
    """Every matrix product and convolution one training step runs (forward and backward), as
    torch's FLOP counter sees them: (operator, argument template, FLOPs), to be replayed alone."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            template = tree_map(lambda a: _Spec(a) if isinstance(a, torch.Tensor) else a, (args, kwargs))
            self.calls.append((func, template, int(formula(*args, **kwargs, out_val=out))))
        return out


class _Spec:
    """A tensor argument's size, strides and dtype (floating tensors are replayed in the dtype asked for)."""

    def __init__(self, t: torch.Tensor) -> None:
        self.size, self.stride, self.dtype = tuple(t.shape), tuple(t.stride()), t.dtype

    def make(self, dtype: torch.dtype) -> torch.Tensor:
        dt = dtype if self.dtype.is_floating_point else self.dtype
        if 0 in self.stride:  # a broadcast tensor (e.g. the gradient of a sum): expand a smaller one
            base = [1 if st == 0 else n for n, st in zip(self.size, self.stride)]
            return (torch.randn(base) if dt.is_floating_point else torch.zeros(base)).to(dt).expand(self.size)
        x = torch.empty_strided(self.size, self.stride, dtype=dt)
        return x.normal_() if dt.is_floating_point else x.zero_()

    def key(self) -> tuple:
        return (self.size, self.stride, str(self.dtype))


def _key(func, template) -> tuple:
    flat = []
    tree_map(lambda a: flat.append(a.key() if isinstance(a, _Spec) else repr(a)), template)
    return (str(func), tuple(flat))


def time_matmuls(calls: list[tuple], dtype: torch.dtype, *, min_time: float = 0.02) -> dict:
    """Replay each distinct matrix product / convolution of ``calls`` alone in ``dtype``
    (best of several timed repeats) → {"seconds": Σ count × time per call, "flops": Σ FLOPs}: the
    time this machine needs for the step's matrix products at their own shapes, nothing else."""
    groups: dict = {}
    for func, template, flops in calls:
        k = _key(func, template)
        g = groups.setdefault(k, {"func": func, "template": template, "flops": flops, "count": 0})
        g["count"] += 1
    total = 0.0
    for g in groups.values():
        args, kwargs = tree_map(lambda a: a.make(dtype) if isinstance(a, _Spec) else a, g["template"])
        with torch.no_grad():
            for _ in range(2):
                g["func"](*args, **kwargs)
            reps, best = 1, float("inf")
            while True:
                t = time.perf_counter()
                for _ in range(reps):
                    g["func"](*args, **kwargs)
                dt = time.perf_counter() - t
                best = min(best, dt / reps)
                if dt >= min_time or reps >= 64:
                    break
                reps *= 2
            for _ in range(2):  # a few more repeats at that count, keep the best
                t = time.perf_counter()
                for _ in range(reps):
                    g["func"](*args, **kwargs)
                best = min(best, (time.perf_counter() - t) / reps)
        total += g["count"] * best
    return {"seconds": total, "flops": float(sum(c[2] for c in calls)), "distinct_shapes": len(groups)}


def step_matmuls(recipe: str, root: Path, sets=()) -> list[tuple]:
    """The matrix products of one fp32 training step of ``recipe`` on MNIST (after one warm-up step)."""
    from .recipes.base import resolve_config
    from .registry import RECIPES
    from .training.loop import make_fabric
    from .training.run import TrainingRun

    cfg = resolve_config(recipe, sets=list(sets), overrides={"data": {"name": "mnist", "root": str(root)},
                                                            "train": {"precision": "32"}})
    run = TrainingRun(cfg, RECIPES.get(recipe), make_fabric(cfg))
    run.step(0, False)
    with RecordMatmuls() as rec:
        run.step(1, False)
    return rec.calls


def _unpacked_mnist(root: Path, scratch: Path) -> Path:
    """torchvision's MNIST class reads unpacked idx files; make them (untimed) in scratch."""
    raw_in = root / "MNIST" / "raw"
    raw_out = scratch / "MNIST" / "raw"
    raw_out.mkdir(parents=True, exist_ok=True)
    for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        dst = raw_out / stem
        if dst.exists():
            continue
        if (raw_in / stem).exists():
            shutil.copy(raw_in / stem, dst)
        elif (raw_in / f"{stem}.gz").exists():
            with gzip.open(raw_in / f"{stem}.gz", "rb") as f, open(dst, "wb") as g:
                shutil.copyfileobj(f, g)
        else:
            raise GanforgeError(f"MNIST not found under {raw_in}; pass --data-root DIR holding MNIST/raw")
    return scratch


def conventional_loop(root: Path, cfg, *, steps: int, warmup: int, workers: int) -> dict:
    """The loop most tutorials write: torchvision MNIST + transforms, DataLoader(shuffle),
    separate D passes on real and fake, G(z).detach() for D, default (per-tensor) optimiser
    kernels, .item() logging every step. Same networks, batch size, optimiser and algorithm
    (d_steps D updates on fresh batches, then a G update on fresh noise)."""
    import torchvision
    from torch.utils.data import DataLoader

    from .models.base import sample_noise
    from .registry import LOSSES
    from .training.build import build_models

    torch.manual_seed(0)
    size = list(cfg.data.image_size or [28, 28])
    G, D = plain_models(cfg, (1, *size)) if cfg.G.arch == "mlp_generator" else build_models(cfg, (1, *size))
    tf = [torchvision.transforms.Resize(size)] if size != [28, 28] else []
    tf.append(torchvision.transforms.ToTensor())
    if getattr(G, "out_range", None) == (-1.0, 1.0):
        tf.append(torchvision.transforms.Normalize((0.5,), (0.5,)))
    opt_G, opt_D = _plain_optimizer(G, cfg.optimizer("G")), _plain_optimizer(D, cfg.optimizer("D"))
    ds = torchvision.datasets.MNIST(str(root), train=True, download=False,
                                    transform=torchvision.transforms.Compose(tf))
    B = cfg.train.batch_size
    loader = DataLoader(ds, batch_size=B, shuffle=True, drop_last=True, num_workers=workers,
                        persistent_workers=workers > 0)
    family = LOSSES.get(cfg.loss)
    bce = torch.nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(B), torch.zeros(B)

    def d_loss_fn(real_logits, fake_logits):
        if cfg.loss == "minimax":
            return bce(real_logits, ones) + bce(fake_logits, zeros)
        return family.d_loss(real_logits=real_logits, fake_logits=fake_logits)

    def g_loss_fn(fake_logits):
        if cfg.loss == "minimax":
            return bce(fake_logits, ones)
        return family.g_loss(cfg.g_objective)(fake_logits=fake_logits)

    def batches():
        while True:
            yield from loader

    it = batches()
    d_params, g_params = list(D.parameters()), list(G.parameters())

    def noise():
        return sample_noise(B, cfg.z_dim, cfg.z_dist)

    def alternating_step():
        for _ in range(cfg.d_steps):
            real, _ = next(it)
            fake = G(noise())
            opt_D.zero_grad()
            d_loss = d_loss_fn(D(real), D(fake.detach()))
            d_loss.backward()
            opt_D.step()
        opt_G.zero_grad()
        g_loss = g_loss_fn(D(G(noise())))
        g_loss.backward()
        opt_G.step()
        return d_loss, g_loss

    def simultaneous_step():
        # the released 2014 code as a tutorial would write it: one batch, D on real and on fake, each
        # player's gradient of its own loss (torch.autograd.grad), then both optimiser steps
        real, _ = next(it)
        d_fake = D(G(noise()))
        d_loss, g_loss = d_loss_fn(D(real), d_fake), g_loss_fn(d_fake)
        opt_D.zero_grad()
        opt_G.zero_grad()
        for p, g in zip(d_params, torch.autograd.grad(d_loss, d_params, retain_graph=True)):
            p.grad = g
        for p, g in zip(g_params, torch.autograd.grad(g_loss, g_params)):
            p.grad = g
        opt_D.step()
        opt_G.step()
        return d_loss, g_loss

    one_step = simultaneous_step if cfg.update_order == "simultaneous" else alternating_step
    log, t0 = [], None
    with RecordMatmuls() as rec:  # one untimed step: the matrix products, for the shares of the matmul rates
        one_step()
    for step in range(steps + warmup):
        if step == warmup:
            t0 = time.perf_counter()
        d_loss, g_loss = one_step()
        log.append((d_loss.item(), g_loss.item()))
    dt = time.perf_counter() - t0
    return {"images_per_s": steps * B * cfg.d_steps / dt, "sec_per_step": dt / steps, "matmuls": rec.calls}


class _PlainMaxout(nn.Module):
    def __init__(self, fan_in: int, units: int, pieces: int) -> None:
        super().__init__()
        self.units, self.pieces, self.linear = units, pieces, nn.Linear(fan_in, units * pieces)

    def forward(self, x):
        return self.linear(x).view(x.shape[0], self.units, self.pieces).max(-1).values


class _PlainG(nn.Module):
    def __init__(self, net: nn.Module, shape) -> None:
        super().__init__()
        self.net, self.shape, self.out_range = net, tuple(shape), (0.0, 1.0)

    def forward(self, z):
        return self.net(z).view(z.shape[0], *self.shape)


def plain_models(cfg, shape):
    """The 2014 MLPs as a tutorial writes them: nn.Sequential, nn.Dropout, maxout by view + amax.
    Same architecture (and so the same FLOPs) as ganforge's models/mlp.py."""
    import math

    g, d = cfg.G.args, cfg.D.args
    act = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2)}[g.get("activation", "relu")]
    layers, width = [], cfg.z_dim
    for h in g.get("hidden", [1200, 1200]):
        layers += [nn.Linear(width, h), act()]
        width = h
    layers += [nn.Linear(width, math.prod(shape)), nn.Sigmoid()]
    G = _PlainG(nn.Sequential(*layers), shape)
    layers, width = [nn.Flatten()], math.prod(shape)
    if d.get("dropout_input", 0.2):
        layers.append(nn.Dropout(d.get("dropout_input", 0.2)))
    for h in d.get("hidden", [240, 240]):
        layers.append(_PlainMaxout(width, h, d.get("pieces", 5)) if d.get("activation", "maxout") == "maxout"
                      else nn.Sequential(nn.Linear(width, h), nn.LeakyReLU(0.2)))
        if d.get("dropout_hidden", 0.5):
            layers.append(nn.Dropout(d.get("dropout_hidden", 0.5)))
        width = h
    layers += [nn.Linear(width, 1), nn.Flatten(0)]
    return G, nn.Sequential(*layers)


def _plain_optimizer(module, ocfg):
    if ocfg.name == "sgd":
        return torch.optim.SGD(module.parameters(), lr=ocfg.lr, momentum=ocfg.momentum)
    if ocfg.name == "adam":
        return torch.optim.Adam(module.parameters(), lr=ocfg.lr, betas=tuple(ocfg.betas))
    return torch.optim.RMSprop(module.parameters(), lr=ocfg.lr)


def _variant_sets(variant: str) -> tuple[str, list[str]]:
    """"bf16-mixed+channels_last+compile" → (precision, --set items)."""
    parts = variant.split("+")
    sets = []
    for opt in parts[1:]:
        key, eq, value = opt.partition("=")
        if key in ("channels_last", "compile") and not eq:
            sets.append(f"train.{key}=true")
        elif key == "matmul_precision" and value in MATMUL_PRECISIONS:
            sets.append(f"train.{opt}")
        else:
            raise GanforgeError(f"unknown bench option {opt!r} in {variant!r}; valid: channels_last, compile, "
                                f"matmul_precision={'|'.join(MATMUL_PRECISIONS)}")
    return parts[0], sets


def _matmul_precision(variant: str) -> str | None:
    sets = _variant_sets(variant)[1]
    return next((item.split("=", 1)[1] for item in sets if item.startswith("train.matmul_precision=")), None)


def ganforge_loop(recipe: str, root: Path, *, steps: int, warmup: int, variant: str, out: Path,
                  sets=()) -> dict:
    """``ganforge train`` in its own process, as a user runs it (its process-wide settings, such as
    the allocator's in training/memory.py, then never reach the conventional loop of this process),
    with this process's thread count."""
    import subprocess
    import sys

    from .api import read_run
    from .training.report import mean_sec_per_step, read_metrics

    precision, extra = _variant_sets(variant)
    shutil.rmtree(out, ignore_errors=True)
    log_every = max(5, min(25, steps // 4))
    total = warmup + steps
    cmd = [sys.executable, "-m", "ganforge.cli", "train", recipe, "--data", "mnist", "--data-root", str(root),
           "--steps", str(total), "--out", str(out), "--precision", precision]
    for item in (f"train.threads={torch.get_num_threads()}", f"train.log_every={log_every}",
                 f"train.sample_every={total}", f"train.ckpt_every={total}", *sets, *extra):
        cmd += ["--set", item]
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise GanforgeError(f"ganforge train ({variant}) failed: {last}")
    sec = mean_sec_per_step(read_metrics(out), after_step=warmup)
    cfg, _ = read_run(out)
    return {"images_per_s": cfg.train.batch_size * cfg.d_steps / sec, "sec_per_step": sec, "out": str(out)}


DEFAULT_VARIANTS = ("32", "bf16-mixed", "32+matmul_precision=medium")


def offered_variants(variants: list[str] | None) -> tuple[list[str], dict]:
    """The variants to time, and what each matmul precision they name does here (a probe of one
    product, ``training.process.matmul_precision_effect``). With no variants asked for: the
    defaults, less a matmul precision that leaves products as they are on this machine (then it
    would time fp32 twice); an explicit one runs regardless, with the probe's finding printed."""
    asked = variants is not None and len(variants) > 0
    candidates = list(variants) if asked else list(DEFAULT_VARIANTS)
    effects = {p: matmul_precision_effect(p) for p in dict.fromkeys(_matmul_precision(v) for v in candidates) if p}
    offered = []
    for v in candidates:
        p = _matmul_precision(v)
        e = effects.get(p)
        if e is not None:
            verdict = "changes" if e["changes_products"] else "does not change"
            print(f"matmul_precision={p} {verdict} fp32 products on this machine (relative error "
                  f"{e['rel_error']:.1e}, exact fp32 {e['rel_error_highest']:.1e})"
                  + ("" if e["changes_products"] or asked else f": variant {v} not offered"))
            if not e["changes_products"] and not asked:
                continue
        offered.append(v)
    return offered, effects


def run_bench(*, steps: int, data_root: str | None, variants: list[str] | None, json_out: str | None,
              recipe: str = "gan", batch_size: int | None = None, workers_list=(0, 2), warmup: int = 20,
              scratch: str = "/tmp/ganforge-bench", sets=(), rounds: int = 2) -> dict:
    import contextlib
    import io

    from .api import train
    from .recipes.base import resolve_config

    if not data_root:
        raise GanforgeError("ganforge bench needs --data-root DIR holding MNIST/raw (torchvision layout)")
    root = Path(data_root)
    scratch_p = Path(scratch)
    unpacked = _unpacked_mnist(root, scratch_p / "data")
    sets = list(sets) + ([f"train.batch_size={batch_size}"] if batch_size else [])
    cfg = resolve_config(recipe, sets=sets, overrides={"data": {"name": "mnist", "root": str(root)}})
    with contextlib.redirect_stdout(io.StringIO()):
        flops = float(train(recipe, data="mnist", data_root=str(root), set=sets, dry_run=True,
                            console=False)["flops_per_step"])
    peak32 = measure_peak(torch.float32)
    peak16 = measure_peak(torch.bfloat16)
    calls = step_matmuls(recipe, root, sets)
    rates = {name: time_matmuls(calls, dtype) for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16))}
    print(f"machine: {torch.get_num_threads()} threads; square matmul fp32 {peak32 / 1e9:.0f} GFLOP/s, "
          f"bf16 {peak16 / 1e9:.0f} GFLOP/s")
    variants, effects = offered_variants(variants)
    shape = cfg.data.image_size or [28, 28]
    print(f"{recipe} on MNIST {shape[0]}×{shape[1]}, batch {cfg.train.batch_size}, update_order {cfg.update_order}: "
          f"{flops / 1e9:.3f} GFLOP per step ({cfg.d_steps} D + {cfg.g_steps} G updates)")
    print("its {n} matrix products replayed alone at their shapes: ".format(n=len(calls)) + ", ".join(
        f"{k} {r['flops'] / r['seconds'] / 1e9:.0f} GFLOP/s ({1e3 * r['seconds']:.2f} ms per step)"
        for k, r in rates.items()))
    results: dict = {"recipe": recipe, "update_order": cfg.update_order, "flops_per_step": flops, "peak_fp32": peak32,
                     "peak_bf16": peak16, "steps": steps, "batch_size": cfg.train.batch_size, "threads":
                     torch.get_num_threads(), "matmul_at_step_shapes": rates, "matmul_precision_effects": effects, "rows": []}

    def row(name, runs, matmul_rates):
        # the fastest of the rounds: a shared machine only ever slows a loop down
        r = dict(max(runs, key=lambda x: x["images_per_s"]))
        r.update(name=name, gflops=flops / r["sec_per_step"] / 1e9, util_fp32_peak=flops / r["sec_per_step"] / peak32,
                 rounds_images_per_s=[round(x["images_per_s"], 1) for x in runs])
        for k, m in matmul_rates.items():  # the share of the step's time its matrix products need at that rate
            r[f"matmul_share_{k}"] = m["seconds"] / r["sec_per_step"]
        results["rows"].append(r)
        print(f"  {name:42s} {r['images_per_s']:8.0f} img/s  {1e3 * r['sec_per_step']:7.2f} ms/step  "
              f"matmul share: fp32 {100 * r['matmul_share_fp32']:5.1f}%  bf16 {100 * r['matmul_share_bf16']:5.1f}%"
              + (f"  (rounds: {', '.join(f'{x:.0f}' for x in r['rounds_images_per_s'])} img/s)" if len(runs) > 1 else ""),
              flush=True)

    # every configuration once per round, the rounds one after another: a machine whose speed
    # drifts (other tenants, clocks) then slows both sides of the comparison alike
    measured: dict[str, list] = {}
    conv_matmuls: dict[str, list] = {}
    # a variant with train.matmul_precision=P gets the conventional loop under the same torch setting
    # beside it (one line in any script), so its speed-up is not credited to a setting
    conventional = [(f"conventional (DataLoader, workers={w})", w, None) for w in workers_list]
    conventional += [(f"conventional (DataLoader, workers={workers_list[0]}, matmul_precision={p})", workers_list[0], p)
                     for p in dict.fromkeys(_matmul_precision(v) for v in variants) if p is not None]
    for i in range(rounds):
        if rounds > 1:
            print(f"round {i + 1}/{rounds} …", flush=True)
        for name, w, mp in conventional:
            with matmul_precision(mp):
                r = conventional_loop(unpacked, cfg, steps=steps, warmup=warmup, workers=w)
            conv_matmuls[name] = r.pop("matmuls")
            measured.setdefault(name, []).append(r)
        for v in variants:
            measured.setdefault(f"ganforge {v}", []).append(
                ganforge_loop(recipe, root, steps=steps, warmup=warmup, variant=v, out=scratch_p / f"run-{recipe}-{v}",
                              sets=sets))
    conv_rates = None  # the conventional loops differ only in DataLoader workers: one replay serves them all
    for name, runs in measured.items():
        own = conv_matmuls.get(name)
        if own is not None and conv_rates is None:
            conv_rates = {k: time_matmuls(own, dtype) for k, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16))}
        row(name, runs, rates if own is None else conv_rates)
    by_name = {r["name"]: r for r in results["rows"]}
    base = max(by_name[name]["images_per_s"] for name, _, mp in conventional if mp is None)
    for r in results["rows"]:
        r["speedup_vs_best_conventional"] = r["images_per_s"] / base
    print("speed-up vs the best conventional loop: " + ", ".join(
        f"{r['name'].replace('ganforge ', '')}: {r['speedup_vs_best_conventional']:.2f}×"
        for r in results["rows"] if r["name"].startswith("ganforge")))
    for v in variants:
        mp = _matmul_precision(v)
        if mp is not None:
            same = next(by_name[name] for name, _, p in conventional if p == mp)
            r = by_name[f"ganforge {v}"]
            r["speedup_vs_conventional_same_matmul"] = r["images_per_s"] / same["images_per_s"]
            print(f"  {v} vs the conventional loop with matmul_precision={mp}: "
                  f"{r['speedup_vs_conventional_same_matmul']:.2f}×")
    if json_out:
        Path(json_out).write_text(json.dumps(results, indent=2))
    return results
