"""WGAN-GP: Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017 (Algorithm 1),
with the CIFAR-10 ResNet as the authors released it (igul222/improved_wgan_training,
gan_cifar_resnet.py) and their MNIST network (gan_mnist.py) as the MNIST preset."""

import torch
from torch import Tensor

from ..config import deep_merge
from ..training.context import StepContext
from .base import LAZY_GP, MNIST_IN_32, Recipe, both_players, point_data_defaults, register_recipe
from .steps import d_terms_on


def dequantize(x: Tensor, out_range: tuple[float, float]) -> Tensor:
    """Images in ``out_range`` made from 8-bit pixels k (x = lo + k·(hi − lo)/255) → the released
    codes' dequantised values lo + (k + u)·(hi − lo)/256, u ~ U[0, 1) per pixel: every 8-bit level
    becomes a uniform bin, the bins tiling [lo, hi) (gan_cifar_resnet.py: 2·(k/256 − 1/2) +
    U[0, 1/128); sngan_projection datasets/cifar10.py: k/128 − 1 + U[0, 1/128))."""
    lo, hi = out_range
    return lo + (x - lo) * (255.0 / 256.0) + torch.rand_like(x) * ((hi - lo) / 256.0)


def dequantized_d_step(ctx: StepContext) -> dict[str, Tensor]:
    """The standard D step (``standard_d_step``) on dequantised real images when
    ``recipe_args.dequantize`` is on and the data are images. The noise comes from torch's global RNG."""
    real, y_real = ctx.batch()
    if ctx.cfg.recipe_args.get("dequantize") and ctx.data.kind == "image":
        real = dequantize(real, ctx.out_range or (0.0, 1.0))
    lat = ctx.latent()
    with torch.no_grad():
        fake = ctx.generate(lat)
    return d_terms_on(ctx, real, y_real, fake, lat)[0]


# The authors' toy-data settings (gan_toy.py of their released code): 3 hidden ReLU layers of
# 512 units in G and D, λ = 0.1, Adam β = (0.5, 0.9). With the image settings (λ = 10,
# β1 = 0, 128-unit LeakyReLU nets) ring-2d stayed at 1 of 8 modes after 3,000 G steps here;
# with these, 8 of 8.
_TOY_2D = {"G": {"args": {"hidden": [512, 512, 512], "activation": "relu"}},
           "D": {"args": {"hidden": [512, 512, 512], "activation": "relu"}},
           "d_penalties": {"gp": 0.1}, "train": {"g_batch_size": None}, "recipe_args": {"dequantize": False},
           "opt": {"D": {"lr": 1e-4, "betas": [0.5, 0.9], "schedule": "constant"},
                   "G": {"lr": 1e-4, "betas": [0.5, 0.9], "schedule": "constant"}}}
# 1-D toy targets: the paper's Algorithm 1 defaults (lr 1e-4 constant, one batch for both players)
_TOY_1D = {"train": {"g_batch_size": None}, "recipe_args": {"dequantize": False},
           "opt": {"D": {"lr": 1e-4, "schedule": "constant"}, "G": {"lr": 1e-4, "schedule": "constant"}}}

# MNIST / Fashion-MNIST: the authors' MNIST network (gan_mnist.py, MODE = 'wgan-gp'): DCGAN-like,
# 5×5 kernels, no normalisation in either net, batch 50, Adam 1e-4 β = (0.5, 0.9) constant, no
# dequantisation — at half its width (DIM 32), 32×32, at 3× its lr (after 2,000 iterations 3e-4 scored FID 26.0 against
# the authors' 1e-4's 64.1), for 3,300 generator iterations (18.8 minutes alone on a 2-core AMD EPYC: resized, FID 16.2
# on MNIST read through the resize, 18.0 on Fashion-MNIST, where 2,000 scored 26.0 and 30.6; docs/results/mnist.md).
# MNIST centres the digits unscaled in the 32×32 frame (MNIST_IN_32): 71.7% read confidently against 65.6% resized, the
# same generator by its samples resized the old way (FID 16.2, precision 0.625)
_GRAY = {"data": {"image_size": [32, 32]},
          "G": {"arch": "dcgan_generator", "args": {"ngf": 32, "kernel": 5, "batch_norm": False}},
          "D": {"arch": "dcgan_discriminator", "args": {"ndf": 32, "kernel": 5, "norm": "none"}},
          "opt": {"D": {"lr": 3e-4, "betas": [0.5, 0.9], "schedule": "constant"},
                  "G": {"lr": 3e-4, "betas": [0.5, 0.9], "schedule": "constant"}},
          "recipe_args": {"dequantize": False},
          "train": {"batch_size": 50, "g_batch_size": None, "steps": 3300, "channels_last": True}}
