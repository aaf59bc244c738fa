"""WGAN-GP: Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017 (Algorithm 1)."""

from .base import Recipe, point_data_defaults, register_recipe

register_recipe(Recipe(
    name="wgan-gp",
    title="WGAN-GP",
    paper="Gulrajani et al., 2017, Improved Training of Wasserstein GANs",
    year=2017,
    url="https://arxiv.org/abs/1704.00028",
    defaults={
        "data": {"name": "cifar10"},
        "G": {"arch": "resnet_generator", "args": {"ch": 128}},
        "D": {"arch": "resnet_discriminator", "args": {"ch": 128}},
        "z_dim": 128, "z_dist": "normal",
        "loss": "wasserstein", "g_objective": "wasserstein",
        "d_penalties": {"gp": 10.0}, "d_steps": 5,
        "opt_D": {"name": "adam", "lr": 1e-4, "betas": [0.0, 0.9]},
        "opt_G": {"name": "adam", "lr": 1e-4, "betas": [0.0, 0.9]},
        "train": {"batch_size": 64},
    },
    dataset_defaults={"mnist": {"data": {"image_size": [32, 32]}}, "fashion-mnist": {"data": {"image_size": [32, 32]}},
                      **point_data_defaults()},
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]}, "G": {"args": {"ch": 8}},
                    "D": {"args": {"ch": 8}}, "z_dim": 8},
    sources={
        "λ = 10, n_critic = 5, α = 1e-4, β1 = 0, β2 = 0.9": "paper, Algorithm 1 defaults",
        "per-example interpolates x̂ = εx + (1−ε)x̃, ε ~ U[0,1]": "paper, Algorithm 1",
        "no batch norm in the critic": "paper, Sec. 4",
        "CIFAR-10 ResNet, 128 channels, z 128, batch 64": "paper, App. F",
    },
    deviations=(
        "The paper's CIFAR-10 run decays the learning rate linearly to 0 over 100k generator iterations; "
        "this recipe keeps it constant.",
    ),
))
