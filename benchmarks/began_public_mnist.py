"""The public MNIST BEGAN (hwalsuklee/tensorflow-generative-model-collections, BEGAN.py), re-written as a small
stand-alone PyTorch loop outside ganforge: an independent check of what that implementation's algorithm draws on
this machine, and of which of its ingredients matter (``--energy``).

    python benchmarks/began_public_mnist.py --data-root DATA --steps 3000 --energy batch-l2 --out began_hw.npy
    ganforge eval --images began_hw.npy --reference mnist:test --metrics fid,kid,pr,classes --n 10000 --data-root DATA

Energies: ``batch-l2`` (that code's: ‖X − D(X)‖ over the whole batch, divided by the batch size), ``l2`` (each
example's ‖x − D(x)‖ averaged, with λ_k / 8 to keep k_t's pace at batch 64: what ganforge's MNIST preset uses),
``l1`` (the pixel-mean L1 of the BEGAN paper and of ganforge's ``began_discriminator``). Writes 10,000 samples
(float32 in [0, 1], [N, 1, 28, 28]) to ``--out`` and a 10×10 grid beside it. One thread.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

B, Z = 64, 62


def load_mnist(root: Path) -> torch.Tensor:
    path = root / "MNIST" / "raw" / "train-images-idx3-ubyte.gz"
    if not path.is_file():
        raise SystemExit(f"no MNIST training images at {path}: pass the data root that holds MNIST/raw")
    with gzip.open(path) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    return torch.from_numpy(x.copy()).float().div(255)


class Generator(nn.Module):  # FC1024_BR-FC7x7x128_BR-(64)4dc2s_BR-(1)4dc2s_S
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(Z, 1024), nn.BatchNorm1d(1024), nn.ReLU(),
                                nn.Linear(1024, 128 * 49), nn.BatchNorm1d(128 * 49), nn.ReLU())
        self.up = nn.Sequential(nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Sigmoid())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.up(self.fc(z).view(-1, 128, 7, 7))


class AutoEncoder(nn.Module):  # (64)4c2s-FC32_BR-FC64*14*14_BR-(1)4dc2s_S
    def __init__(self, energy: str) -> None:
        super().__init__()
        self.energy = energy
        self.enc = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.ReLU(), nn.Flatten(),
                                 nn.Linear(64 * 196, 32), nn.BatchNorm1d(32), nn.ReLU())
        self.dec = nn.Sequential(nn.Linear(32, 64 * 196), nn.BatchNorm1d(64 * 196), nn.ReLU(),
                                 nn.Unflatten(1, (64, 14, 14)), nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = self.dec(self.enc(x)) - x
        if self.energy == "l1":
            return r.abs().mean()
        if self.energy == "l2":
            return r.pow(2).flatten(1).sum(1).add(1e-12).sqrt().mean()
        return r.pow(2).sum().sqrt() / x.shape[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-root", type=Path, required=True)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--energy", choices=["batch-l2", "l2", "l1"], default="batch-l2")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True, help="where the 10,000 samples go (.npy)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    x_all = load_mnist(args.data_root)
    G, D = Generator(), AutoEncoder(args.energy)
    for m in [*G.modules(), *D.modules()]:  # that code's ops.py: weights N(0, 0.02), biases 0
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)
    opt_g = torch.optim.Adam(G.parameters(), 1e-3, betas=(0.5, 0.999))  # G at 5× D's rate, as that code
    opt_d = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
    k, gamma, lam = 0.0, 0.75, 0.001 / 8 if args.energy == "l2" else 0.001
    perm, t0 = torch.randperm(len(x_all)), time.time()
    for step in range(args.steps):
        i = (step * B) % (len(x_all) - B)
        x, z = x_all[perm[i:i + B]], torch.rand(B, Z) * 2 - 1
        loss_d = D(x) - k * D(G(z).detach())  # D, then G, then k from a third pass, each on the same x and z
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = D(G(z))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        with torch.no_grad():
            lx, lg = D(x).item(), D(G(z)).item()
        k = min(max(k + lam * (gamma * lx - lg), 0.0), 1.0)
        if step % 500 == 0 or step == args.steps - 1:
            print(json.dumps({"step": step, "L_x": round(lx, 4), "L_G": round(lg, 4), "k": round(k, 4),
                              "M_global": round(lx + abs(gamma * lx - lg), 4), "seconds": round(time.time() - t0, 1)}),
                  flush=True)
    G.eval()  # that code samples with batch norm's moving averages
    torch.manual_seed(123)
    with torch.no_grad():
        samples = torch.cat([G(torch.rand(100, Z) * 2 - 1) for _ in range(100)])
    np.save(args.out, samples.numpy())
    import torchvision

    torchvision.utils.save_image(samples[:100], args.out.with_suffix(".png"), nrow=10)
    print(f"{len(samples)} samples → {args.out}")


if __name__ == "__main__":
    main()
