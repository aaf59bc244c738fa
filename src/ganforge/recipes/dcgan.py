"""DCGAN: Radford, Metz & Chintala, "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks", ICLR 2016 (Sec. 3–4), as in the authors'
released code (Newmu/dcgan_code, faces/train_uncond_dcgan.py)."""

from .base import Recipe, point_data_defaults, register_recipe

# MNIST / Fashion-MNIST on a CPU: 32×32 (the backbone's depth halves to 4×4), a quarter of the
# authors' width, their 5×5 kernels, batch, optimiser and weight decay. 5,000 steps: FID (mnist-cnn, 2,000
# samples, in training) 51.6, 34.0, 22.1, 19.7, 17.1 at 1k…5k steps; docs/results/mnist.md.
_MNIST = {"data": {"image_size": [32, 32]}, "G": {"args": {"ngf": 32}}, "D": {"args": {"ndf": 32}},
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
    dataset_defaults={"mnist": _MNIST, "fashion-mnist": _MNIST, **point_data_defaults()},
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
        "MNIST / Fashion-MNIST are resized to 32×32 and trained at ngf = ndf = 32 for 5,000 steps (the CPU preset; "
        "the authors' MNIST script is conditional and uses fully connected layers).",
        "Earlier versions of this recipe used 64 channels and 4×4 kernels (pytorch/examples' DCGAN, credited to "
        "the authors by mistake); --set G.args.ngf=64 G.args.kernel=4 D.args.ndf=64 D.args.kernel=4 "
        "D.args.head_bias=true brings that back.",
    ),
))
