"""How fast this CPU runs the fp32 products the MNIST presets are made of, by path: a 1,024 → 6,272 linear layer
(the DCGAN authors' MNIST networks) at batch 128, forward and backward, and square 2048 products.

    python benchmarks/matmul_paths.py plain    # torch's default: MKL for fp32 products
    python benchmarks/matmul_paths.py medium   # set_float32_matmul_precision("medium"): oneDNN

``medium`` rounds the products to bf16 on CPUs with AMX; the script prints whether it did here (its relative error
against float64, next to exact fp32's), so a speed-up is only read as such where the products stayed fp32. Run it
alone: it times wall clock. MKL's own switches (e.g. ``MKL_ENABLE_INSTRUCTIONS=AVX512``) apply as usual.
"""

from __future__ import annotations

import argparse
import os
import time

import torch
from torch import nn


def linear_ms(reps: int = 20, batch: int = 128) -> float:
    lin = nn.Linear(1024, 6272)
    x = torch.randn(batch, 1024, requires_grad=True)
    for _ in range(3):
        lin(x).sum().backward()
    t = time.perf_counter()
    for _ in range(reps):
        lin(x).sum().backward()
    return (time.perf_counter() - t) / reps * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", choices=["plain", "medium"])
    args = ap.parse_args()
    from ganforge.bench import measure_peak
    from ganforge.training.process import matmul_precision, matmul_precision_effect

    effect = matmul_precision_effect("medium")
    with matmul_precision("medium" if args.path == "medium" else "highest"):
        ms, rate = linear_ms(), measure_peak(torch.float32) / 1e9
    env = ", ".join(f"{k}={v}" for k, v in os.environ.items() if k.startswith("MKL_")) or "no MKL_ variables"
    print(f"{args.path} ({env}; {torch.get_num_threads()} threads): linear 1024→6272 fwd+bwd {ms:.1f} ms, "
          f"square products (best) {rate:.0f} GFLOP/s")
    print(f"medium here: relative error {effect['rel_error']:.1e} (exact fp32 {effect['rel_error_highest']:.1e}); "
          f"{'rounds to bf16' if effect['changes_products'] else 'stays fp32'}")


if __name__ == "__main__":
    main()
