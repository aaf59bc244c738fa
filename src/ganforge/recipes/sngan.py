"""SN-GAN: Miyato et al., "Spectral Normalization for Generative Adversarial Networks", ICLR 2018,
as the authors released it (pfnet-research/sngan_projection, configs/sn_cifar10_unconditional.yml)."""

from ..config import deep_merge
from .base import MNIST_IN_32, SN_DCGAN_UPDATES, Recipe, both_players, point_data_defaults, register_recipe
from .wgan_gp import dequantized_d_step

# MNIST / Fashion-MNIST on a CPU: the ResNets cost ≈ 2 s per generator iteration at 1 thread even at 32 channels,
# so the preset uses the DCGAN backbone (no normalisation in D, spectral norm instead) at 32 channels, 32×32, run as
# the authors' own SN-DCGAN example (pfnet-research/chainer-gan-lib example.sh: `--algorithm stdgan --architecture
# sndcgan --n_dis 1 --adam_beta1 0.5 --adam_beta2 0.999`; stdgan/updater.py: the non-saturating softplus losses, one
# batch of 64 for both players) at a constant lr for 18,000 iterations, the digits centred unscaled in the 32×32
# frame (MNIST_IN_32), Adam at 3e-4 (below): FID 11.0 read at the digits' own scale, precision 0.718, 81.6% read
# confidently (docs/results/mnist.md). At the example's 2e-4: 17.2, 0.738, 78.7%; run on to 22,000 iterations 14.1 and
# 79.9%, but that takes about 22 minutes alone on a 2-core AMD EPYC; resized 28 → 32, 9.4 read through the resize.
# With the ResNet config's hinge loss and G batch 128 instead (resized, 2e-4), the same 18,000 iterations scored 9.5 at
# 1.6× the time a step; the ResNet settings (n_dis 5, β = (0, 0.9)) 12.6 after 6,000 iterations (15.9 minutes); the
# authors' decay to 0 over the run, 10.6 (hinge)
_NETS = {"data": {"image_size": [32, 32]},
         "G": {"arch": "dcgan_generator", "args": {"ngf": 32}},
         "D": {"arch": "dcgan_discriminator", "args": {"ndf": 32, "norm": "none", "head_bias": False}}}
_MNIST = deep_merge({**_NETS, **SN_DCGAN_UPDATES, "data": MNIST_IN_32, "loss": "minimax", "g_objective": "non_saturating",
                     "train": {"steps": 18000, "channels_last": True, "g_batch_size": None}},
                    {"opt": both_players(lr=3e-4)})  # the example's lr: 2e-4
# Fashion-MNIST keeps the earlier preset, measured there (FID 12.0, docs/results/fashion-mnist.md): the same networks
# with the ResNet settings (hinge, n_dis 5, β = (0, 0.9), G batch 128) for 6,000 generator iterations. Stacked MNIST
# takes it too: with the MNIST preset every sample was one three-channel blot from step 1,000 on (72 of 1,000 modes in
# 10 minutes), with this one 924 modes, KL 0.72 (docs/results/stacked-mnist.md)
_FASHION = {**_NETS, "d_steps": 5, "opt": {"D": {"schedule": "constant"}, "G": {"schedule": "constant"}},
            "train": {"steps": 6000, "channels_last": True}}
_TOY = {"train": {"g_batch_size": None}, "recipe_args": {"dequantize": False}}

