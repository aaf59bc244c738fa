"""StyleGAN (v1): Karras, Laine & Aila, "A Style-Based Generator Architecture for Generative
Adversarial Networks", CVPR 2019.

The style-based G (``models/stylegan.py``: mapping network, constant input, AdaIN, noise, style
mixing, truncation in W) and the PGGAN D with blurred down-sampling, grown progressively from
8×8 with PGGAN's schedule, image clock, fade-in of reals and optimiser resets
(``recipes/pggan.py``). Loss: non-saturating logistic with R1 on the reals (γ = 10, FFHQ),
every D step as in v1; ``--set d_penalties.r1="{weight: 5, every: 16}"`` is StyleGAN2's lazy R1.
EMA of G. Pictures: ``ganforge.viz.style_pictures`` (style mixing, stochastic variation,
truncation sweep).
"""

from __future__ import annotations

from ..config import deep_merge
from .base import Recipe, both_players, register_recipe
from .pggan import ADAM, GROWING_HOOKS, GROWTH_ARGS, HALF_WIDTHS

_NET = {"fmap_base": 512, "fmap_max": 64}
# CPU presets: 32×32 (28² resized: zero-padded as pggan's, MNIST scored FID 100.1 against 36.6, Fashion-MNIST 38.7
# against 43.0, one run each), 64
# channels at most, z and w of 128 (8 mapping layers), 3,200 images per phase, minibatch 16, 4,000 steps (32² fully in
# from step 800); StyleGAN2's weight demodulation in place of AdaIN: with AdaIN every MNIST run drew one shape
# (docs/paper-settings-growing.md)
_CPU = {"data": {"image_size": [32, 32]}, "z_dim": 128,
        "G": {"args": {**_NET, "w_dim": 128, "style": "demod"}}, "D": {"args": _NET},
        "recipe_args": {"stabilise_images": 3200, "fade_images": 3200, "minibatch": {}},
        "train": {"batch_size": 16, "steps": 4000, "ema_decay": 0.9, "ema_half_life": None}}  # EMA scaled with the phases
# MNIST and Fashion-MNIST: half the widths (fmap_base 256: 64, 64, 32, 16 channels at 4² … 32²) and StyleGAN2's lazy
# R1 (every 16th D step at 16× the weight, the same γ = 10 on average), a 32² step 94 ms alone on a 2-core AMD EPYC
# instead of 159 with R1 at every step, so 20 minutes train 12,000 steps instead of 4,000 (19.2 minutes there, 11.7 on a
# 2-core Intel Xeon with AMX); the paper's EMA (a half-life of 10k images: it averages over the last 625 steps), where
# the 0.9 EMA of the shorter presets is G's last few steps; and a shorter mapping network (StyleGAN2-ADA's configs for
# CIFAR-10 and new data use 2 layers): 4 layers for MNIST (at 11,000 steps FID 11.1, recall 0.43, 77% read
# confidently, where the preset with 8 layers and the 0.9 EMA scored 20.4, 0.36, 75%), 2 for Fashion-MNIST (FID 25.0;
# 4 layers 26.1, 8 layers 31.1, the 4,000-step preset 43.0); 12,000 steps rather than 11,000: MNIST FID 8.6 and 79%
# read confidently, Fashion-MNIST 21.7; one run each (docs/results/mnist.md, docs/paper-settings-growing.md); and
# StyleGAN2's learning rate, 0.002 for both players (NVlabs/stylegan2 run_training.py; v1 takes 0.001 up to 128²):
# MNIST FID 5.1, recall 0.58, 81% read confidently, where 0.001 scored 8.6, 0.46, 79% (one run each)
_MNIST = deep_merge(deep_merge(_CPU, HALF_WIDTHS), {
    "G": {"args": {"mapping_layers": 4}}, "d_penalties": {"r1": {"weight": 5.0, "every": 16}},
    "opt": both_players(lr=0.002),
    "train": {"steps": 12000, "ema_decay": None, "ema_half_life": 10_000}})
_FASHION = deep_merge(_MNIST, {"G": {"args": {"mapping_layers": 2}}})

