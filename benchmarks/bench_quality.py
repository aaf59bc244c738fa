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

Writes OUT/results.json, OUT/<name>/grid.png, and with --images the plot
docs/images/quality-vs-time.png and the sample panel docs/images/quality-vs-time-samples.png.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
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
              "wgan-gp": ["G.arch=dcgan_generator", "D.arch=dcgan_discriminator", "G.args.ngf=32", "D.args.ndf=32",
                          "G.args.kernel=5", "D.args.kernel=5", "G.args.batch_norm=false", "D.args.norm=none",
                          "train.g_batch_size=null", "train.steps=1000"],
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
    total = cfg.train.steps
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
    return {"name": name, "preset_steps": total, "batch": cfg.train.batch_size, "d_steps": cfg.d_steps, **out}


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


def run_baseline(args, probe: FidProbe, z_seed: int, steps: int, ngf: int = 32) -> dict:
    """The conventional loop: torchvision MNIST → Resize(32) → ToTensor → Normalize (CIFAR-10:
    ImageFolder over the training JPEGs → ToTensor → Normalize), DataLoader (batch 128, shuffle,
    no workers: their CPU would escape process_time), nn.Sequential nets with the dcgan recipe's
    preset layers (32 filters, 5×5, BN, head without bias, N(0, 0.02)), BCE-with-logits, Adam 2e-4
    β = (0.5, 0.999), weight decay 1e-5, uniform z of 100 dims."""
    import torchvision
    from torchvision import transforms

    torch.set_num_threads(1)
    cifar = args.data == "cifar10"
    root = (_cifar_jpeg_folder if cifar else _mnist_gz_to_raw)(args.data_root, Path(args.out) / "torchvision")
    clock = CpuClock()
    clock.start()
    torch.manual_seed(0)
    if cifar:
        ds = torchvision.datasets.ImageFolder(str(root), transform=transforms.Compose([
            transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)]))
    else:
        ds = torchvision.datasets.MNIST(str(root), train=True, download=False, transform=transforms.Compose([
            transforms.Resize(32), transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))]))
    ch = 3 if cifar else 1
    loader = torch.utils.data.DataLoader(ds, batch_size=128, shuffle=True, drop_last=True, num_workers=0)
    nz = 100
    G = nn.Sequential(
        nn.Linear(nz, ngf * 4 * 4 * 4, bias=False), nn.Unflatten(1, (ngf * 4, 4, 4)), nn.BatchNorm2d(ngf * 4), nn.ReLU(),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 5, 2, 2, output_padding=1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(),
        nn.ConvTranspose2d(ngf * 2, ngf, 5, 2, 2, output_padding=1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(),
        nn.ConvTranspose2d(ngf, ch, 5, 2, 2, output_padding=1), nn.Tanh())
    D = nn.Sequential(
        nn.Conv2d(ch, ngf, 5, 2, 2), nn.LeakyReLU(0.2),
        nn.Conv2d(ngf, ngf * 2, 5, 2, 2, bias=False), nn.BatchNorm2d(ngf * 2), nn.LeakyReLU(0.2),
        nn.Conv2d(ngf * 2, ngf * 4, 5, 2, 2, bias=False), nn.BatchNorm2d(ngf * 4), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(ngf * 4 * 4 * 4, 1, bias=False))

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
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999), weight_decay=1e-5)
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999), weight_decay=1e-5)
    bce = nn.BCEWithLogitsLoss()
    clock.stop()
    state = {"step": 0, "it": iter(loader)}

    def chunk() -> bool:
        try:
            real, _ = next(state["it"])
        except StopIteration:
            state["it"] = iter(loader)
            real, _ = next(state["it"])
        b = real.size(0)
        ones, zeros = torch.ones(b), torch.zeros(b)
        fake = G(torch.rand(b, nz) * 2 - 1)
        loss_d = bce(D(real).view(-1), ones) + bce(D(fake.detach()).view(-1), zeros)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = bce(D(G(torch.rand(b, nz) * 2 - 1)).view(-1), ones)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        state["step"] += 1
        return state["step"] < steps

    gen = torch.Generator().manual_seed(z_seed)
    z = torch.rand(args.n, nz, generator=gen) * 2 - 1
    out = _curve(chunk, lambda: G, z, probe, clock, args.every, args.cap, Path(args.out) / BASELINE / "grid.png")
    return {"name": BASELINE, "preset_steps": steps, "batch": 128, "d_steps": 1, **out}


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
    from ganforge.recipes.base import resolve_config

    Path(args.out).mkdir(parents=True, exist_ok=True)
    probe = FidProbe(args.data, args.data_root, args.n)
    for name in [n for n in args.recipes.split(",") if n]:
        print(f"== {name}", flush=True)
        if name == BASELINE:
            steps = args.baseline_steps or resolve_config(
                "dcgan", sets=[f"data.name={args.data}", *(CIFAR_SETS["dcgan"] if args.data == "cifar10" else [])]).train.steps
            row = run_baseline(args, probe, 0, steps)
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
    if not any(r["name"] == BASELINE for r in rows):
        print("(no baseline run yet: run --recipes pytorch-loop to draw the table)")
        return
    results = {"data": args.data, "features": f"{args.data}-cnn", "n": args.n, "every": args.every, "cap": args.cap,
               "out": args.out, "load": "; ".join(f"{r['name']}: {r['load']}" for r in rows),
               "torch": torch.__version__, "runs": rows}
    (Path(args.out) / "results.json").write_text(json.dumps(results, indent=1))
    draw(results, args.images)


if __name__ == "__main__":
    main()
