"""SN-GAN: Miyato et al., "Spectral Normalization for Generative Adversarial Networks", ICLR 2018."""

from .base import Recipe, point_data_defaults, register_recipe

register_recipe(Recipe(
    name="sngan",
    title="SN-GAN",
    paper="Miyato et al., 2018, Spectral Normalization for Generative Adversarial Networks",
    year=2018,
    url="https://arxiv.org/abs/1802.05957",
    defaults={
        "data": {"name": "cifar10"},
        "G": {"arch": "resnet_generator", "args": {"ch": 256}},
        "D": {"arch": "resnet_discriminator", "args": {"ch": 128}, "spectral_norm": True},
        "z_dim": 128, "z_dist": "normal",
        "loss": "hinge", "g_objective": "hinge",
        "d_steps": 5,
        "opt_D": {"name": "adam", "lr": 2e-4, "betas": [0.0, 0.9]},
        "opt_G": {"name": "adam", "lr": 2e-4, "betas": [0.0, 0.9]},
        "train": {"batch_size": 64},
    },
    dataset_defaults={"mnist": {"data": {"image_size": [32, 32]}}, "fashion-mnist": {"data": {"image_size": [32, 32]}},
                      **point_data_defaults()},
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]}, "G": {"args": {"ch": 8}},
                    "D": {"args": {"ch": 8}}, "z_dim": 8},
    sources={
        "spectral norm on every D layer, one power iteration per update": "paper, Sec. 2.1",
        "hinge loss": "paper, Eq. 16-17 (the CIFAR-10 ResNet results)",
        "Adam lr 2e-4, β1 = 0, β2 = 0.9, n_dis = 5": "paper, Table 1 setting for the ResNet",
        "ResNet G 256 channels, D 128 channels, z 128, batch 64": "paper, App. B.4",
    },
    deviations=(
        "The learning rate is kept constant (the paper's ResNet runs decay it linearly).",
        "With a D without batch norm, real and fake pass through D together, so the power iteration "
        "runs once per D update (the reference code scores them separately: twice).",
    ),
))
