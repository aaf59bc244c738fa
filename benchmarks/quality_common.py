"""What every run of bench_quality.py shares: the recipes and their CIFAR-10 settings, the
process-CPU clock, the FID probe, and the train-then-measure curve."""

from __future__ import annotations

import time
from pathlib import Path

import torch
from torch import nn

RECIPES = ("dcgan", "lsgan", "wgan", "wgan-gp", "sngan")
BASELINE = "pytorch-loop"
# FID levels of the "seconds to reach" table, beside the baseline's final FID (each dataset's features
# have their own scale: mnist-cnn FIDs start near 1,000, cifar10-cnn ones near 150)
THRESHOLDS = {"mnist": [600, 400, 250], "cifar10": [100, 75, 60]}
# CIFAR-10 at a reduced width: every recipe on the DCGAN backbone at 32 channels (the ResNets are
# out of reach on one CPU thread), with its own loss, critic iterations, optimiser and normalisation
CIFAR_SETS = {"dcgan": ["G.args.ngf=32", "D.args.ndf=32", "train.steps=3000"],
              "lsgan": ["G.args.ngf=32", "D.args.ndf=32", "train.steps=3000"],
              "wgan": ["G.args.ngf=32", "D.args.ndf=32", "train.steps=1000"],
              # the authors' DCGAN-size CIFAR-10 script (improved_wgan_training/gan_cifar.py, MODE wgan-gp) at
              # DIM 32: 5×5, BN in G only, z N(0, I) of 128, Adam 1e-4 β = (0.5, 0.9) constant, batch 64 for both
              # players, λ = 10, 5 critic iterations, no dequantisation
              "wgan-gp": ["G.arch=dcgan_generator", "D.arch=dcgan_discriminator", "G.args.ngf=32", "D.args.ndf=32",
                          "G.args.kernel=5", "D.args.kernel=5", "G.args.batch_norm=true", "D.args.norm=none",
                          "z_dim=128", "z_dist=normal", "train.batch_size=64", "train.g_batch_size=null",
                          "opt_D.lr=1e-4", "opt_G.lr=1e-4", "opt_D.betas=[0.5,0.9]", "opt_G.betas=[0.5,0.9]",
                          "opt_D.schedule=constant", "opt_G.schedule=constant", "recipe_args.dequantize=false",
                          "train.steps=1000"],
              "sngan": ["G.arch=dcgan_generator", "D.arch=dcgan_discriminator", "G.args.ngf=32", "D.args.ndf=32",
                        "D.args.norm=none", "D.args.head_bias=false", "train.steps=1000"]}


class CpuClock:
    """Process CPU seconds, counted only while running."""

    def __init__(self) -> None:
        self.total, self._t = 0.0, None

    def start(self) -> None:
        self._t = time.process_time()

    def stop(self) -> None:
        self.total += time.process_time() - self._t
        self._t = None

    def now(self) -> float:
        return self.total + (time.process_time() - self._t if self._t is not None else 0.0)


class FidProbe:
    """FID of generated images against the reference split's features (computed once)."""

    def __init__(self, dataset: str, data_root: str, n: int) -> None:
        from ganforge.config import DataConfig
        from ganforge.data import load_data
        from ganforge.metrics.features import get_feature_net
        from ganforge.metrics.fid import feature_stats

        self.net = get_feature_net(f"{dataset}-cnn")
        ref = load_data(DataConfig(name=dataset, root=data_root, split="test"))
        self.ref_stats = feature_stats(self.net.extract(ref.x)["features"])
        self.n = n

    def __call__(self, images01: torch.Tensor) -> float:
        from ganforge.metrics.fid import feature_stats, frechet_distance

        mu, sigma = feature_stats(self.net.extract(images01.clamp(0, 1))["features"])
        return float(frechet_distance(mu, sigma, *self.ref_stats))


def sample_images(G: nn.Module, z: torch.Tensor) -> torch.Tensor:
    was = G.training
    G.eval()
    with torch.no_grad():
        x = torch.cat([G(zb) for zb in z.split(500)])
    G.train(was)
    return (x + 1) / 2  # tanh range → [0, 1]


def fid_curve(train_chunk, G_of, z, probe, clock: CpuClock, every: float, cap: float, grid_path: Path) -> dict:
    """Alternate training (until the next multiple of ``every`` CPU seconds) and FID."""
    points, steps, done = [], 0, False
    while not done:
        clock.start()
        target = (len(points) + 1) * every
        while clock.now() < target and not done:
            done = not train_chunk()
            steps += 1
        clock.stop()
        done = done or clock.total >= cap
        fid = probe(sample_images(G_of(), z))
        points.append({"cpu_s": round(clock.total, 1), "step": steps, "fid": round(fid, 2)})
        print(f"    {clock.total:7.1f} CPU-s  step {steps:5d}  FID {fid:7.2f}", flush=True)
    from ganforge.viz.grid import save_grid

    grid_path.parent.mkdir(parents=True, exist_ok=True)
    save_grid(sample_images(G_of(), z[:64]), grid_path, nrow=8)
    return {"points": points, "steps": steps}
