"""WGAN: Arjovsky, Chintala & Bottou, "Wasserstein GAN", ICML 2017 (Algorithm 1)."""

from .base import Recipe, point_data_defaults, register_recipe

register_recipe(Recipe(
    name="wgan",
    title="WGAN",
    paper="Arjovsky, Chintala & Bottou, 2017, Wasserstein GAN",
    year=2017,
    url="https://arxiv.org/abs/1701.07875",
    defaults={
        "data": {"name": "cifar10"},
        "G": {"arch": "dcgan_generator", "args": {"ngf": 64}},
        "D": {"arch": "dcgan_discriminator", "args": {"ndf": 64, "norm": "batch"}},
        "z_dim": 100, "z_dist": "normal",
        "loss": "wasserstein", "g_objective": "wasserstein",
        "d_clip": 0.01, "d_steps": 5, "d_steps_boost": {"d_steps": 100, "first": 25, "every": 500},
        "opt_D": {"name": "rmsprop", "lr": 5e-5, "eps": 1e-8},
        "opt_G": {"name": "rmsprop", "lr": 5e-5, "eps": 1e-8},
        "train": {"batch_size": 64},
    },
    dataset_defaults={"mnist": {"data": {"image_size": [32, 32]}}, "fashion-mnist": {"data": {"image_size": [32, 32]}},
                      **point_data_defaults()},
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]}, "G": {"args": {"ngf": 8}},
                    "D": {"args": {"ndf": 8}}, "z_dim": 8},
    sources={
        "α = 5e-5, c = 0.01, m = 64, n_critic = 5, RMSProp": "paper, Algorithm 1 defaults",
        "DCGAN generator and critic (with batch norm)": "paper, Sec. 4.1",
        "100 critic iterations for the first 25 generator iterations and every 500th (d_steps_boost)":
            "authors' released code (martinarjovsky/WassersteinGAN, main.py); --set d_steps_boost=null for "
            "Algorithm 1 as printed",
    },
))
