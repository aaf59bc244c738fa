"""PGGAN: Karras, Aila, Laine & Lehtinen, "Progressive Growing of GANs for Improved Quality,
Stability, and Variation", ICLR 2018.

Training starts at 4×4; every level then fades in over ``fade_images`` real images (α from 0 to
1) and is trained alone for ``stabilise_images``. The clock counts images (``ctx.state["images"]``,
checkpointed with the phase, so a resume in the middle of a fade is exact); ``before_step`` turns
it into the networks' ``progress``, resets both Adam optimisers when a fade or a stabilising phase
begins (the authors' reset_opt_for_new_lod) and picks the minibatch for the resolution. D sees the
real images at the current resolution, blended across a fade as G's output is
(``models.progressive.fade_reals``). Loss: WGAN-GP (λ = 10) with the drift term ε = 0.001.

StyleGAN (``recipes/stylegan.py``) uses the same schedule: ``growth_at``, ``grow`` and the steps.
"""

from __future__ import annotations

import math

import torch

from ..config import deep_merge
from ..errors import GanforgeError
from ..models.progressive import fade_reals
from .base import LAZY_GP, Recipe, both_players, register_recipe
from .steps import d_terms, g_terms


def growth_at(images: int, *, levels: int, start_level: int, stabilise: int, fade: int) -> tuple[float, int]:
    """The schedule: images shown so far → (progress p, phase). Level ``start_level`` trains for
    ``stabilise`` images, level + 1 fades in over ``fade`` images, is stabilised, and so on up to
    level K = levels − 1 (the authors' TrainingSchedule). The phase counts stabilising and fading
    periods (0, 1, 2, …) and stays at its last value once p = K; a new phase resets the optimisers."""
    top = levels - 1
    period = stabilise + fade
    if period == 0:
        return float(top), 0
    idx, rest = divmod(images, period)
    frac = 0.0 if fade == 0 else min(max(rest - stabilise, 0) / fade, 1.0)
    p = min(start_level + idx + frac, float(top))
    if p >= top:
        return float(top), 2 * (top - start_level)
    return float(p), 2 * idx + (1 if rest > stabilise else 0)


def _per_resolution(table: dict, resolution: int, default):
    for key, value in (table or {}).items():
        if int(key) == resolution:
            return value
    return default


def resolution_of(progress: float) -> int:
    """The resolution being trained (the higher one during a fade)."""
    return 4 * 2 ** math.ceil(progress)


def minibatch(ctx, progress: float | None = None) -> int:
    """This rank's minibatch at the current resolution (recipe_args.minibatch overrides
    train.batch_size per resolution, capped at it; the paper's 14, 6 and 3 at 256², 512², 1024²)."""
    if progress is None:
        progress = ctx.raw["G"].progress_value()
    n = _per_resolution(ctx.cfg.recipe_args["minibatch"], resolution_of(progress), ctx.cfg.train.batch_size)
    return min(int(n), ctx.cfg.train.batch_size) // ctx.world


def grow(ctx, nets: tuple[str, ...] = ("G", "D")) -> None:
    """before_step: the networks' progress from the image clock; optimisers reset when a phase
    begins; per-resolution learning rates; the clock advances by this step's global minibatch."""
    a = ctx.cfg.recipe_args
    levels = ctx.raw[nets[0]].levels
    start_level = int(math.log2(a["start_resolution"])) - 2
    images = int(ctx.state_value("images"))  # the clock is kept on the host too: no sync per step
    p, phase = growth_at(images, levels=levels, start_level=start_level, stabilise=int(a["stabilise_images"]),
                         fade=int(a["fade_images"]))
    if phase != ctx.state_value("phase"):
        if a["reset_optimizers"]:
            ctx.reset_optimizers()
        ctx.set_state("phase", phase)
    for name in nets:
        ctx.raw[name].set_progress(p)
    res = resolution_of(p)
    if a["lr"]:
        for player, opt in ctx.optimizers.items():
            base = ctx.cfg.optimizer(player).lr
            lr = float(_per_resolution(a["lr"], res, base))
            for group in opt.param_groups:
                group["lr"] = lr * group.get("lr_mult", 1.0)
    ctx.set_state("images", images + minibatch(ctx, p) * ctx.world)
    ctx.report("progress", p)
    ctx.report("resolution", float(res))
    ctx.report("kimg", images / 1000.0)


def initial_state(cfg) -> dict:
    return {"images": torch.tensor(0, dtype=torch.int64), "phase": torch.tensor(0, dtype=torch.int64)}