register_recipe(Recipe(
    name="stylegan",
    title="StyleGAN",
    paper="Karras, Laine & Aila, 2019, A Style-Based Generator Architecture for Generative Adversarial Networks",
    year=2019,
    url="https://arxiv.org/abs/1812.04948",
    defaults={
        "data": {"name": "cifar10", "image_size": [32, 32]},
        "G": {"arch": "stylegan_generator", "args": {"w_dim": 512, "mapping_layers": 8, "mapping_lr_mult": 0.01,
                                                     "fmap_base": 8192, "fmap_max": 512, "style_mixing_prob": 0.9,
                                                     "w_avg_beta": 0.995}},
        "D": {"arch": "pggan_discriminator", "args": {"fmap_base": 8192, "fmap_max": 512, "mbstd_group_size": 4,
                                                      "blur": True}},
        "z_dim": 512, "z_dist": "normal",
        "loss": "minimax", "g_objective": "non_saturating",
        "d_penalties": {"r1": 5.0},
        "opt": {"D": ADAM, "G": ADAM}, "train": {"batch_size": 128, "steps": 400_000, "ema_half_life": 10_000},
    },
    args={**GROWTH_ARGS, "start_resolution": 8, "stabilise_images": 600_000, "fade_images": 600_000,
          "minibatch": {4: 128, 8: 128, 16: 128, 32: 64, 64: 32, 128: 16, 256: 8, 512: 4, 1024: 4},
          "lr": {128: 0.0015, 256: 0.002, 512: 0.003, 1024: 0.003}},
    dataset_defaults={"mnist": _MNIST, "fashion-mnist": _FASHION, "stacked-mnist": _CPU, "cifar10": _CPU},
    **GROWING_HOOKS,
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]}, "z_dim": 8,
                    "G": {"args": {"fmap_base": 32, "fmap_max": 8, "w_dim": 8, "mapping_layers": 2}},
                    "D": {"args": {"fmap_base": 32, "fmap_max": 8}},
                    "train": {"batch_size": 4},
                    "recipe_args": {"start_resolution": 4, "stabilise_images": 2, "fade_images": 4, "minibatch": {}}},
    sources={
        "mapping network: 8 dense layers of 512, LeakyReLU 0.2, lr × 0.01; z pixel-normalised; w of 512":
            "paper, Sec. 2 and App. C; NVlabs/stylegan training/networks_stylegan.py G_mapping",
        "learned constant 4×4×512 input; AdaIN after every conv (instance norm, then y_s·x + y_b with y_s = 1 + A(w))":
            "paper, Sec. 2, Eq. 1; networks_stylegan.py G_synthesis (const init 1, style_mod)",
        "per-pixel noise, one image per layer, learned per-channel scales starting at 0":
            "paper, Sec. 3.2, Fig. 1b; networks_stylegan.py apply_noise",
        "bilinear up / down-sampling as nearest / box sampling with a [1, 2, 1] low-pass filter":
            "paper, Sec. 2 (Zhang 2019); networks_stylegan.py blur2d, G_synthesis, D_basic",
        "progressive growing from 8×8 with 600k images per fade and per stabilisation, Adam reset on growth":
            "paper, App. C; NVlabs/stylegan train.py (lod_initial_resolution = 8) and training_loop.py "
            "(lod_training_kimg = lod_transition_kimg = 600, reset_opt_for_new_lod)",
        "style mixing probability 0.9 with one crossover point among the layers in use": "paper, Sec. 3.1, Table 2; "
            "networks_stylegan.py G_style (style_mixing_prob = 0.9)",
        "truncation in W: w̄ tracked with β = 0.995; ψ = 0.7 (pictures), 1 (metrics), cutoff 8 layers in the "
            "authors' pictures": "paper, Sec. 3.1, App. B; networks_stylegan.py G_style",
        "non-saturating logistic loss with R1, γ = 10 (FFHQ)": "paper, App. C; train.py "
            "(D_logistic_simplegp, r1_gamma = 10.0); training/loss.py",
        "Adam lr 0.001 (0.0015, 0.002, 0.003 at 128², 256², 512²+), β = (0, 0.99), ε = 1e-8":
            "train.py (G_opt, D_opt, sched.G_lrate_dict)",
        "minibatch 128 up to 16², then 64, 32, 16, 8, 4 (one GPU)": "train.py, desc += '-1gpu' (sched.minibatch_dict)",
        "D: PGGAN's with minibatch stddev over groups of 4": "networks_stylegan.py D_basic (mbstd_group_size = 4)",
        "EMA of G with a half-life of 10k images: 0.5^(minibatch/10⁴) per step (train.ema_half_life)":
            "paper, App. C; training_loop.py (G_smoothing_kimg = 10, Gs_beta)",
    },
    deviations=(
        "Named datasets (mnist, fashion-mnist, cifar10) get a CPU preset: 32×32 (28×28 resized; zero-padded digits, "
        "as pggan's preset has them, scored FID 100.1 against 36.6 in one run each; Fashion-MNIST padded 38.7 against "
        "43.0), at most 64 channels, z and w of 128 (8 mapping layers but in MNIST's and Fashion-MNIST's), "
        "minibatch 16, 3,200 images per phase (instead of 600,000), 4,000 steps (8² → 32², 32² fully in from step "
        "800) (see docs/paper-settings-growing.md).",
        "MNIST's and Fashion-MNIST's preset halves the widths (fmap_base 256: 64, 64, 32, 16 channels at 4² … 32²) and "
        "takes StyleGAN2's lazy R1 (every 16th D step at 16× the weight; v1 runs it every step), so a 32² step costs "
        "94 ms alone on a 2-core AMD EPYC instead of 159 with R1 at every step, and trains 12,000 steps in the 20 "
        "minutes instead of 4,000; its G maps z to w with 4 layers (MNIST) or 2 (Fashion-MNIST) instead of 8 "
        "(StyleGAN2-ADA's configs for CIFAR-10 and new data, cifar and auto, use 2: on MNIST 8 left recall at 0.37, 4 "
        "gave 0.43, 2 gave 0.63 at a worse FID; on Fashion-MNIST FID 31.1, 26.1, 25.0), it keeps the paper's EMA "
        "half-life of 10k images, and both players take StyleGAN2's Adam lr of 0.002 (NVlabs/stylegan2 "
        "run_training.py; v1's is 0.001 up to 128²): on MNIST FID 5.1 and 81% read confidently against 8.6 and 79% "
        "at 0.001 (docs/paper-settings-growing.md).",
        "The CPU presets replace AdaIN by StyleGAN2's weight demodulation (G.args.style=demod; Karras et al. 2020, "
        "Sec. 2.2): with AdaIN every MNIST run, whatever else was changed, drew one shape for every z (FID 250-350 "
        "at 2,000 steps); with demodulation the same training draws varied digits (FID 118 at 2,000 steps). "
        "--set G.args.style=adain gives v1's AdaIN back.",
        "EMA decay 0.9 per step in the CPU presets of Stacked MNIST and CIFAR-10 (the EMA's length scaled with the "
        "3,200-image phases, as in pggan), instead of the half-life of 10k images, which MNIST's and Fashion-MNIST's "
        "12,000-step presets keep.",
        "The EMA averages G after G's update of the step; the authors' Gs update runs with the next D step, so "
        "theirs trails G by one update.",
        "The growth and learning-rate schedule is read at every step; the authors' loop reads it once per 4 "
        "minibatches (minibatch_repeats = 4).",
        "No mirror augmentation by default (the authors mirror FFHQ and CelebA-HQ, not their LSUN sets): "
        "--set data.mirror=true.",
        "Truncation (ψ, cutoff) is a property of G used outside training (G.truncation_psi, default 1 for metrics; "
        "the pictures use ψ = 0.7 on all layers unless a cutoff is given); the authors' pictures use cutoff 8.",
        "Style mixing, the crossover layer and the noise images are drawn from torch's global stream (checkpointed), "
        "not from the latent generator.",
        "R1 runs every D step (v1). StyleGAN2's lazy R1 (every 16 steps at 16× the weight) is available with "
        "d_penalties.r1={weight: 5, every: 16} and is a StyleGAN2 setting, not v1's.",
        "The fused up-/down-sampling convolutions of 128² and above (fused_scale = 'auto') are not used (same maps, different weight "
        "sharing); the paper's 1024² FFHQ setup is reachable only by config.",
    ),
))
