"""Quality against time (issue 15): FID of each convolutional recipe's CPU preset on MNIST against
the CPU seconds its training has used, beside a plain PyTorch DCGAN loop of the same
architecture (torchvision MNIST through a DataLoader with transforms, as tutorials write it)
run in the same session.

Time is the training process's CPU time (``time.process_time``, one thread), counted from
before the data are loaded: it moves far less than wall time on a shared machine. Evaluation
is not counted: every ``--every`` CPU seconds training pauses, the sampling network (eval mode)
draws ``--n`` images with a fixed seed, and their FID against the 10,000 MNIST test images is
taken with the shipped ``mnist-cnn`` features (``--data cifar10``: CIFAR-10 at a reduced width,
``cifar10-cnn`` features). Each run ends at its preset's steps or at ``--cap`` CPU seconds.

    OMP_NUM_THREADS=1 python benchmarks/bench_quality.py --data-root ../shared/data
    python benchmarks/bench_quality.py --draw runs/bench-quality/results.json   # plot and table again

``--recipes pytorch-loop-RECIPE`` (lsgan, wgan, wgan-gp, sngan; also dcgan, which is
``pytorch-loop``): the same kind of plain loop, of that recipe's own algorithm as ganforge resolves
it (loss, critic iterations and their warm-up, optimiser, lr schedule, clipping, gradient penalty,
spectral norm, batch sizes, z, dequantisation; ``run_plain``), so that each recipe can be measured
against its own algorithm written plainly rather than against the DCGAN loop:

    OMP_NUM_THREADS=1 python benchmarks/bench_quality.py --data-root DATA --data cifar10 \
        --every 15 --cap 150 --recipes pytorch-loop-sngan,sngan --out OUT
    OMP_NUM_THREADS=1 python benchmarks/bench_quality.py --data-root DATA --data cifar10 \
        --every 15 --cap 150 --recipes sngan --label sngan-bf16 --set train.precision=bf16-mixed --out OUT
    python benchmarks/bench_quality.py --data cifar10 --collect --images --out OUT

Writes OUT/results.json, OUT/<name>/grid.png, and with --images the plot
docs/images/quality-vs-time.png and the sample panel docs/images/quality-vs-time-samples.png
(with matched loops in OUT: docs/images/quality-vs-time[-cifar10]-matched[-samples].png, one panel
per recipe).
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import time
from pathlib import Path

import torch
import torch.nn.functional as F
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


def _sample(G: nn.Module, z: torch.Tensor) -> torch.Tensor:
    was = G.training
    G.eval()
    with torch.no_grad():
        x = torch.cat([G(zb) for zb in z.split(500)])
    G.train(was)
    return (x + 1) / 2  # tanh range → [0, 1]


def _curve(train_chunk, G_of, z, probe, clock: CpuClock, every: float, cap: float, grid_path: Path) -> dict:
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
        fid = probe(_sample(G_of(), z))
        points.append({"cpu_s": round(clock.total, 1), "step": steps, "fid": round(fid, 2)})
        print(f"    {clock.total:7.1f} CPU-s  step {steps:5d}  FID {fid:7.2f}", flush=True)
    from ganforge.viz.grid import save_grid

    grid_path.parent.mkdir(parents=True, exist_ok=True)
    save_grid(_sample(G_of(), z[:64]), grid_path, nrow=8)
    return {"points": points, "steps": steps}


def run_recipe(name: str, args, probe: FidProbe, z_seed: int) -> dict:
    from ganforge.recipes.base import resolve_config
    from ganforge.registry import RECIPES
    from ganforge.training.loop import make_fabric
    from ganforge.training.run import TrainingRun

    torch.set_num_threads(1)
    clock = CpuClock()
    clock.start()  # data loading and building count
    extra = CIFAR_SETS[name] if args.data == "cifar10" else []
    cfg = resolve_config(name, sets=[f"data.name={args.data}", f"data.root={args.data_root}", "train.threads=1",
                                     "train.device=cpu", *extra, *args.sets])
    fabric = make_fabric(cfg)
    fabric.launch()
    run = TrainingRun(cfg, RECIPES.get(name), fabric)
    clock.stop()
    total, setup = cfg.train.steps, clock.total
    state = {"step": 0}

    def chunk() -> bool:
        run.step(state["step"], False)
        state["step"] += 1
        return state["step"] < total

    gen = torch.Generator().manual_seed(z_seed)
    lat = run.latent.sample(args.n, generator=gen)
    z = run.latent.g_args(lat)[0]
    out = _curve(chunk, lambda: run.sampling_net, z, probe, clock, args.every, args.cap,
                 Path(args.out) / (args.label or name) / "grid.png")
    return {"name": name, "preset_steps": total, "batch": cfg.train.batch_size, "d_steps": cfg.d_steps,
            "setup_s": round(setup, 1), **out}


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
    from ganforge.registry import RECIPES as RECIPE_REGISTRY
    from ganforge.training.build import build_models
    from ganforge.training.steps import standard_d_step

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
    for o in (cfg.opt_D, cfg.opt_G):
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

    (opt_d, sched_d), (opt_g, sched_g) = optimizer(D, cfg.opt_D), optimizer(G, cfg.opt_G)
    d_loss, g_loss = PLAIN_LOSSES[cfg.loss]
    boost = cfg.d_steps_boost or {}
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
        boosted = boost and (t < boost.get("first", 0) or (boost.get("every") and t % boost["every"] == 0))
        for _ in range(boost["d_steps"] if boosted else cfg.d_steps):
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
    out = _curve(chunk, lambda: G, z, probe, clock, args.every, args.cap, Path(args.out) / name / "grid.png")
    return {"name": name, "preset_steps": total, "batch": b, "d_steps": cfg.d_steps, "setup_s": round(setup, 1), **out}


def seconds_to(points: list[dict], fid: float) -> float | None:
    """CPU seconds at the first evaluation with FID ≤ ``fid`` (None: never)."""
    return next((p["cpu_s"] for p in points if p["fid"] <= fid), None)


def draw(results: dict, images: bool) -> None:
    rows = results["runs"]
    base = next(r for r in rows if r["name"] == BASELINE)
    target = base["points"][-1]["fid"]
    t_base = base["points"][-1]["cpu_s"]
    levels = results.get("thresholds", THRESHOLDS.get(results["data"], THRESHOLDS["mnist"]))
    thresholds = [target] + [x for x in levels if x != target]
    print(f"\ndata: {results['data']}; FID with {results['features']} features, n = {results['n']} generated vs the test "
          f"split; time: process CPU seconds at 1 thread, evaluation excluded; measured under load: {results['load']}")
    head = " | ".join(f"s to FID ≤ {x:g}" for x in thresholds)
    print(f"| run | steps (preset) | final FID | CPU s | {head} | ≤ ½ baseline's time to its final FID? |")
    print("|---|---|---|---|" + "---|" * len(thresholds) + "---|")
    for r in rows:
        last = r["points"][-1]
        cells = []
        for x in thresholds:
            s = seconds_to(r["points"], x)
            cells.append("–" if s is None else f"{s:.0f}")
        s = seconds_to(r["points"], target)
        verdict = "(baseline)" if r["name"] == BASELINE else ("yes" if s is not None and s <= t_base / 2 else "no")
        print(f"| {r['name']} | {r['steps']} ({r['preset_steps']}) | {last['fid']:.2f} | {last['cpu_s']:.0f} | "
              f"{' | '.join(cells)} | {verdict} |")
    if not images:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.5), dpi=110)
    for r in rows:
        xs = [p["cpu_s"] for p in r["points"]]
        ys = [p["fid"] for p in r["points"]]
        style = {"color": "black", "linestyle": "--", "linewidth": 2} if r["name"] == BASELINE else {"linewidth": 1.6}
        ax.plot(xs, ys, marker="o", markersize=3, label=r["name"], **style)
    ax.axhline(target, color="gray", linewidth=0.8, linestyle=":")
    ax.axvline(t_base / 2, color="gray", linewidth=0.8, linestyle=":")
    ax.set_yscale("log")
    ax.set_xlabel("training CPU seconds (1 thread, process_time)")
    ax.set_ylabel(f"FID ({results['features']}, n = {results['n']})")
    ax.set_title(f"Quality against time on {results['data']}: ganforge recipes vs a plain PyTorch DCGAN loop", fontsize=9)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    suffix = "" if results["data"] == "mnist" else f"-{results['data']}"
    plot = Path(f"docs/images/quality-vs-time{suffix}.png")
    plot.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(plot)
    plt.close(fig)
    from PIL import Image, ImageDraw

    grids = [(r["name"], Path(results["out"]) / r["name"] / "grid.png") for r in rows]
    tiles = [(n, Image.open(p).convert("RGB")) for n, p in grids if p.is_file()]
    tiles = [(n, im.crop((0, 0, im.width, im.height // 2))) for n, im in tiles]  # the first 4 rows: < 400 kB
    if tiles:
        w, h = tiles[0][1].size
        panel = Image.new("RGB", (len(tiles) * (w + 6), h + 16), "white")
        pen = ImageDraw.Draw(panel)
        for i, (n, im) in enumerate(tiles):
            panel.paste(im, (i * (w + 6), 16))
            pen.text((i * (w + 6) + 2, 2), n, fill="black")
        if results["data"] == "mnist":
            panel = panel.convert("L")  # gray digits: a third of the bytes
        panel.save(Path(f"docs/images/quality-vs-time{suffix}-samples.png"), optimize=True)
    print(f"wrote {plot}")


def draw_matched(results: dict, images: bool) -> None:
    """Each recipe against the plain loop of its own algorithm (``pytorch-loop-<recipe>``): the
    table, and with ``images`` one panel per recipe (docs/images/quality-vs-time[-DATA]-matched.png)
    and the samples at the end (…-matched-samples.png)."""
    by = {r["name"]: r for r in results["runs"]}
    groups = [(n, [by[x] for x in (f"{BASELINE}-{n}", n, f"{n}-bf16") if x in by])
              for n in RECIPES if f"{BASELINE}-{n}" in by]
    print(f"\n{results['data']}: each recipe beside a plain PyTorch loop of its own algorithm; FID with "
          f"{results['features']} features, n = {results['n']}; time: process CPU seconds, 1 thread")
    from ganforge.recipes.base import resolve_config

    print("| recipe | run | G steps (D updates) in the budget | CPU-s per G step | speed per D update, × the loop's | "
          "final FID | mean of the last 3 | CPU-s to the loop's final FID | × the loop's time |")
    print("|---|---|---|---|---|---|---|---|---|")

    def cost(r: dict, name: str) -> tuple[int, float, float]:
        """(D updates, training CPU-s per G step, per D update): setup (data loading, building) excluded;
        D updates counted from the recipe's d_steps and d_steps_boost (WGAN's 100 for the first 25)."""
        cfg = resolve_config(name, sets=[f"data.name={results['data']}",
                                         *(CIFAR_SETS[name] if results["data"] == "cifar10" else [])])
        b, steps = cfg.d_steps_boost or {}, r["points"][-1]["step"]
        d = sum(b["d_steps"] if b and (g < b.get("first", 0) or (b.get("every") and g % b["every"] == 0))
                else cfg.d_steps for g in range(steps))
        t = r["points"][-1]["cpu_s"] - r.get("setup_s", 0.0)
        return d, t / max(steps, 1), t / max(d, 1)

    for name, rows in groups:
        loop, loop_cost = rows[0]["points"][-1], cost(rows[0], name)
        for r in rows:
            last, s = r["points"][-1], seconds_to(r["points"], loop["fid"])
            (d, per_g, per_d), tail = cost(r, name), sum(p["fid"] for p in r["points"][-3:]) / len(r["points"][-3:])
            reach = ("–", "–") if s is None else (f"{s:.0f}", f"{s / loop['cpu_s']:.2f}")
            print(f"| {name} | {r['name']} | {last['step']} ({d}) | {per_g:.3f} | {loop_cost[2] / per_d:.2f}× | "
                  f"{last['fid']:.1f} | {tail:.1f} | {reach[0]} | {reach[1]} |")
    if not images or not groups:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # top: FID against CPU seconds; bottom: against generator steps (the same algorithm should learn alike per step)
    fig, axes = plt.subplots(2, len(groups), figsize=(3.3 * len(groups), 6.4), dpi=110, squeeze=False)
    styles = ({"color": "black", "linestyle": "--", "linewidth": 2}, {"color": "tab:blue"}, {"color": "tab:orange"})
    for col, (name, rows) in enumerate(groups):
        for row, (key, xlabel) in enumerate((("cpu_s", "training CPU-s (1 thread)"), ("step", "generator steps"))):
            ax = axes[row][col]
            for r, style in zip(rows, styles):
                ax.plot([p[key] for p in r["points"]], [p["fid"] for p in r["points"]], marker="o", markersize=2.5,
                        label=r["name"], **{"linewidth": 1.5, **style})
            ax.axhline(rows[0]["points"][-1]["fid"], color="gray", linewidth=0.8, linestyle=":")
            ax.set_title(name, fontsize=9)
            ax.set_yscale("log")
            ax.set_xlabel(xlabel, fontsize=8)
            ax.grid(alpha=0.3, which="both")
            ax.legend(fontsize=7)
    for row in axes:
        row[0].set_ylabel(f"FID ({results['features']}, n = {results['n']})", fontsize=8)
    fig.suptitle(f"{results['data']}: ganforge (fp32, bf16-mixed) vs a plain PyTorch loop of the same algorithm",
                 fontsize=9)
    fig.tight_layout()
    stem = "quality-vs-time" + ("" if results["data"] == "mnist" else f"-{results['data']}") + "-matched"
    plot = Path(f"docs/images/{stem}.png")
    plot.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(plot)
    plt.close(fig)
    from PIL import Image, ImageDraw

    tiles = [(r["name"], Path(results["out"]) / r["name"] / "grid.png") for _, rows in groups for r in rows]
    tiles = [(n, Image.open(p).convert("RGB")) for n, p in tiles if p.is_file()]
    tiles = [(n, im.crop((0, 0, im.width, im.height // 4))) for n, im in tiles]  # the first 2 rows of 8
    if tiles:
        w, h = tiles[0][1].size
        cols = 3
        panel = Image.new("RGB", (cols * (w + 6), (len(tiles) + cols - 1) // cols * (h + 16)), "white")
        pen = ImageDraw.Draw(panel)
        for i, (n, im) in enumerate(tiles):
            x, y = i % cols * (w + 6), i // cols * (h + 16)
            panel.paste(im, (x, y + 14))
            pen.text((x + 2, y + 1), n, fill="black")
        panel = panel.quantize(256)  # noisy early samples: a palette keeps the file small
        panel.save(Path(f"docs/images/{stem}-samples.png"), optimize=True)
    print(f"wrote {plot}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--data", default="mnist", choices=["mnist", "cifar10"])
    ap.add_argument("--recipes", default=",".join((BASELINE, *RECIPES)))
    ap.add_argument("--every", type=float, default=20.0, help="CPU seconds between FID evaluations")
    ap.add_argument("--cap", type=float, default=360.0, help="CPU seconds at most per run")
    ap.add_argument("--baseline-steps", type=int, default=None, help="default: the dcgan preset's steps")
    ap.add_argument("--n", type=int, default=2000, help="generated images per FID")
    ap.add_argument("--out", default="runs/bench-quality")
    ap.add_argument("--set", dest="sets", action="append", default=[], help="extra config override for every recipe")
    ap.add_argument("--label", default=None, help="the run's name in the table and its folder (e.g. dcgan-bf16)")
    ap.add_argument("--collect", action="store_true", help="only gather OUT/*/result.json into the table and plots")
    ap.add_argument("--images", action="store_true", help="write docs/images/quality-vs-time*.png")
    ap.add_argument("--draw", default=None, help="only print the table (and --images) from a results.json")
    args = ap.parse_args()
    if args.draw:
        draw(json.loads(Path(args.draw).read_text()), args.images)
        return
    if args.collect:
        collect(args)
        return
    if args.data_root is None:
        ap.error("--data-root is required (the folder holding MNIST/raw, cifar10_jpeg/)")
    torch.set_num_threads(1)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    probe = FidProbe(args.data, args.data_root, args.n)
    for name in [n for n in args.recipes.split(",") if n]:
        print(f"== {name}", flush=True)
        if name == BASELINE:
            row = run_plain("dcgan", args, probe, 0, args.baseline_steps)
        elif name.startswith(BASELINE + "-"):  # pytorch-loop-<recipe>: a plain loop of that recipe's algorithm
            row = run_plain(name[len(BASELINE) + 1:], args, probe, 0)
        else:
            row = run_recipe(name, args, probe, 0)
        if args.label:
            row["name"] = args.label
        row.update(data=args.data, sets=args.sets, load=" ".join(_load()))
        (Path(args.out) / row["name"] / "result.json").write_text(json.dumps(row, indent=1))
    collect(args)


def _load() -> list[str]:
    return open("/proc/loadavg").read().split()[:3] if Path("/proc/loadavg").is_file() else ["?"]


def collect(args) -> None:
    """Every OUT/<run>/result.json of this dataset (runs may be made by separate processes, e.g. in
    parallel: their CPU times do not depend on it) → OUT/results.json, the table and the plots."""
    rows = [json.loads(p.read_text()) for p in sorted(Path(args.out).glob("*/result.json"))]
    rows = [r for r in rows if r.get("data") == args.data]
    rank = {n: i for i, n in enumerate((BASELINE, *RECIPES))}
    rows.sort(key=lambda r: (rank.get(r["name"], rank.get(r["name"].rsplit("-", 1)[0], 99)), r["name"]))
    results = {"data": args.data, "features": f"{args.data}-cnn", "n": args.n, "every": args.every, "cap": args.cap,
               "out": args.out, "load": "; ".join(f"{r['name']}: {r['load']}" for r in rows),
               "torch": torch.__version__, "runs": rows}
    (Path(args.out) / "results.json").write_text(json.dumps(results, indent=1))
    if any(r["name"].startswith(BASELINE + "-") for r in rows):
        draw_matched(results, args.images)
    if any(r["name"] == BASELINE for r in rows):
        draw(results, args.images)
    elif not any(r["name"].startswith(BASELINE + "-") for r in rows):
        print("(no baseline run yet: run --recipes pytorch-loop or pytorch-loop-RECIPE to draw the table)")


if __name__ == "__main__":
    main()
