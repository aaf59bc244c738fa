"""SAGAN: Zhang, Goodfellow, Metaxas & Odena, "Self-Attention Generative Adversarial Networks",
ICML 2019.

The SN-GAN/projection ResNet with a self-attention block (nn/self_attention.py) in G and in D,
spectral norm on both networks, hinge loss, and the two-timescale update rule: one D step per G
step with D's learning rate four times G's. Class-conditional (conditional BN in G, projection
D) on labelled data; an image folder without classes trains it unconditionally.
"""

from .base import CENTRED_MNIST, MNIST_IN_32, Recipe, register_recipe, unconditional_without_labels

# CPU scale (named datasets): widths 32, batch 32, attention at 16×16 (about 16 GFLOP per step)
_CPU = {"G": {"args": {"ch": 32}}, "D": {"args": {"ch": 32}}, "train": {"batch_size": 32, "channels_last": True}}
# MNIST / Fashion-MNIST: widths 16 (about 4 GFLOP per step) and 10,000 steps, 17.7 minutes alone on 2 cores (measured);
# each class's BN gains and biases drawn at init (with the released gains 1 and biases 0 the class steered G
# so slowly that 10,000 steps drew the asked-for digit in 52.7% of samples, FID 43.4; drawn: 97.8%, FID 12.7)
_GRAY = {"G": {"args": {"ch": 16, "class_tables": "init"}}, "D": {"args": {"ch": 16}}, "data": {"image_size": [32, 32]},
         "train": {"batch_size": 32, "steps": 10000, "channels_last": True}}
# Fashion-MNIST: G's z → 4×4 layer left out of spectral norm (G.args.project_sn=false). With it, that layer's spectrum
# collapsed and its unbounded bias displaced z: every sample of a class the same garment (recall 0.002, FID 70.0);
# without it z stays in the samples (docs/paper-settings-attention.md). MNIST keeps it (its classes need it there).
_FASHION = {**_GRAY, "G": {"args": {**_GRAY["G"]["args"], "project_sn": False}}}

register_recipe(Recipe(
    name="sagan",
    title="SAGAN",
    paper="Zhang, Goodfellow, Metaxas & Odena, 2019, Self-Attention Generative Adversarial Networks",
    year=2019,
    url="https://arxiv.org/abs/1805.08318",
    defaults={
        "data": {"name": "cifar10"},
        "conditional": True,
        "G": {"arch": "biggan_generator", "spectral_norm": True,
              "args": {"ch": 256, "attn_res": 16, "shared_dim": 0, "hier": False, "init": "xavier"}},
        "D": {"arch": "biggan_discriminator", "spectral_norm": True, "args": {"ch": 256, "attn_res": 16, "init": "xavier"}},
        "z_dim": 128, "z_dist": "normal",
        "loss": "hinge", "g_objective": "hinge",
        "d_steps": 1,
        "opt": {"D": {"name": "adam", "lr": 4e-4, "betas": [0.0, 0.9]}, "G": {"name": "adam", "lr": 1e-4, "betas": [0.0, 0.9]}},
        "train": {"batch_size": 256, "steps": 1_000_000},
    },
    adapt_to_data=unconditional_without_labels,
    dataset_defaults={"cifar10": _CPU, "mnist": {**_GRAY, "data": MNIST_IN_32}, "fashion-mnist": _FASHION},
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]}, "G": {"args": {"ch": 16, "attn_res": 8}},
                    "D": {"args": {"ch": 16, "attn_res": 8}}, "z_dim": 8, "train": {"batch_size": 8}},
    sources={
        "self-attention y = γ·o + x, γ initialised to 0, f and g with C/8 channels": "paper, Sec. 3, Eq. 1-3",
        "h with C/2 channels, keys and values max-pooled 2×2, 1×1 convs without bias, Glorot-uniform init":
            "authors' released code (brain-research/self-attention-gan, non_local.py, ops.py)",
        "attention in both G and D, in the middle-to-high feature maps (feat32/feat64 of 128×128 best)":
            "paper, Sec. 5.2 and Table 1",
        "spectral norm in G and D": "paper, Sec. 4.1",
        "TTUR: Adam, lr D 4e-4, G 1e-4, β = (0, 0.9), one D step per G step": "paper, Sec. 4.2 and 5 (β2 = 0.9 "
            "is the paper's; see the deviations for the released code's)",
        "hinge loss; conditional BN in G, projection D (class-conditional ImageNet)": "paper, Sec. 3 and 5",
        "batch 256, 1M iterations": "BigGAN (Brock et al., 2019), Table 1, row 1: its SAGAN baseline",
    },
    deviations=(
        "The paper's model is ImageNet 128×128 (G/D widths 64·{16, 8, 4, 2, 1}); ganforge has no ImageNet, so the "
        "default is the 32×32 CIFAR ResNet (SN-GAN's, widths 256) with attention at 16×16 — half the output "
        "resolution, as feat64 of 128 (one of the paper's two best placements, and BigGAN-PyTorch's SAGAN "
        "script's G_attn = D_attn = 64 at 128²). The released SAGAN code puts G's attention at 32 of 128, a "
        "quarter of the output (generator.py, after g_block3): --set G.args.attn_res=8 D.args.attn_res=8 at 32².",
        "Adam's β2 is the paper's 0.9; the released code builds tf.train.AdamOptimizer(lr, beta1=0) (model.py), so "
        "TensorFlow's β2 = 0.999 ran there: --set opt.D.betas=[0,0.999] opt.G.betas=[0,0.999] for that.",
        "Named datasets get a CPU preset: cifar10 widths 32, batch 32, channels-last convolutions; mnist and "
        "fashion-mnist widths 16, batch 32 and 10,000 steps (17.7 minutes alone on 2 cores, measured; the result in "
        "docs/results/mnist.md); an image folder trains at the paper's sizes.",
        "The mnist and fashion-mnist presets draw each class's BN gains (1 + Glorot) and biases (Glorot) at init, as "
        "BigGAN-PyTorch's ccbn does without the shared embedding (G.args.class_tables=init); the released code "
        "starts every class at gain 1 and bias 0, so the class changes nothing until G's lr of 1e-4 moves the "
        "tables. On MNIST at 10,000 steps: the asked-for digit by argmax in 52.7% of samples and FID 43.4 with "
        "the released init, 97.8% and FID 12.7 with drawn tables (docs/results/mnist.md).",
        "The fashion-mnist preset leaves G's z → 4×4 linear layer out of spectral norm (G.args.project_sn=false; "
        "every other layer of G keeps it). With it, that layer's other singular values shrank to a third of the "
        "first while its bias, which spectral norm does not bound, grew into a fixed template that displaced z: "
        "every sample of a class the same garment (10,000 steps, seeds 0 and 1: FID 70.0 and 66.6, recall 0.002 "
        "and 0.020); without it FID 33.9 and 40.8, recall 0.107 and 0.174 (docs/paper-settings-attention.md). The "
        "mnist preset keeps it: there the layer without spectral norm kept z but drew the asked-for digit in 52.1% "
        "of samples where the paper's form draws 97.0%.",
        CENTRED_MNIST + "the same generator quality, read that way, scores 97.0% "
        "read as asked where the resized preset scored 94.1% (docs/results/mnist.md).",
        "The self-attention block follows the released code (h of C/2 channels, 2×2 max-pooled keys and values), "
        "not the paper's text (C̄ = C/8 for f, g, h, no pooling): SelfAttention(pool=False, value_div=8).",
        "Batch-norm ε 1e-5 and torch's spectral norm (one power iteration per forward, ε 1e-12).",
    ),
))