# Stacked MNIST keeps the penalty on every critic step: with MNIST's lazy one (below) G ended its 10-minute budget drawing
# all-black images (1 of the 1,000 modes) while the penalty term rose to 88 (E[(‖∇D‖ − 1)²] ≈ 2.2, where MNIST's run
# held below 0.04: the critic escaped its constraint; docs/results/stacked-mnist.md)
_STACKED = {**_GRAY, "data": MNIST_IN_32}
# MNIST also takes the penalty lazily, as StyleGAN2 takes R1 (Karras et al. 2020, Sec. 3.1): on every 4th critic step at
# 4× the weight (λ = 10 on average), so an iteration costs 0.58× as much (128 against 220 ms alone on a 2-core Intel
# Xeon with AMX) and 5,500 iterations fit the 3,300's time: FID 22.2, precision 0.676, 77.1% read confidently, where
# 3,300 with the penalty on every step scored 32.9, 0.633, 71.7% (one run each; docs/results/mnist.md); Adam's lr at 1e-3
# for both players (10× gan_mnist.py's; the same cost a step) and an EMA of G (0.999 a step; the paper has none): FID 9.8,
# precision 0.738, 82.8% read confidently, where 3e-4 without the EMA scored 22.2, 0.676, 77.1% and 1e-3 without it (the
# same run's raw G) 8.7, 0.699, 81.9% (one run each; docs/paper-settings-conv.md)
_MNIST = deep_merge(_STACKED, {"d_penalties": LAZY_GP, "opt": both_players(lr=1e-3),
                               "train": {"steps": 5500, "ema_decay": 0.999}})

