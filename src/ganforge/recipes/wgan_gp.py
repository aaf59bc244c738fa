"""WGAN-GP: Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017 (Algorithm 1)."""

from .base import Recipe, point_data_defaults, register_recipe

# The authors' toy-data settings (gan_toy.py of their released code): 3 hidden ReLU layers of
# 512 units in G and D, λ = 0.1, Adam β = (0.5, 0.9). With the image settings (λ = 10,
# β1 = 0, 128-unit LeakyReLU nets) ring-2d stayed at 1 of 8 modes after 3,000 G steps here;
# with these, 8 of 8.
_TOY_2D = {"G": {"args": {"hidden": [512, 512, 512], "activation": "relu"}},
           "D": {"args": {"hidden": [512, 512, 512], "activation": "relu"}},
           "d_penalties": {"gp": 0.1},
           "opt_D": {"betas": [0.5, 0.9]}, "opt_G": {"betas": [0.5, 0.9]}}


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
                      **point_data_defaults(two=_TOY_2D)},
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]}, "G": {"args": {"ch": 8}},
                    "D": {"args": {"ch": 8}}, "z_dim": 8},
    sources={
        "λ = 10, n_critic = 5, α = 1e-4, β1 = 0, β2 = 0.9": "paper, Algorithm 1 defaults",
        "per-example interpolates x̂ = εx + (1−ε)x̃, ε ~ U[0,1]": "paper, Algorithm 1",
        "no batch norm in the critic": "paper, Sec. 4",
        "CIFAR-10 ResNet, 128 channels, z 128, batch 64": "paper, App. F",
        "2-D toy targets: 512-unit ReLU MLPs ×3, λ = 0.1, β = (0.5, 0.9)": "authors' released gan_toy.py",
    },
    deviations=(
        "The paper's CIFAR-10 run decays the learning rate linearly to 0 over 100k generator iterations; "
        "this recipe keeps it constant.",
    ),
))
