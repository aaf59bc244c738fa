"""DCGAN: Radford, Metz & Chintala, "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks", ICLR 2016 (Sec. 3–4)."""

from .base import Recipe, point_data_defaults, register_recipe

register_recipe(Recipe(
    name="dcgan",
    title="DCGAN",
    paper="Radford, Metz & Chintala, 2016, Unsupervised Representation Learning with Deep Convolutional GANs",
    year=2016,
    url="https://arxiv.org/abs/1511.06434",
    defaults={
        "data": {"name": "cifar10"},
        "G": {"arch": "dcgan_generator", "args": {"ngf": 64}},
        "D": {"arch": "dcgan_discriminator", "args": {"ndf": 64, "norm": "batch"}},
        "z_dim": 100, "z_dist": "uniform",
        "loss": "minimax", "g_objective": "non_saturating",
        "d_steps": 1, "g_steps": 1,
        "opt_D": {"name": "adam", "lr": 2e-4, "betas": [0.5, 0.999]},
        "opt_G": {"name": "adam", "lr": 2e-4, "betas": [0.5, 0.999]},
        "train": {"batch_size": 128},
    },
    dataset_defaults={"mnist": {"data": {"image_size": [32, 32]}},
                      "fashion-mnist": {"data": {"image_size": [32, 32]}}, **point_data_defaults()},
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]}, "G": {"args": {"ngf": 8}}, "D": {"args": {"ndf": 8}}, "z_dim": 8},
    sources={
        "Adam lr 2e-4, β1 = 0.5, batch 128": "paper, Sec. 4 (Details of adversarial training)",
        "weights ~ N(0, 0.02); LeakyReLU slope 0.2": "paper, Sec. 4",
        "BN in G and D except G output and D input; ReLU in G, tanh output": "paper, Sec. 3 guidelines",
        "z uniform, 100 dims; project-and-reshape first layer": "paper, Sec. 3 and Fig. 1",
        "images scaled to [-1, 1] (tanh range)": "paper, Sec. 4",
    },
    deviations=(
        "Widths follow the authors' reference code (ngf = ndf = 64: 512→256→128→64 at 64×64) rather "
        "than Fig. 1's 1024→512→256→128.",
        "D ends with a linear layer over the last feature map (the paper's 'flattened and fed into a "
        "single sigmoid output'); the sigmoid is folded into the loss.",
        "Depth is sized by resolution (see models/dcgan.py); MNIST and Fashion-MNIST are resized to "
        "32×32 by default.",
    ),
))
