"""bench_quality.py's plain PyTorch loops: a recipe's resolved algorithm written as a tutorial writes
it (torchvision dataset + DataLoader, nn.Sequential nets, stock torch.optim, fp32), the yardstick
ganforge's own runs are measured against."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import torch
import torch.nn.functional as F
from quality_common import BASELINE, CIFAR_SETS, CpuClock, FidProbe, fid_curve
from torch import nn


def _mnist_gz_to_raw(data_root: str, dest: Path) -> Path:
    """torchvision's MNIST reads the unpacked idx files from ROOT/MNIST/raw; unpack once (the
    'download' of a tutorial, not timed)."""
    raw = dest / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for gz in (Path(data_root) / "MNIST" / "raw").glob("*.gz"):
        target = raw / gz.name[:-3]
        if not target.exists():
            with gzip.open(gz, "rb") as f, open(target, "wb") as g:
                shutil.copyfileobj(f, g)
    return dest


def _cifar_jpeg_folder(data_root: str, dest: Path) -> Path:
    """The CIFAR-10 training JPEGs (cifar10_jpeg/cifar10_jpeg_train.zip: train/<class>/NNNN.jpg)
    unpacked once for torchvision's ImageFolder (the 'download' of a tutorial, not timed)."""
    import zipfile

    folder = dest / "cifar10"
    if not (folder / "train").is_dir():
        with zipfile.ZipFile(Path(data_root) / "cifar10_jpeg" / "cifar10_jpeg_train.zip") as z:
            z.extractall(folder)
    return folder / "train"


# the plain loops' own code for each loss family: (D's loss, G's loss) of the raw scores r (real), f (fake)
PLAIN_LOSSES = {
    "minimax": (lambda r, f: F.binary_cross_entropy_with_logits(r, torch.ones_like(r))
                + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)),
                lambda f: F.binary_cross_entropy_with_logits(f, torch.ones_like(f))),  # non-saturating G
    "lsgan-binary": (lambda r, f: 0.5 * ((r - 1) ** 2).mean() + 0.5 * (f**2).mean(), lambda f: 0.5 * ((f - 1) ** 2).mean()),
    "wasserstein": (lambda r, f: f.mean() - r.mean(), lambda f: -f.mean()),
    "hinge": (lambda r, f: F.relu(1 - r).mean() + F.relu(1 + f).mean(), lambda f: -f.mean()),
}
PLAIN_G = {"minimax": "non_saturating", "lsgan-binary": "least_squares", "wasserstein": "wasserstein", "hinge": "hinge"}


