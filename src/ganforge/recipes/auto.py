"""Settings chosen from the data: the image size an architecture takes (for any recipe on a
folder), and, for ``ganforge train --data DIR`` with no recipe, the recipe and what the data
decides (resolution, batch, augmentation, R1 weight, mirroring).

Every choice is a line saying what and why (``--dry-run`` prints them and stops); the choices are
a config layer under the user's own (``--config``, ``--set`` and flags win, and the line says so),
so the resolved config.yaml holds them all and reloads as it is.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..data.fit import check_fit, describe_fit
from ..data.survey import Survey, survey
from ..errors import GanforgeError

RECIPE = "dcgan"
RECIPE_WHY = ("the recipe measured best per CPU-second here (docs/paper-settings-conv.md: it reaches the baseline's "
              "FID in 0.6× its time)")
MAX_SIDE = 256  # larger images are scaled down: DCGAN's backbone was made for 64×64
SMALL_SET = 30_000  # below this many images D overfits without augmentation (Karras et al. 2020, Fig. 1)
MEMORY_SHARE = 0.5  # the share of the device's free memory a batch may plan to fill
ACTIVATION_FACTOR = 3  # bytes kept per activation byte: the activation, its gradient, a workspace (an estimate)


def is_image_folder(name: str) -> bool:
    """Whether ``data.name`` is a folder or .zip of images (not a registered dataset or a .csv)."""
    from ..registry import DATASETS

    path = Path(name).expanduser()
    return (name not in DATASETS and not name.lower().endswith(".csv")
            and (path.is_dir() or (path.is_file() and name.lower().endswith(".zip"))))


def fit_to_data(cfg: Config, domains: bool = False) -> tuple[Config, list[str]]:
    """A folder's images brought to a size G's architecture takes: with no ``data.image_size`` the
    nearest such size to the images' own (``models.sizes``; to the most common size when they
    differ), set in the config, for an architecture with a size rule; returned with the line that says what ``data.fit`` does to them."""
    from ..models.sizes import nearest_size, sizes_text

    if domains or not is_image_folder(cfg.data.name):
        return cfg, []
    fit = check_fit(cfg.data.fit)
    found = survey(Path(cfg.data.name).expanduser())
    native = found.size
    mixed = f" (the most common of their sizes in {found.read} headers)" if found.mixed else ""
    if cfg.data.image_size:
        target, why = tuple(cfg.data.image_size), f"data.image_size={list(cfg.data.image_size)}"
    else:
        near = nearest_size(cfg.G.arch, cfg.G.args, native, fit)
        if near is None:
            return cfg, []  # an architecture without a size rule: the images' own size (mixed sizes are refused)
        target = near
        why = f"the nearest size {cfg.G.arch} takes: {sizes_text(cfg.G.arch)}"
        if target != native or found.mixed:
            cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, image_size=list(target)))
    if target == native and not found.mixed:
        return cfg, []
    return cfg, [f"image size: {found.n:,} images of {describe_fit(native, target, fit)}{mixed} — {why}"]


@dataclass
class Choice:
    key: str  # the config key, dotted
    value: object
    why: str


@dataclass
class Choices:
    """The recipe and settings chosen for a folder, as a config diff with a reason per key."""

    recipe: str
    found: Survey
    items: list[Choice] = field(default_factory=list)

    def diff(self, cfg_fields: set[str]) -> dict:
        out: dict = {}
        for c in self.items:
            if c.value is None or c.key.split(".")[0] not in cfg_fields:
                continue  # None: left at the default
            node = out
            *path, last = c.key.split(".")
            for part in path:
                node = node.setdefault(part, {})
            node[last] = c.value
        return out

    def explain(self, cfg: Config) -> list[str]:
        """One line per choice; a value the user's own settings replaced says so."""
        lines = [f"recipe: {self.recipe} — {RECIPE_WHY}"]
        for c in self.items:
            final = _get(cfg, c.key)
            shown = _show(c.value)
            if final is _MISSING or c.value is None:
                lines.append(f"{c.key}: {'(no such key)' if final is _MISSING else _show(final)} — {c.why}")
            elif final != c.value:
                lines.append(f"{c.key}: {_show(final)} (your setting; chosen: {shown} — {c.why})")
            else:
                lines.append(f"{c.key}: {shown} — {c.why}")
        return lines


_MISSING = object()


def _get(cfg: Config, key: str):
    node = cfg
    for part in key.split("."):
        if isinstance(node, dict):
            node = node.get(part, _MISSING)
        else:
            node = getattr(node, part, _MISSING)
        if node is _MISSING:
            return _MISSING
    return node


def _show(value) -> str:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f"[{value[0]}, {value[1]}] (H×W)"
    return str(value).lower() if isinstance(value, bool) else str(value)


