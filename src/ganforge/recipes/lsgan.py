"""LSGAN: Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017."""

from .base import Recipe, point_data_defaults, register_recipe

register_recipe(Recipe(
    name="lsgan",
    title="LSGAN",
    paper="Mao et al., 2017, Least Squares Generative Adversarial Networks",
    year=2017,
    url="https://arxiv.org/abs/1611.04076",
    defaults={
        "data": {"name": "cifar10"},
        "G": {"arch": "dcgan_generator", "args": {"ngf": 64}},
        "D": {"arch": "dcgan_discriminator", "args": {"ndf": 64, "norm": "batch"}},
        "z_dim": 1024, "z_dist": "uniform",
        "loss": "lsgan-binary", "g_objective": "least_squares",
        "opt_D": {"name": "adam", "lr": 2e-4, "betas": [0.5, 0.999]},
        "opt_G": {"name": "adam", "lr": 2e-4, "betas": [0.5, 0.999]},
        "train": {"batch_size": 64},
    },
    dataset_defaults={"mnist": {"data": {"image_size": [32, 32]}}, "fashion-mnist": {"data": {"image_size": [32, 32]}},
                      **point_data_defaults()},
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]}, "G": {"args": {"ngf": 8}},
                    "D": {"args": {"ndf": 8}}, "z_dim": 8},
    sources={
        "least-squares loss, 0-1 coding a=0, b=1, c=1 (Eq. 9); a=-1, b=1, c=0 as lsgan-pearson": "paper, Sec. 3.2",
        "Adam, β1 = 0.5, lr 2e-4 (1e-3 only for LSUN scenes)": "paper, Sec. 4.1",
        "z of 1024 dims": "paper, Fig. 3 (the LSUN architecture)",
    },
    deviations=(
        "The paper's networks are for 112×112 LSUN scenes (Fig. 3); for small images this recipe uses "
        "the DCGAN backbone sized by resolution (models/dcgan.py) with the paper's loss and optimiser.",
        "Batch size 64 and uniform z are not stated in the paper; they follow the DCGAN code it builds on.",
    ),
))
