"""WGAN: Arjovsky, Chintala & Bottou, "Wasserstein GAN", ICML 2017 (Algorithm 1), with the
authors' released code (martinarjovsky/WassersteinGAN) for what the paper leaves open."""

from .base import Recipe, point_data_defaults, register_recipe

# MNIST / Fashion-MNIST on a CPU: 32×32, half the authors' width, 2,000 generator iterations (17 minutes beside
# another run on 2 cores) at 4× the paper's lr. FID in training at 500 / 1,000 / 1,500 / 2,000: 99.6 / 66.5 / 52.9 / 51.3
# at lr 2e-4; 333 / 228 / 119 / 93.5 at the paper's 5e-5, where most samples were one shape at 1,000
_RMSPROP = {"name": "rmsprop", "lr": 5e-5, "eps": 1e-8, "schedule": "constant"}
_MNIST = {"data": {"image_size": [32, 32]}, "G": {"args": {"ngf": 32}}, "D": {"args": {"ndf": 32}},
          "opt": {"D": {"lr": 2e-4}, "G": {"lr": 2e-4}},
          "train": {"steps": 2000, "channels_last": True}}

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
        "d_clip": 0.01, "d_steps": 5,
        "opt": {"D": _RMSPROP, "G": _RMSPROP},
        # 25 epochs of the authors' loop on CIFAR-10 at batch 64 (782 critic batches an epoch, each
        # generator iteration after 5 of them, or 100 in the boosts): 3,345 generator iterations
        "train": {"batch_size": 64, "steps": 3345},
    },
    # the critic schedule of the authors' code (recipes/standard.py: d_steps_boost)
    args={"d_steps_boost": {"d_steps": 100, "first": 25, "every": 500}},
    dataset_defaults={"mnist": _MNIST, "fashion-mnist": _MNIST, **point_data_defaults()},
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]}, "G": {"args": {"ngf": 8}},
                    "D": {"args": {"ndf": 8}}, "z_dim": 8},
    sources={
        "α = 5e-5, c = 0.01, m = 64, n_critic = 5, RMSProp": "paper, Algorithm 1 defaults; authors' code (lrD, "
            "lrG, clamp_lower/upper, batchSize, Diters)",
        "DCGAN generator and critic (with batch norm), ngf = ndf = 64, 4×4 kernels, z 100 ~ N(0, 1)":
            "paper, Sec. 4.1; authors' code, models/dcgan.py and main.py (ngf, ndf, nz, normal_ noise)",
        "weights ~ N(0, 0.02), BN gain ~ N(1, 0.02)": "authors' code (weights_init)",
        "100 critic iterations for the first 25 generator iterations and every 500th (d_steps_boost)":
            "authors' released code (martinarjovsky/WassersteinGAN, main.py); --set recipe_args.d_steps_boost=null for "
            "Algorithm 1 as printed",
        "length: 25 epochs (3,345 generator iterations on CIFAR-10)": "authors' code (niter = 25)",
    },
    deviations=(
        "The critic's first convolution has a bias and it ends in a linear layer over the last 4×4 map with a bias "
        "(the authors': no biases, a 4×4 convolution); a constant offset cancels in the Wasserstein loss.",
        "The generator's first layer is a linear projection to 4×4 (the authors': a 4×4 transposed convolution of "
        "the 1×1 noise map — the same function).",
        "A boost of 100 critic iterations is never cut short by an epoch's end (the authors' inner loop stops at the "
        "last batch of an epoch).",
        "MNIST / Fashion-MNIST: resized to 32×32, ngf = ndf = 32, 2,000 generator iterations (the CPU preset; 1,000 "
        "ended with most samples one shape, docs/results/mnist.md) and RMSProp's lr 2e-4 for both players, 4× the "
        "paper's: after 2,000 iterations the paper's 5e-5 scored FID 101.0 (blotchy shapes) and 2e-4 scored 55.7 "
        "with every class present (docs/results/mnist.md, mnist-cnn).",
    ),
))