def d_step(ctx):
    """D's terms on the real batch served at the current resolution and fakes of the same size."""
    D = ctx.raw["D"]
    return d_terms(ctx, n=minibatch(ctx), real_transform=lambda real: fade_reals(real, D.progress_value(), D.levels))[0]


def g_step(ctx):
    return g_terms(ctx, n=minibatch(ctx))[0]


def validate_growing(cfg) -> None:
    a = cfg.recipe_args
    r0 = a["start_resolution"]
    if not (isinstance(r0, int) and r0 >= 4 and r0 & (r0 - 1) == 0):
        raise GanforgeError(f"recipe_args.start_resolution must be a power of two ≥ 4, got {r0!r}")
    for key in ("stabilise_images", "fade_images"):
        if a[key] < 0:
            raise GanforgeError(f"recipe_args.{key} must be ≥ 0 (images), got {a[key]}")
    for key in ("minibatch", "lr"):
        table = a[key]
        if not isinstance(table, dict) or not all(str(k).isdigit() and isinstance(v, (int, float)) and v > 0
                                                  for k, v in table.items()):
            raise GanforgeError(f"recipe_args.{key} must map resolutions to positive numbers, e.g. {{256: 14}}; "
                                f"got {table!r}")
    for res, n in a["minibatch"].items():
        if min(n, cfg.train.batch_size) % cfg.train.world_size:
            raise GanforgeError(f"recipe_args.minibatch at {res}: {n} must be divisible by the process count "
                                f"(--devices × --num-nodes = {cfg.train.world_size})")
    if cfg.conditional:
        raise GanforgeError(f"{cfg.recipe} is unconditional here (the paper's class-conditional runs are not offered)")
    if cfg.update_order != "alternating":
        raise GanforgeError(f"{cfg.recipe} has its own steps; update_order=simultaneous is not offered")
    size = cfg.data.image_size
    if size is not None and (size[0] != size[1] or size[0] < r0):
        raise GanforgeError(f"{cfg.recipe} grows square images from {r0}×{r0}: data.image_size must be [R, R] with "
                            f"R ≥ {r0}, got {size}")


# the recipe hooks every growing recipe uses (pggan, stylegan)
GROWING_HOOKS = dict(d_step=d_step, g_step=g_step, after_d_update=None, initial_state=initial_state,
                     before_step=grow, validate=validate_growing,
                     step_images=lambda ctx: minibatch(ctx) * ctx.world)  # the resolution's minibatch
ADAM = {"name": "adam", "lr": 0.001, "betas": [0.0, 0.99], "eps": 1e-8}  # both papers, both players

GROWTH_ARGS = {"start_resolution": 4, "stabilise_images": 800_000, "fade_images": 800_000,
               "reset_optimizers": True, "minibatch": {}, "lr": {}}

_NET = {"fmap_base": 512, "fmap_max": 64}
# CPU presets: 32×32 (MNIST zero-padded from 28 as the authors' dataset_tool.py does, CIFAR-10 as is),
# 32-64 channels instead of 512, z of 128, and
# 4,800 images per phase instead of 800,000 (see docs/paper-settings-growing.md for the measured budget); 32² is fully
# in at step 1,800 and, as in the authors' loop, the top level trains on to the end (4,000 steps, 17.2 minutes alone on
# 2 cores; 4,500 took 20.2: 2,100 drew malformed strokes; FID in training 112 / 59 at 2,500 / 4,000)
# and an EMA of 0.995 that starts (copying G until then) when 32² is fully in: kept at the paper's 0.999 from the start
# with 400-step phases, the EMA generator mixed weights from earlier resolutions and drew noise; started at 32² it
# averages one resolution's weights only (MNIST: FID 63.4 against the same run's raw G's 75.1; Fashion-MNIST 55.5 / 52.1)
_CPU_PHASE, _CPU_BATCH = 4800, 16  # images per fade and per stabilisation; the minibatch up to 128²
_CPU_TOP_IN = 6 * _CPU_PHASE // _CPU_BATCH  # 4² stabilised, 8² and 16² faded in and stabilised, 32² faded in: step 1,800
_CPU = {"data": {"image_size": [32, 32], "fit": "centre"}, "G": {"args": _NET}, "D": {"args": _NET}, "z_dim": 128,
        "recipe_args": {"stabilise_images": _CPU_PHASE, "fade_images": _CPU_PHASE},
        "train": {"batch_size": _CPU_BATCH, "steps": 4000, "ema_decay": 0.995, "ema_start": _CPU_TOP_IN}}
