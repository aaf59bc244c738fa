"""LSGAN: Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017, with the
authors' released code (xudonmao/LSGAN) for what the paper leaves open."""

from ..config import deep_merge
from .base import Recipe, point_data_defaults, register_recipe
from .dcgan import MNIST_PRESET, STACKED_PRESET

# MNIST on a CPU: the DCGAN authors' MNIST networks at 28×28, as dcgan's preset (z of 100, weight decay), with the
# LSGAN authors' layer conventions in D: batch norm with a learned gain and shift, and a bias on the output unit
# (DCGAN's MNIST script has neither), and the LSGAN authors' batch of 64 for 5,600 steps (docs/results/mnist.md). At
# dcgan's batch 128 it needed 4,500 steps (FID 10.4): 18.3 minutes alone on an Intel Xeon, 29.0 on a slower AMD EPYC.
# The 32×32 DCGAN backbone at 32 filters, the earlier preset, scored FID 19.3 and 65% confident after 10,000 steps
_MNIST = deep_merge(MNIST_PRESET, {"D": {"args": {"bn_affine": True, "head_bias": True}}, "z_dim": 100,
                                   "train": {"batch_size": 64, "steps": 5600}})
# Fashion-MNIST and Stacked MNIST keep the earlier preset, 32×32 at half the width of the authors' DCGAN comparison
# network, 10,000 steps (about 19 minutes alone on 2 cores): FID 14.9 on Fashion-MNIST, where the MNIST preset above
# scored 26.7; 991 of 1,000 Stacked MNIST modes in 10 minutes, where the MNIST preset covered 269
_FASHION = deep_merge(STACKED_PRESET, {"train": {"steps": 10000}})  # dcgan's 32×32 backbone at 32 filters

register_recipe(Recipe(
    name="lsgan",
    title="LSGAN",
    paper="Mao et al., 2017, Least Squares Generative Adversarial Networks",
    year=2017,
    url="https://arxiv.org/abs/1611.04076",
    defaults={
        "data": {"name": "cifar10"},
        "G": {"arch": "dcgan_generator", "args": {"ngf": 64, "kernel": 5}},
        "D": {"arch": "dcgan_discriminator", "args": {"ndf": 64, "kernel": 5, "norm": "batch"}},
        "z_dim": 1024, "z_dist": "uniform",
        "loss": "lsgan-binary", "g_objective": "least_squares",
        "opt": {"D": {"name": "adam", "lr": 2e-4, "betas": [0.5, 0.999], "schedule": "constant"},
                "G": {"name": "adam", "lr": 2e-4, "betas": [0.5, 0.999], "schedule": "constant"}},
        "train": {"batch_size": 64, "steps": 10000},
    },
    dataset_defaults={"mnist": _MNIST, "fashion-mnist": _FASHION, "stacked-mnist": _FASHION, **point_data_defaults()},
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]}, "G": {"args": {"ngf": 8}},
                    "D": {"args": {"ndf": 8}}, "z_dim": 8},
    sources={
        "least-squares loss, 0-1 coding a=0, b=1, c=1 (Eq. 9); a=-1, b=1, c=0 as lsgan-pearson": "paper, Sec. 3.2; "
            "authors' code, vgg.py loss_l2 (targets 1, 0 for D; 1 for G)",
        "Adam, β1 = 0.5, lr 2e-4 (1e-3 only for LSUN scenes)": "paper, Sec. 4.1; authors' code (train_lsun.py: "
            "0.001 for the 112×112 scenes; stability_comparison/*/train.py: 0.0002 with the DCGAN network)",
        "z of 1024 dims, uniform on [-1, 1]; batch 64": "paper, Fig. 3; authors' code (z_dim 1024, batch_size 64, "
            "np.random.uniform(-1, 1))",
        "DCGAN network with 64 filters and 5×5 kernels": "authors' code, stability_comparison/*/dcgan64.py "
            "(gf_dim = df_dim = 64; ops.py conv2d/deconv2d k_h = k_w = 5)",
    },
    deviations=(
        "The paper's networks are for 112×112 LSUN scenes (Fig. 3); for small images this recipe uses the DCGAN "
        "network of the authors' stability comparison (64 filters, 5×5), sized by resolution (models/dcgan.py), "
        "with batch norm in D as in DCGAN (the comparison's variants toggle it).",
        "The authors' code sums the squared errors over the batch (tf.nn.l2_loss); this averages them (Adam is "
        "invariant to the scale).",
        "Neither the paper nor the code states a length (the code loops to max_steps = 1,000,000 and was stopped by "
        "hand); the default is 10,000 steps.",
        "The CPU preset for MNIST is the DCGAN authors' MNIST networks at 28×28 (dcgan's preset: FC "
        "and 5×5 layers, z of 100, weight decay 2.5e-5) with D's batch norm given a gain and shift and its output "
        "unit a bias, as the LSGAN authors' layers have, at their batch of 64 for 5,600 steps: FID 15.0 with 82% of "
        "samples read confidently (dcgan's batch 128 for 4,500 steps scored 10.4 but took 29 minutes on a slower "
        "machine), where the 32×32 backbone, the earlier preset, scored 19.3 and 65% after 10,000 "
        "steps (docs/results/mnist.md). Fashion-MNIST keeps that earlier preset (32×32, 32 filters, 10,000 steps): FID "
        "14.9 there, where the MNIST preset scored 26.7 (docs/results/fashion-mnist.md).",
        "D and G draw their own noise each step (the authors' loop feeds one z batch to both updates).",
    ),
))
