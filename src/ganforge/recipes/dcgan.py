"""DCGAN: Radford, Metz & Chintala, "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks", ICLR 2016 (Sec. 3–4), as in the authors'
released code (Newmu/dcgan_code, faces/train_uncond_dcgan.py)."""

from .base import Recipe, point_data_defaults, register_recipe

# MNIST / Fashion-MNIST: the authors' own MNIST networks (mnist/train_cond_dcgan.py, without its class inputs) at
# MNIST's 28×28: G FC 1024 → FC 7·7·128 → 5×5 upconv 64 → 5×5 upconv 1, sigmoid; D 5×5 conv 64 → 5×5 conv 128 →
# FC 1024 → 1; batch norm without gain and shift, weight decay 2.5e-5, batch 128, Adam 2e-4. Its length: the CPU
# budget: 3,000 steps on MNIST and Fashion-MNIST, 18.2 minutes alone on the slowest 2-core machine timed (4,000, FID
# 11.7, took 17.5 on one AMD EPYC and 24.3 on another). The CIFAR-10 backbone resized
# to 32×32 at 32 filters, the earlier preset, scored 21.1 and 67% confident after 5,000 (docs/results/mnist.md).
_MNIST_STEPS = 3000
MNIST_PRESET = {"G": {"arch": "infogan_generator",
                      "args": {"n_categorical": 0, "n_continuous": 0, "kernel": 5, "bn_affine": False}},
                "D": {"arch": "infogan_discriminator", "args": {"kernel": 5, "leak": 0.2, "bn_affine": False,
                                                                "head_bias": False}},
                "opt": {"D": {"weight_decay": 2.5e-5}, "G": {"weight_decay": 2.5e-5}},
                "train": {"steps": _MNIST_STEPS}}  # lsgan's MNIST preset starts from it
# Stacked MNIST keeps the earlier MNIST preset, the backbone at 32×32 and a quarter of the authors' width for 5,000
# steps: 969 of 1,000 modes in 10 minutes, where the MNIST networks above drew black images (6 modes) in as long
STACKED_PRESET = {"data": {"image_size": [32, 32]}, "G": {"args": {"ngf": 32}}, "D": {"args": {"ndf": 32}},
                  "train": {"steps": 5000, "channels_last": True}}

register_recipe(Recipe(
    name="dcgan",
    title="DCGAN",
    paper="Radford, Metz & Chintala, 2016, Unsupervised Representation Learning with Deep Convolutional GANs",
    year=2016,
    url="https://arxiv.org/abs/1511.06434",
    defaults={
        "data": {"name": "cifar10"},
        "G": {"arch": "dcgan_generator", "args": {"ngf": 128, "kernel": 5}},
        "D": {"arch": "dcgan_discriminator", "args": {"ndf": 128, "kernel": 5, "norm": "batch", "head_bias": False}},
        "z_dim": 100, "z_dist": "uniform",
        "loss": "minimax", "g_objective": "non_saturating",
        "d_steps": 1, "g_steps": 1,
        "opt": {"D": {"name": "adam", "lr": 2e-4, "betas": [0.5, 0.999], "weight_decay": 1e-5, "schedule": "constant"},
                "G": {"name": "adam", "lr": 2e-4, "betas": [0.5, 0.999], "weight_decay": 1e-5, "schedule": "constant"}},
        # 25 epochs of the authors' loop over CIFAR-10's 50,000 images at batch 128 (390 batches an
        # epoch): 9,750 minibatches, each updating one player in turn → 4,875 updates of each
        "train": {"batch_size": 128, "steps": 4875},
    },
    dataset_defaults={"mnist": MNIST_PRESET, "fashion-mnist": MNIST_PRESET, "stacked-mnist": STACKED_PRESET,
                      **point_data_defaults()},
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]}, "G": {"args": {"ngf": 8}}, "D": {"args": {"ndf": 8}}, "z_dim": 8},
    sources={
        "Adam lr 2e-4, β1 = 0.5, batch 128": "paper, Sec. 4; authors' code (lr = 0.0002, b1 = 0.5, nbatch = 128)",
        "ngf = ndf = 128, 5×5 kernels (stride 2, padding 2)": "authors' code, faces/train_uncond_dcgan.py (ngf, ndf; "
                                                            "gw2…gwx, dw…dw4 of shape (…, 5, 5))",
        "L2 weight decay 1e-5 on both players (added to the gradient: Adam's coupled weight_decay)":
            "authors' code (l2 = 1e-5; lib/updates.py Regularizer.gradient_regularize)",
        "weights ~ N(0, 0.02), BN gain ~ N(1, 0.02); LeakyReLU slope 0.2": "paper, Sec. 4; authors' code (inits)",
        "BN in G and D except G output and D input; ReLU in G, tanh output": "paper, Sec. 3 guidelines",
        "D's head: one linear unit without bias (sigmoid folded into the loss)": "authors' code (dwy, no bias)",
        "z uniform on [-1, 1], 100 dims; project-and-reshape first layer": "paper, Sec. 3 and Fig. 1; authors' code",
        "images scaled to [-1, 1] (tanh range)": "paper, Sec. 4",
        "length: 25 epochs at a constant lr (4,875 updates of each player on CIFAR-10)":
            "authors' code (niter = 25, niter_decay = 0)",
    },
    deviations=(
        "Widths follow the authors' code (ngf = ndf = 128: G 1024→512→256→128 at 64×64, as Fig. 1), sized by "
        "resolution (models/dcgan.py): at CIFAR-10's 32×32 one stage fewer, 512→256→128. The authors' code has no "
        "CIFAR-10 script; its faces script (64×64) is followed.",
        "The authors' loop gives each minibatch to one player in turn (G on even, D on odd updates); here every "
        "step updates D on a real batch, then G on fresh noise — the same number of updates of each.",
        "MNIST / Fashion-MNIST use the authors' MNIST networks (mnist/train_cond_dcgan.py: fully connected and 5×5 "
        "convolutional layers at 28×28, batch norm without gain and shift, sigmoid output on [0, 1] data, weight "
        "decay 2.5e-5) without the class inputs that script concatenates to every layer, for "
        f"{_MNIST_STEPS:,} steps on MNIST and Fashion-MNIST (the CPU preset; the script runs 100 + 100 epochs, the "
        "second hundred decaying the lr to 0).",
        "Earlier versions of this recipe used 64 channels and 4×4 kernels (pytorch/examples' DCGAN, credited to "
        "the authors by mistake); --set G.args.ngf=64 G.args.kernel=4 D.args.ndf=64 D.args.kernel=4 "
        "D.args.head_bias=true brings that back.",
    ),
))
