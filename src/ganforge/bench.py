"""`ganforge bench`: images/s and FLOPs utilisation of the `gan` recipe on MNIST, against a
conventional PyTorch loop with the same networks, batch size and optimiser that reads MNIST
through torchvision's dataset class, a DataLoader and transforms.

Both sides run the same algorithm: per step one D update on a real batch and a batch of
fakes, then one G update on fresh noise (Algorithm 1, k = 1). "Images" are real images
consumed per second. Timings skip warm-up steps and exclude setup.
"""

from __future__ import annotations

import gzip
import json
import shutil
import time
from pathlib import Path

import torch

from .errors import GanforgeError


def measure_peak(dtype=torch.float32, n: int = 2048, reps: int = 10) -> float:
    """Measured matmul throughput (FLOP/s) of this machine for ``dtype`` (n×n×n GEMMs)."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    for _ in range(3):
        a @ b
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best


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
    """The loop most tutorials write: torchvision MNIST + ToTensor, DataLoader(shuffle),
    BCEWithLogits against ones/zeros, G(z).detach() for D, .item() logging every step."""
    import torchvision
    from torch.utils.data import DataLoader

    from .training.build import build_models

    torch.manual_seed(0)
    G, D = build_models(cfg, (1, 28, 28))
    opt_G = torch.optim.SGD(G.parameters(), lr=cfg.opt_G.lr, momentum=cfg.opt_G.momentum)
    opt_D = torch.optim.SGD(D.parameters(), lr=cfg.opt_D.lr, momentum=cfg.opt_D.momentum)
    ds = torchvision.datasets.MNIST(str(root), train=True, download=False,
                                    transform=torchvision.transforms.ToTensor())
    B = cfg.train.batch_size
    loader = DataLoader(ds, batch_size=B, shuffle=True, drop_last=True, num_workers=workers,
                        persistent_workers=workers > 0)
    bce = torch.nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(B), torch.zeros(B)
    done, t0, log = 0, None, []
    while done < steps + warmup:
        for real, _ in loader:
            if done == warmup:
                t0 = time.perf_counter()
            z = torch.randn(B, cfg.z_dim)
            fake = G(z)
            opt_D.zero_grad()
            d_loss = bce(D(real), ones) + bce(D(fake.detach()), zeros)
            d_loss.backward()
            opt_D.step()
            opt_G.zero_grad()
            g_loss = bce(D(G(torch.randn(B, cfg.z_dim))), ones)
            g_loss.backward()
            opt_G.step()
            log.append((d_loss.item(), g_loss.item()))
            done += 1
            if done == steps + warmup:
                break
    dt = time.perf_counter() - t0
    return {"images_per_s": steps * B / dt, "sec_per_step": dt / steps}


def ganforge_loop(root: Path, *, steps: int, warmup: int, precision: str, out: Path, sets=()) -> dict:
    from .api import train

    shutil.rmtree(out, ignore_errors=True)
    log_every = 25
    total = warmup + steps
    train("gan", data="mnist", data_root=str(root), steps=total, out=str(out), precision=precision,
          set=[f"train.log_every={log_every}", f"train.sample_every={total}", f"train.ckpt_every={total}", *sets],
          console=False)
    recs = [json.loads(line) for line in open(out / "metrics.jsonl")]
    timed = [r for r in recs if r["step"] > warmup]
    sec = sum(r["sec_per_step"] for r in timed) / len(timed)
    return {"images_per_s": 100 / sec, "sec_per_step": sec, "out": str(out)}


def step_flops(cfg) -> float:
    from .api import train

    info = train(cfg.recipe, data="mnist", data_root=cfg.data.root, dry_run=True, console=False)
    return float(info["flops_per_step"])


def run_bench(*, steps: int, data_root: str | None, precisions: list[str], json_out: str | None,
              workers_list=(0, 2), warmup: int = 25, scratch: str = "/tmp/ganforge-bench") -> dict:
    import contextlib
    import io

    from .recipes.base import resolve_config

    if not data_root:
        raise GanforgeError("ganforge bench needs --data-root DIR holding MNIST/raw (torchvision layout)")
    root = Path(data_root)
    scratch_p = Path(scratch)
    unpacked = _unpacked_mnist(root, scratch_p / "data")
    cfg = resolve_config("gan", overrides={"data": {"name": "mnist", "root": str(root)}})
    with contextlib.redirect_stdout(io.StringIO()):
        flops = step_flops(cfg)
    peak32 = measure_peak(torch.float32)
    peak16 = measure_peak(torch.bfloat16)
    print(f"machine: {torch.get_num_threads()} threads; measured matmul peak fp32 {peak32 / 1e9:.0f} GFLOP/s, "
          f"bf16 {peak16 / 1e9:.0f} GFLOP/s")
    print(f"gan on MNIST, batch {cfg.train.batch_size}: {flops / 1e9:.3f} GFLOP per step (1 D + 1 G update)")
    results: dict = {"flops_per_step": flops, "peak_fp32": peak32, "peak_bf16": peak16, "steps": steps, "rows": []}

    def row(name, r):
        util = flops / r["sec_per_step"] / peak32
        r.update(name=name, gflops=flops / r["sec_per_step"] / 1e9, util_fp32_peak=util)
        results["rows"].append(r)
        print(f"  {name:38s} {r['images_per_s']:8.0f} img/s  {r['gflops']:6.1f} GFLOP/s  "
              f"{100 * util:5.1f}% of fp32 peak", flush=True)

    for w in workers_list:
        row(f"conventional (DataLoader, workers={w})", conventional_loop(unpacked, cfg, steps=steps, warmup=warmup, workers=w))
    for p in precisions:
        row(f"ganforge --precision {p}", ganforge_loop(root, steps=steps, warmup=warmup, precision=p,
                                                        out=scratch_p / f"run-{p}"))
    base = max(r["images_per_s"] for r in results["rows"] if r["name"].startswith("conventional"))
    for r in results["rows"]:
        r["speedup_vs_best_conventional"] = r["images_per_s"] / base
    print("speed-up vs the best conventional loop: " + ", ".join(
        f"{r['name'].replace('ganforge ', '')}: {r['speedup_vs_best_conventional']:.2f}×"
        for r in results["rows"] if r["name"].startswith("ganforge")))
    if json_out:
        Path(json_out).write_text(json.dumps(results, indent=2))
    return results