# MNIST, Fashion-MNIST and Stacked MNIST: half the widths (fmap_base 256: 64, 64, 32, 16 channels at 4² … 32²), a 32²
# step 121 ms alone instead of about 300, so the same 20 minutes (18.2 alone on a 2-core AMD EPYC) train 10,000 steps
# (8,200 of them at 32²) instead of 4,000: MNIST FID 45.8, 69% read confidently, where the wider nets' 4,000 steps
# scored 108.7 and 56%; Fashion-MNIST 73.7 against 123.6; Stacked MNIST 911 modes in its 10-minute budget against 540
# (docs/results/)
HALF_WIDTHS = {"G": {"args": {"fmap_base": 256}}, "D": {"args": {"fmap_base": 256}}}  # stylegan's MNIST preset too
_NARROW = deep_merge(_CPU, {**HALF_WIDTHS, "train": {"steps": 10000}})
# MNIST and Fashion-MNIST: the gradient penalty taken lazily, as StyleGAN2 takes R1 (every 4th D step at 4× the weight,
# λ = 10 on average): a 32² step 57 ms alone on a 2-core Intel Xeon with AMX instead of 79, so 14,000 steps cost about
# what 10,000 did (12.4 minutes there against 12.0; about 18.8 on the AMD EPYC): MNIST FID 36.3 against 45.8,
# Fashion-MNIST 66.6 against 73.7 (one run each; docs/results/). Stacked MNIST keeps the penalty on every step, as
# its row was measured. And Adam's lr at 0.003 for both players (the paper's is 0.001; 0.003 is the rate the same
# authors' StyleGAN loop reaches at 512² and above): MNIST FID 9.3, 85% read confidently, where 0.001 scored 36.3, 73% and
# 0.002 15.3, 81% (one run each; the EMA's share of the gain is large: the 0.002 run's raw G scored 32.6)
_DIGITS = deep_merge(_NARROW, {"d_penalties": LAZY_GP, "opt": both_players(lr=0.003), "train": {"steps": 14000}})

