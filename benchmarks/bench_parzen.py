"""Table 1 of Goodfellow et al. (2014) on this machine: the `gan` recipe on MNIST, then the
Gaussian Parzen-window log-likelihood of the test set as the authors' ``parzen_ll.py`` computes it.

Protocol (goodfeli/adversarial, mnist.yaml and parzen_ll.py):
- train on MNIST train[0:50000] with the released settings (the `gan` recipe's defaults: SGD
  lr 0.1 ×1/1.000004 per update, momentum 0.5 → 0.7, batch 100, simultaneous updates; D at the
  released rate, ``opt.D.lr=0.05`` on −V, where the MNIST preset doubles it), for as
  long as ``--budget`` seconds allow (one run, one thread);
- 10,000 samples of G (raw sigmoid outputs in [0, 1], no quantisation);
- σ from logspace(−1, 0, 10), the one with the highest mean log-likelihood of the first 1,000
  images of train[50000:60000];
- the mean log-likelihood of the 10,000 test images at that σ ± std/√n (numpy's std, ddof 0).
Beside it: the paper's 225 ± 2, the same protocol with 10,000 real training images as the
centres, and FID / KID / precision / recall in the shipped mnist-cnn features (``ganforge eval``).

    python benchmarks/bench_parzen.py --data-root ../shared/data --budget 1500 --out /tmp/parzen
    python benchmarks/bench_parzen.py --data-root ../shared/data --run /tmp/parzen/run   # measure only
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

PAPER = {"gan": (225.0, 2.0), "source": "Goodfellow et al. 2014, Table 1 (MNIST)"}


def train(out: Path, data_root: str, budget: float, seed: int, extra: list[str]) -> dict:
    cmd = [sys.executable, "-m", "ganforge.cli", "train", "gan", "--data", "mnist", "--data-root", data_root,
           "--steps", "10000000", "--out", str(out), "--seed", str(seed),
           "--set", f"train.time_limit_s={budget}", "--set", "train.threads=1", "--set", "train.log_every=500",
           "--set", "train.sample_every=5000", "--set", "train.ckpt_every=5000",
           "--set", "opt.D.lr=0.05"]  # the released D rate (the MNIST preset's is twice that); --set overrides it
    for s in extra:
        cmd += ["--set", s]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_seconds": round(time.time() - t0, 1), "cpu_seconds": round(cpu, 1)}


def parzen_table1(centers: torch.Tensor, validation: torch.Tensor, test: torch.Tensor) -> dict:
    """parzen_ll.py's protocol on given centres (float in [0, 1] or uint8)."""
    from ganforge.metrics.parzen import DEFAULT_SIGMAS, parzen_log_likelihoods

    val = parzen_log_likelihoods(centers, validation, DEFAULT_SIGMAS).mean(1)
    best = int(np.argmax(val))
    ll = parzen_log_likelihoods(centers, test, [DEFAULT_SIGMAS[best]])[0]
    return {"ll": float(ll.mean()), "se": float(ll.std() / math.sqrt(len(ll))), "sigma": DEFAULT_SIGMAS[best],
            "sigma_at_grid_edge": best in (0, len(DEFAULT_SIGMAS) - 1),
            "validation_ll_by_sigma": [round(float(v), 2) for v in val]}


def fid_kid_pr(run: Path, data_root: str, n: int) -> dict:
    cmd = [sys.executable, "-m", "ganforge.cli", "eval", str(run), "--data-root", data_root, "--metrics", "fid,kid,pr",
           "--features", "mnist-cnn", "--reference", "mnist:test", "--n", str(n), "--out", str(run / "bench_eval.jsonl")]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    cards = [json.loads(x) for x in open(run / "bench_eval.jsonl")]
    return {c["metric"]: c["value"] for c in cards[-4:]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", required=True)
    ap.add_argument("--budget", type=float, default=1500.0, help="training seconds (wall clock)")
    ap.add_argument("--out", default="runs/bench_parzen")
    ap.add_argument("--run", default=None, help="measure an existing run instead of training one")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set", action="append", default=[], help="extra --set for the training")
    args = ap.parse_args()
    torch.set_num_threads(1)

    from ganforge.api import load
    from ganforge.config import DataConfig
    from ganforge.data import load_data

    out = Path(args.out)
    result: dict = {"paper": PAPER}
    if args.run:
        run = Path(args.run)
    else:
        run = out / "run"
        result["training"] = train(run, args.data_root, args.budget, args.seed, args.set)
    recs = [json.loads(x) for x in open(run / "metrics.jsonl")]
    steps = recs[-1]["step"]
    result["steps"] = steps
    result["epochs"] = round(steps * 100 / 50000, 2)  # batch 100 over train[0:50000]
    result["last_record"] = {k: recs[-1].get(k) for k in ("d_loss", "g_loss", "d_real", "d_fake", "lr_G")}

    t0 = time.time()
    G = load(run)
    samples = G.sample(10000, seed=0).reshape(10000, -1).float()
    validation = load_data(DataConfig(name="mnist", root=args.data_root, split="train[50000:60000]")).x[:1000]
    test = load_data(DataConfig(name="mnist", root=args.data_root, split="test")).x
    real = load_data(DataConfig(name="mnist", root=args.data_root, split="train[0:10000]")).x
    result["parzen_gan"] = parzen_table1(samples, validation, test)
    result["parzen_real_train10k"] = parzen_table1(real, validation, test)
    result["parzen_seconds"] = round(time.time() - t0, 1)
    result["features_mnist_cnn"] = fid_kid_pr(run, args.data_root, 10000)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2))

    g, r = result["parzen_gan"], result["parzen_real_train10k"]
    tr = result.get("training", {})
    print(f"gan on MNIST train[0:50000]: {steps} steps = {result['epochs']} epochs"
          + (f", {tr['cpu_seconds']:.0f} CPU s ({tr['wall_seconds']:.0f} s wall)" if tr else ""))
    print("| model | Parzen log-likelihood (test) | σ |")
    print("|---|---|---|")
    print(f"| GAN, paper (Table 1) | {PAPER['gan'][0]:.0f} ± {PAPER['gan'][1]:.0f} | – |")
    print(f"| gan, this run | {g['ll']:.1f} ± {g['se']:.1f} | {g['sigma']:.3f} |")
    print(f"| 10,000 real training images | {r['ll']:.1f} ± {r['se']:.1f} | {r['sigma']:.3f} |")
    print("mnist-cnn features vs the test set:", json.dumps(result["features_mnist_cnn"]))
    print(f"wrote {out / 'results.json'}")


if __name__ == "__main__":
    main()