register_recipe(Recipe(
    name="sngan",
    title="SN-GAN",
    paper="Miyato et al., 2018, Spectral Normalization for Generative Adversarial Networks",
    year=2018,
    url="https://arxiv.org/abs/1802.05957",
    defaults={
        "data": {"name": "cifar10"},
        "G": {"arch": "resnet_generator", "args": {"ch": 256, "init": "glorot"}},
        "D": {"arch": "resnet_discriminator", "args": {"ch": 128, "pool": "sum", "head_bias": False, "init": "glorot"},
              "spectral_norm": True},
        "z_dim": 128, "z_dist": "normal",
        "loss": "hinge", "g_objective": "hinge",
        "d_steps": 5,
        "opt": {"D": {"name": "adam", "lr": 2e-4, "betas": [0.0, 0.9], "schedule": "linear", "lr_min": 0.0},
                "G": {"name": "adam", "lr": 2e-4, "betas": [0.0, 0.9], "schedule": "linear", "lr_min": 0.0}},
        "train": {"batch_size": 64, "g_batch_size": 128, "steps": 50000},
    },
    args={"dequantize": True},
    d_step=dequantized_d_step,
    dataset_defaults={"mnist": _MNIST, "fashion-mnist": _FASHION, "stacked-mnist": _FASHION, **point_data_defaults(one=_TOY, two=_TOY)},
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]}, "G": {"args": {"ch": 8}},
                    "D": {"args": {"ch": 8}}, "z_dim": 8, "train": {"g_batch_size": None}},
    sources={
        "spectral norm on every D layer, one power iteration per update": "paper, Sec. 2.1",
        "hinge loss": "paper, Eq. 16-17 (the CIFAR-10 ResNet results); code, updater.py (loss_type: hinge)",
        "Adam lr 2e-4, β1 = 0, β2 = 0.9, n_dis = 5": "paper, Table 1 setting for the ResNet; code, "
            "configs/sn_cifar10_unconditional.yml (adam, n_dis)",
        "lr decayed linearly to 0 over the 50,000 generator iterations (both players)":
            "code, train.py (LinearShift('alpha', (alpha, 0), (iteration_decay_start = 0, iteration = 50000)))",
        "ResNet G 256 channels, D 128 channels, z 128 ~ N(0, 1), D batch 64, G batch 128": "paper, App. B.4; "
            "code, configs/sn_cifar10_unconditional.yml (ch, dim_z, batchsize, n_gen_samples: 128)",
        "D: ReLU, sum over the final map, linear head without bias": "code, dis_models/snresnet_32.py (F.sum over "
            "axes 2, 3; SNLinear(ch, 1, nobias=True))",
        "residual 3×3 convs GlorotUniform(√2); shortcuts, G's input linear and output conv, D's head GlorotUniform":
            "code, gen_models/resblocks.py, dis_models/resblocks.py, gen_models/resnet_32.py, dis_models/snresnet_32.py",
        "real images dequantised: k/128 − 1 + U[0, 1/128)": "code, datasets/cifar10.py (the CIFAR10Dataset of the "
            "later commits)",
        "MNIST preset: SN-DCGAN as the authors' example runs it: non-saturating softplus losses, n_dis 1, Adam "
        "β = (0.5, 0.999) (its lr 2e-4; the preset's 3e-4 is a listed deviation), one batch of 64 for both players":
            "pfnet-research/chainer-gan-lib example.sh (--algorithm "
            "stdgan --architecture sndcgan --n_dis 1 --adam_beta1 0.5 --adam_beta2 0.999), stdgan/updater.py, train.py "
            "(--batchsize 64)",
    },
    deviations=(
        "The authors' updater makes G's update first in each iteration, then D's n_dis; here D goes first — the same "
        "alternation, shifted by one half-step.",
        "With a D without batch norm, real and fake pass through D together, so the power iteration runs once per "
        "D update (the reference code scores them separately: twice).",
        "MNIST / Fashion-MNIST (the CPU preset): the DCGAN backbone at 32 channels instead of the ResNets (too slow "
        "on a CPU), 32×32. On MNIST it trains as the authors' SN-DCGAN example (chainer-gan-lib example.sh and "
        "stdgan/updater.py: the non-saturating loss instead of the hinge, n_dis = 1, Adam β = (0.5, 0.999), one "
        "batch of 64 for both players) for 18,000 generator iterations at a constant lr, the digits centred "
        "unscaled in the 32×32 frame, with Adam's lr at 3e-4 for both players instead of the example's 2e-4: "
        "FID 11.0, 81.6% of samples read confidently (mnist-cnn, 10,000 samples read at 28×28; "
        "docs/results/mnist.md), where 2e-4 scored 17.2 and 78.7% and reached the targets only by 22,000 "
        "iterations (22 minutes alone). Resized to 32×32 at 2e-4 it scored 9.4 read through the resize, 72% read "
        "confidently. With the hinge loss and G batch 128 the resized preset scored 9.5 at "
        "1.6× the time and the ResNet settings 12.6 in 6,000 iterations (15.9 minutes). Fashion-MNIST keeps that "
        "earlier preset (resized, the "
        "ResNet settings, hinge loss and G batch 128 on the same networks, 6,000 iterations: FID 12.0 there), and "
        "so does Stacked MNIST, where the MNIST preset's settings collapsed to one three-channel shape.",
    ),
))