def plain_nets(cfg, ch: int) -> tuple[nn.Module, nn.Module]:
    """The config's DCGAN G and D (32×32) as two nn.Sequential, layer for layer as models/dcgan.py
    builds them: N(0, 0.02) weights, zero biases, BN gains N(1, 0.02); spectral norm (one power
    iteration per training-mode forward) on every conv and linear layer where the config asks."""
    from torch.nn.utils.parametrizations import spectral_norm

    g, d = {"ngf": 64, "kernel": 4, "batch_norm": True, **cfg.G.args}, {"ndf": 64, "kernel": 4, "norm": "batch",
                                                                         "head_bias": True, **cfg.D.args}
    assert (cfg.G.arch, cfg.D.arch) == ("dcgan_generator", "dcgan_discriminator") and d["norm"] in ("batch", "none")
    k, bn, w = g["kernel"], g["batch_norm"], g["ngf"] * 4
    pad = (k - 1) // 2
    out_pad = 2 + 2 * pad - k  # halve / double exactly at stride 2
    G = nn.Sequential(nn.Linear(cfg.z_dim, w * 16, bias=not bn), nn.Unflatten(1, (w, 4, 4)),
                      *([nn.BatchNorm2d(w)] if bn else []), nn.ReLU())
    for c_in, c_out in ((w, w // 2), (w // 2, w // 4)):
        G.extend([nn.ConvTranspose2d(c_in, c_out, k, 2, pad, output_padding=out_pad, bias=not bn),
                  *([nn.BatchNorm2d(c_out)] if bn else []), nn.ReLU()])
    G.extend([nn.ConvTranspose2d(w // 4, ch, k, 2, pad, output_padding=out_pad), nn.Tanh()])
    k, bn, w = d["kernel"], d["norm"] == "batch", d["ndf"]
    pad = (k - 1) // 2
    D = nn.Sequential(nn.Conv2d(ch, w, k, 2, pad), nn.LeakyReLU(0.2))
    for c_in, c_out in ((w, w * 2), (w * 2, w * 4)):
        D.extend([nn.Conv2d(c_in, c_out, k, 2, pad, bias=not bn), *([nn.BatchNorm2d(c_out)] if bn else []),
                  nn.LeakyReLU(0.2)])
    D.extend([nn.Flatten(), nn.Linear(w * 4 * 16, 1, bias=d["head_bias"])])

    def init(m):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)

    G.apply(init)
    D.apply(init)
    for net, spec in ((G, cfg.G), (D, cfg.D)):
        if spec.spectral_norm:
            for i, m in enumerate(net):
                if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                    net[i] = spectral_norm(m)
    return G, D


def _tutorial_dataset(data: str, root: Path):
    """torchvision's MNIST → Resize(32) → ToTensor → Normalize (CIFAR-10: ImageFolder over the
    training JPEGs → ToTensor → Normalize), images in [−1, 1]."""
    import torchvision
    from torchvision import transforms

    if data == "cifar10":
        return torchvision.datasets.ImageFolder(str(root), transform=transforms.Compose([
            transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)]))
    return torchvision.datasets.MNIST(str(root), train=True, download=False, transform=transforms.Compose([
        transforms.Resize(32), transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))]))


def run_plain(recipe: str, args, probe: FidProbe, z_seed: int, steps: int | None = None) -> dict:
    """A plain PyTorch loop of ``recipe``'s resolved config (the sets ``run_recipe`` uses), as
    tutorials write it: a DataLoader over torchvision's dataset (shuffle, drop_last, no workers:
    their CPU would escape process_time), ``plain_nets``, stock torch.optim optimisers, fp32, one
    ``.backward()`` per player. Each outer step: D's updates (d_steps, or the d_steps_boost count
    while G has made fewer than ``first`` updates and on every ``every``-th), each on a fresh real
    batch (dequantised where the recipe does) and fresh fakes made without autograd, one D pass over
    real + fake where D has no batch norm (two passes where it has), the gradient penalty on
    per-example interpolates in a pass of its own, then weight clipping; then one G update on fresh
    z of G's batch; then the lr schedule (LambdaLR, stepped once per outer step as ganforge
    computes it from the outer step: linear decay to lr_min at train.steps).
    ``pytorch-loop`` is this loop of the ``dcgan`` preset (BCE-with-logits, Adam, uniform z)."""
    from ganforge.recipes.base import resolve_config
    from ganforge.recipes.standard import d_steps_at
    from ganforge.recipes.steps import standard_d_step
    from ganforge.registry import RECIPES as RECIPE_REGISTRY
    from ganforge.training.build import build_models

    torch.set_num_threads(1)
    extra = CIFAR_SETS[recipe] if args.data == "cifar10" else []
    cfg = resolve_config(recipe, sets=[f"data.name={args.data}", f"data.root={args.data_root}", "train.threads=1",
                                       "train.device=cpu", *extra, *args.sets])  # --set train.seed=1: another seed
    assert cfg.train.precision in ("32", "32-true"), "the plain loops run in fp32"
    spec = RECIPE_REGISTRY.get(recipe)
    dequant = bool(cfg.recipe_args.get("dequantize"))
    # what this loop implements: anything else in the config would make it a different algorithm
    assert (cfg.g_steps, cfg.update_order, cfg.conditional, cfg.codes, cfg.g_penalties, cfg.train.ema_decay) == (
        1, "alternating", False, [], {}, None), cfg
    assert set(cfg.d_penalties) <= {"gp"} and PLAIN_G[cfg.loss] == cfg.g_objective, cfg
    assert spec.d_step is standard_d_step or spec.d_step.__name__ == "dequantized_d_step", recipe
    assert spec.g_step.__name__ == "standard_g_step" and spec.before_step is None, recipe
    for o in (cfg.opt["D"], cfg.opt["G"]):
        assert o.name in ("adam", "rmsprop") and o.schedule in ("constant", "linear") and o.momentum_final is None, o
    ch, cifar = (3, True) if args.data == "cifar10" else (1, False)
    root = (_cifar_jpeg_folder if cifar else _mnist_gz_to_raw)(args.data_root, Path(args.out) / "torchvision")
    ours = build_models(cfg, (ch, 32, 32))
    clock = CpuClock()
    clock.start()  # data loading and building count
    torch.manual_seed(cfg.train.seed)
    dataset = _tutorial_dataset(args.data, root)
    G, D = plain_nets(cfg, ch)
    for mine, theirs in zip((G, D), ours):
        shapes = [tuple(p.shape) for p in mine.parameters()]
        assert shapes == [tuple(p.shape) for p in theirs.parameters()], (recipe, shapes)
    b, gb = cfg.train.batch_size, cfg.train.g_batch_size or cfg.train.batch_size
    loader = torch.utils.data.DataLoader(dataset, batch_size=b, shuffle=True, drop_last=True, num_workers=0)

    def noise(n: int) -> torch.Tensor:
        return torch.randn(n, cfg.z_dim) if cfg.z_dist == "normal" else torch.rand(n, cfg.z_dim) * 2 - 1

    def optimizer(net: nn.Module, o):
        if o.name == "adam":
            opt = torch.optim.Adam(net.parameters(), lr=o.lr, betas=tuple(o.betas), eps=o.eps, weight_decay=o.weight_decay)
        else:
            opt = torch.optim.RMSprop(net.parameters(), lr=o.lr, eps=o.eps, momentum=o.momentum,
                                      weight_decay=o.weight_decay)
        end = o.decay_end if o.decay_end is not None else cfg.train.steps
        ramp = (lambda t: 1.0 if t < o.decay_start else 1 + (o.lr_min / o.lr - 1) * min(
            (t - o.decay_start) / (end - o.decay_start), 1.0)) if o.schedule == "linear" else (lambda t: 1.0)
        return opt, torch.optim.lr_scheduler.LambdaLR(opt, ramp)

    (opt_d, sched_d), (opt_g, sched_g) = optimizer(D, cfg.opt["D"]), optimizer(G, cfg.opt["G"])
    d_loss, g_loss = PLAIN_LOSSES[cfg.loss]
    gp = float(cfg.d_penalties.get("gp", 0.0))
    joint = not any(isinstance(m, nn.BatchNorm2d) for m in D.modules())
    total = steps or cfg.train.steps
    clock.stop()
    state = {"step": 0, "it": iter(loader)}

    def next_real() -> torch.Tensor:
        try:
            real, _ = next(state["it"])
        except StopIteration:
            state["it"] = iter(loader)
            real, _ = next(state["it"])
        if dequant:  # 8-bit levels → uniform bins (lo + (k + u)·2/256)
            real = -1 + (real + 1) * (255 / 256) + torch.rand_like(real) * (2 / 256)
        return real

    def chunk() -> bool:
        t = state["step"]
        for _ in range(d_steps_at(cfg, t)):
            real = next_real()
            with torch.no_grad():
                fake = G(noise(b))
            if joint:
                r, f = D(torch.cat([real, fake])).view(-1).split(b)
            else:
                r, f = D(real).view(-1), D(fake).view(-1)
            loss = d_loss(r, f)
            if gp:
                eps = torch.rand(b, 1, 1, 1)
                x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
                grad, = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
                loss = loss + gp * ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
            opt_d.zero_grad()
            loss.backward()
            opt_d.step()
            if cfg.d_clip is not None:
                with torch.no_grad():
                    for p in D.parameters():
                        p.clamp_(-cfg.d_clip, cfg.d_clip)
        loss = g_loss(D(G(noise(gb))).view(-1))
        opt_g.zero_grad()
        loss.backward()
        opt_g.step()
        sched_d.step()
        sched_g.step()
        state["step"] += 1
        return state["step"] < total

    gen = torch.Generator().manual_seed(z_seed)
    z = torch.randn(args.n, cfg.z_dim, generator=gen) if cfg.z_dist == "normal" else \
        torch.rand(args.n, cfg.z_dim, generator=gen) * 2 - 1
    name = BASELINE if recipe == "dcgan" else f"{BASELINE}-{recipe}"
    setup = clock.total
    out = fid_curve(chunk, lambda: G, z, probe, clock, args.every, args.cap, Path(args.out) / name / "grid.png")
    return {"name": name, "preset_steps": total, "batch": b, "d_steps": cfg.d_steps, "setup_s": round(setup, 1), **out}