register_recipe(Recipe(
    name="wgan-gp",
    title="WGAN-GP",
    paper="Gulrajani et al., 2017, Improved Training of Wasserstein GANs",
    year=2017,
    url="https://arxiv.org/abs/1704.00028",
    defaults={
        "data": {"name": "cifar10"},
        "G": {"arch": "resnet_generator", "args": {"ch": 128, "init": "glorot"}},
        "D": {"arch": "resnet_discriminator", "args": {"ch": 128, "pool": "mean", "init": "glorot"}},
        "z_dim": 128, "z_dist": "normal",
        "loss": "wasserstein", "g_objective": "wasserstein",
        "d_penalties": {"gp": 10.0}, "d_steps": 5,
        "opt": {"D": {"name": "adam", "lr": 2e-4, "betas": [0.0, 0.9], "schedule": "linear", "lr_min": 0.0},
                "G": {"name": "adam", "lr": 2e-4, "betas": [0.0, 0.9], "schedule": "linear", "lr_min": 0.0}},
        "train": {"batch_size": 64, "g_batch_size": 128, "steps": 100000},
    },
    args={"dequantize": True},
    d_step=dequantized_d_step,
    dataset_defaults={"mnist": _MNIST, "fashion-mnist": _GRAY, "stacked-mnist": _STACKED,
                      **point_data_defaults(one=_TOY_1D, two=_TOY_2D)},
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]}, "G": {"args": {"ch": 8}},
                    "D": {"args": {"ch": 8}}, "z_dim": 8, "train": {"g_batch_size": None}},
    sources={
        "λ = 10, n_critic = 5, β1 = 0, β2 = 0.9": "paper, Algorithm 1 defaults; gan_cifar_resnet.py (N_CRITIC, "
            "AdamOptimizer(beta1=0., beta2=0.9), 10*gradient_penalty)",
        "lr 2e-4, decayed linearly to 0 over the 100,000 generator iterations (both players)":
            "gan_cifar_resnet.py (LR = 2e-4, DECAY, ITERS = 100000: lr·max(0, 1 − iteration/ITERS))",
        "per-example interpolates x̂ = εx + (1−ε)x̃, ε ~ U[0,1]": "paper, Algorithm 1",
        "no normalisation in the critic": "paper, Sec. 4; gan_cifar_resnet.py (NORMALIZATION_D = False)",
        "CIFAR-10 ResNet, 128 channels, z 128 ~ N(0, 1), critic batch 64, generator batch 128":
            "paper, App. F; gan_cifar_resnet.py (DIM_G, DIM_D, BATCH_SIZE, GEN_BS_MULTIPLE = 2)",
        "critic output: mean over the final 8×8 map, then linear": "gan_cifar_resnet.py (tf.reduce_mean(output, "
            "axis=[2,3]))",
        "residual 3×3 convs Glorot-uniform ×√2, shortcuts / linear / output conv Glorot-uniform, biases 0":
            "tflib/ops/conv2d.py (he_init: std √(4/(fan_in+fan_out)), uniform), tflib/ops/linear.py (glorot)",
        "real images dequantised: 2·(k/256 − 1/2) + U[0, 1/128)": "gan_cifar_resnet.py ('# dequantize')",
        "MNIST preset: DCGAN-like nets (5×5, no normalisation), batch 50, Adam β = (0.5, 0.9) (lr 1e-4 there)":
            "gan_mnist.py",
        "2-D toy targets: 512-unit ReLU MLPs ×3, λ = 0.1, β = (0.5, 0.9)": "authors' released gan_toy.py",
    },
    deviations=(
        "The released gan_cifar_resnet.py defaults to a conditional AC-GAN critic (CONDITIONAL = ACGAN = True); "
        "this recipe is the unconditional setting the paper's unconditional CIFAR-10 score uses.",
        "The authors' loop updates G first (from the second iteration on), then the critic 5 times; here the critic "
        "goes first — the same alternation, shifted by one half-step.",
        "The gradient penalty's interpolates go through the critic in their own pass, as released; the real and "
        "fake batches share one pass (the released code concatenates them too).",
        "MNIST / Fashion-MNIST (the CPU preset): the authors' gan_mnist.py network at half width (32), 32×32 with a "
        "tanh output (theirs: 28×28, sigmoid; MNIST's digits centred unscaled in the frame, Fashion-MNIST resized), "
        "N(0, 0.02) init (theirs: tflib's), 3,300 generator iterations "
        "(theirs: 200,000) at Adam's lr 3e-4 (theirs: 1e-4; after 2,000 iterations 1e-4 scored FID 64.1 and 3e-4 "
        "scored 26.0 on docs/results/mnist.md, mnist-cnn; 3,300 iterations at 3e-4 scored 16.2).",
        "MNIST's preset takes the gradient penalty lazily (d_penalties.gp={weight: 10, every: 4}: on every 4th critic "
        "step at 4× the weight, StyleGAN2's lazy regularisation, Karras et al. 2020, Sec. 3.1, which the paper does "
        "not have) and runs 5,500 generator iterations in the time of 3,300: FID 22.2, precision 0.676, 77.1% read "
        "confidently, against 32.9, 0.633, 71.7% with the penalty on every critic step (docs/results/mnist.md). "
        "Stacked MNIST keeps it on every step: taken lazily there, G drew all-black images within 10 minutes. "
        "MNIST's preset also raises Adam's lr to 1e-3 for both players (10× gan_mnist.py's 1e-4) and samples an EMA "
        "of G (0.999 a step; the paper has none): FID 9.8, precision 0.738, 82.8% read confidently, against 22.2, "
        "0.676, 77.1% at 3e-4 without the EMA and 8.7, 0.699, 81.9% from the same run's raw G "
        "(docs/paper-settings-conv.md).",
    ),
))