register_recipe(Recipe(
    name="pggan",
    title="Progressive GAN",
    paper="Karras, Aila, Laine & Lehtinen, 2018, Progressive Growing of GANs for Improved Quality, Stability, "
          "and Variation",
    year=2018,
    url="https://arxiv.org/abs/1710.10196",
    defaults={
        "data": {"name": "cifar10", "image_size": [32, 32]},
        "G": {"arch": "pggan_generator", "args": {"fmap_base": 8192, "fmap_max": 512}},
        "D": {"arch": "pggan_discriminator", "args": {"fmap_base": 8192, "fmap_max": 512, "mbstd_group_size": 16}},
        "z_dim": 512, "z_dist": "normal",
        "loss": "wasserstein", "g_objective": "wasserstein",
        "d_penalties": {"gp": 10.0, "drift": 0.001},
        "opt": {"D": ADAM, "G": ADAM}, "train": {"batch_size": 16, "steps": 1_187_500, "ema_decay": 0.999},
    },
    args={**GROWTH_ARGS, "minibatch": {256: 14, 512: 6, 1024: 3}},
    dataset_defaults={"mnist": _DIGITS, "fashion-mnist": _DIGITS, "stacked-mnist": _NARROW, "cifar10": _CPU},
    **GROWING_HOOKS,
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]}, "z_dim": 8,
                    "G": {"args": {"fmap_base": 32, "fmap_max": 8}}, "D": {"args": {"fmap_base": 32, "fmap_max": 8}},
                    "train": {"batch_size": 4},
                    "recipe_args": {"stabilise_images": 2, "fade_images": 4}},
    sources={
        "start at 4×4; each level fades in over 800k images, then 800k images of stabilisation; α linear":
            "paper, Sec. 3 and App. A.1; tkarras/progressive_growing_of_gans config.py (preset-v1-1gpu: "
            "lod_training_kimg = lod_transition_kimg = 800) and train.py (TrainingSchedule)",
        "real images box-filtered to the current resolution and blended across the fade": "paper, Sec. 3 (Fig. 2 "
            "caption); train.py process_reals",
        "Adam state reset when new layers enter": "train.py, reset_opt_for_new_lod = True",
        "equalised learning rate, He's constant at run time, weights N(0, 1)": "paper, Sec. 4.1; networks.py get_weight",
        "pixel norm (ε = 1e-8) after every conv of G and on z": "paper, Sec. 4.2, Eq. 2; networks.py G_paper",
        "minibatch stddev before D's last block, over the whole minibatch (group 16)": "paper, Sec. 3; config.py "
            "preset-v1-1gpu (mbstd_group_size = 16)",
        "LeakyReLU 0.2, 3×3 convs, 1×1 toRGB / fromRGB, nearest up, average-pool down, linear output":
            "paper, App. A.1 and Table 2",
        "widths min(8192 / 2^stage, 512); G's first layer a dense 4×4 layer with gain √2/4; D ends with "
            "conv 3×3, dense nf(0), dense 1": "networks.py G_paper / D_paper",
        "z: 512 normal": "paper, App. A.1 (latent vectors of 512 on a hypersphere: the pixel norm of z)",
        "WGAN-GP λ = 10, ε_drift = 0.001, n_critic = 1": "paper, App. A.1; loss.py D_wgangp_acgan; train.py D_repeats",
        "Adam lr 0.001, β = (0, 0.99), ε = 1e-8": "paper, App. A.1; config.py G_opt / D_opt",
        "minibatch 16 up to 128², then 14, 6, 3 at 256², 512², 1024²": "paper, App. A.1; config.py preset-v1-1gpu",
        "EMA of G with β = 0.999": "paper, App. A.1 (Yazıcı et al.); train.py G_smoothing",
        "1,187,500 steps = 19,000k images at 16 per step": "config.py preset-v1-1gpu, total_kimg = 19000",
    },
    deviations=(
        "Named datasets (mnist, fashion-mnist, cifar10) get a CPU preset: 32×32 (MNIST's 28×28 zero-padded by 2 "
        "pixels a side, data.fit=centre, as the authors' dataset_tool.py create_mnist does), widths min(512 / 2^stage, 64) "
        "(64, 64, 64, 32 channels at 4² … 32²), z of 128, 4,800 images per fade and per stabilising phase "
        "instead of 800,000, and 4,000 steps (64k images) instead of 19M images (see docs/paper-settings-growing.md). "
        "The MNIST, Fashion-MNIST and Stacked MNIST presets halve the widths (fmap_base 256: 64, 64, 32, 16 "
        "channels) and train 10,000 steps in the same 20 minutes: FID 45.8 against the wider nets' 108.7 after 4,000 "
        "on MNIST, 73.7 against 123.6 on Fashion-MNIST, 911 Stacked MNIST modes against 540 (docs/results/). "
        "The paper's widths and schedule are the recipe defaults (image folders, or --set).",
        "MNIST's and Fashion-MNIST's presets take the gradient penalty lazily (d_penalties.gp={weight: 10, every: 4}: "
        "on every 4th D step at 4× the weight, StyleGAN2's lazy regularisation, which the paper does not have) and "
        "train 14,000 steps in about the time of 10,000: FID 36.3 against 45.8 on MNIST, 66.6 against 73.7 on "
        "Fashion-MNIST (docs/results/); both players at Adam's lr 0.003 instead of the paper's 0.001 (the rate the "
        "authors' StyleGAN schedule reaches at 512²): on MNIST FID 9.3 against 36.3 at 0.001 and 15.3 at 0.002 "
        "(docs/paper-settings-growing.md).",
        "The CPU presets' EMA is 0.995 per step instead of 0.999 and starts at step 1,800, when 32² is fully in "
        "(train.ema_start: the EMA copies G until then): with 0.999 from the start over 300-step phases the EMA "
        "generator averaged in the weights of earlier resolutions and drew noise at 8² and 16² while the raw G drew "
        "digits; started at 32², 0.995 scored FID 63.4 against the same MNIST run's raw G's 75.1 (Fashion-MNIST: 55.5 "
        "against 52.1).",
        "The schedule (progress, minibatch, optimiser reset) is updated every step; the authors' code updates it "
        "every 4 minibatches (minibatch_repeats).",
        "The fused up-sampling / down-sampling convolutions of the authors' code (fused_scale = True in G_paper and "
        "D_paper: every block above 4²) are not used; nearest up-sampling then a 3×3 convolution (and convolution "
        "then average pooling) are the same maps with different weight sharing.",
        "The paper's class-conditional and CelebA-HQ 1024² setups are reachable only by config (no CelebA-HQ here); "
        "mirror augmentation is not offered.",
    ),
))