def choose(base: Config) -> Choices:
    """The settings for training on the folder ``base.data.name`` with no recipe named. ``base``:
    the config resolved for ``RECIPE`` with the user's own layers (their data.fit, device, …)."""
    from ..models.sizes import nearest_size, sizes_text

    if not is_image_folder(base.data.name):
        raise GanforgeError(f"with no recipe, --data must be a folder or .zip of images (settings are then chosen "
                            f"from it), got {base.data.name!r}; or name a recipe (see `ganforge list`)")
    path = Path(base.data.name).expanduser()
    found = survey(path)
    out = Choices(RECIPE, found)
    fit = check_fit(base.data.fit)
    h, w = found.size
    scale = min(1.0, MAX_SIDE / max(h, w))
    wanted = (max(1, round(h * scale)), max(1, round(w * scale)))
    size = list(nearest_size(base.G.arch, base.G.args, wanted, fit))
    shrunk = f", scaled to ≤ {MAX_SIDE} a side first" if scale < 1 else ""
    out.items.append(Choice("data.image_size", size, f"the images are {h}×{w}{' (most common size)' if found.mixed else ''}"
                                                     f"{shrunk}; the nearest size {base.G.arch} takes "
                                                     f"({sizes_text(base.G.arch)}), rounded as data.fit={fit} does"))
    out.items.append(Choice("data.channels", found.channels,
                            f"{'every' if found.gray else 'not every'} image read ({found.read}) is gray"))
    with_size = dataclasses.replace(base, data=dataclasses.replace(base.data, image_size=size,
                                                                   channels=found.channels))
    batch, why = fit_batch(with_size, found.n)
    out.items.append(Choice("train.batch_size", batch, why))
    small = found.n < SMALL_SET
    aug = "ada" if small else None
    out.items.append(Choice("augment", aug, (f"{found.n:,} images, below {SMALL_SET:,}: adaptive augmentation keeps "
                                              f"D from memorising them (Karras et al. 2020)" if small else
                                              f"{found.n:,} images: enough not to need augmentation")))
    r1 = r1_weight(base.d_penalties.get("r1"), size, batch)
    if r1 is not None:
        out.items.append(Choice("d_penalties.r1", r1, f"StyleGAN2-ADA's heuristic γ = 0.0002·H·W/batch = "
                                                      f"{0.0002 * size[0] * size[1] / batch:.4g}, weight γ/2"))
    out.items.append(Choice("data.mirror", not found.gray,
                            "colour images taken as natural: left-right flips double the data (StyleGAN2-ADA's "
                            "--mirror)" if not found.gray else
                            "gray images may be digits or text, which a flip changes; --set data.mirror=true flips"))
    return out


def r1_weight(spec, size: list[int], batch: int):
    """The R1 weight (γ/2, ``penalties/r1.py``) for γ = 0.0002·H·W/batch (StyleGAN2-ADA's ``--gamma``
    heuristic, res² for square images), keeping a lazy ``every``; None when the recipe has no R1."""
    if spec is None:
        return None
    weight = round(0.0002 * size[0] * size[1] / batch / 2, 6)
    return {**spec, "weight": weight} if isinstance(spec, dict) else weight


def fit_batch(cfg: Config, n_images: int) -> tuple[int, str]:
    """The recipe's own batch, halved until it fits ``MEMORY_SHARE`` of the device's free memory (an
    estimate from G's and D's activations at one image) and leaves at least 4 batches an epoch."""
    import torch

    from ..config import TrainConfig
    from ..data.stream import available_memory
    from ..registry import RECIPES

    start = batch = RECIPES.get(cfg.recipe).defaults.get("train", {}).get("batch_size", TrainConfig().batch_size)
    device = cfg.train.device
    cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    free = torch.cuda.mem_get_info()[0] if cuda else available_memory()
    fixed, per_image = memory_estimate(cfg)
    budget = MEMORY_SHARE * free
    while batch > 1 and batch * 4 > n_images:
        batch //= 2
    by_data = batch
    while batch > 1 and fixed + batch * per_image > budget:
        batch //= 2
    where = "GPU" if cuda else "CPU memory"
    halved = (f", halved to {by_data} for ≥ 4 batches in {n_images:,} images" if by_data != start else "")
    halved += f", to {batch} to fit memory" if batch != by_data else ""
    return batch, (f"{cfg.recipe}'s batch {start}{halved}; ≈ {per_image / 2**20:.1f} MiB an image "
                   f"(G's and D's activations ×{ACTIVATION_FACTOR}) + {fixed / 2**20:.0f} MiB of weights and Adam state "
                   f"fit {MEMORY_SHARE:.0%} of the {free / 2**30:.1f} GiB free {where}")


def memory_estimate(cfg: Config) -> tuple[int, int]:
    """(bytes fixed: weights, gradients and two Adam moments of G and D; bytes per image: every
    layer output of G and of D for one image, × ``ACTIVATION_FACTOR``), from a CPU forward pass."""
    import torch

    from ..training.build import build_models

    h, w = cfg.data.image_size
    G, D = build_models(cfg, (cfg.data.channels or 3, h, w))
    counted = [0]

    def hook(_m, _i, out):
        counted[0] += out.numel() if torch.is_tensor(out) else 0

    handles = [m.register_forward_hook(hook) for net in (G, D) for m in net.modules() if not list(m.children())]
    try:
        with torch.no_grad():
            D(G(torch.zeros(2, G.z_dim)))
    finally:
        for handle in handles:
            handle.remove()
    params = sum(p.numel() for net in (G, D) for p in net.parameters())
    return 4 * 4 * params, 4 * ACTIVATION_FACTOR * counted[0] // 2
