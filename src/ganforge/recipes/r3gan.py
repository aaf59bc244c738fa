"""R3GAN: Huang, Gokaslan, Kuleshov & Tompkin, "The GAN is dead; long live the GAN! A Modern GAN
Baseline", NeurIPS 2024.

The relativistic pairing loss (losses/rpgan.py) with both zero-centred gradient penalties, R1 on
reals and R2 on fakes (γ/2 each), which the paper proves locally convergent; with that loss, a
plain modern ResNet (models/r3gan.py: grouped inverted bottlenecks, fix-up initialisation, no
normalisation) trains without StyleGAN's tricks. Adam with β1 = 0, an EMA of G.
"""

from ..config import deep_merge
from .base import Recipe, both_players, register_recipe, unconditional_without_labels

# The CPU presets (docs/paper-settings-r3gan.md, "MNIST on a CPU"): the paper's CIFAR-10 shape (4 stages, expansion 2,
# z of 64, group width 16) with one block per stage, 64 channels at 4² and 8² narrowing to 16 at 32² (G; D mirrors it);
# R1 and R2 every 8th D update at 8× the weight (a speed trick the R3GAN author suggested; at every update they cost
# 2/3 of a D step) with γ = 0.5, ten times CIFAR-10's (FID 15.1 against 27.2 at step 2,000); lr 1e-3 → 2.5e-4 by the
# cosine (at the released 2e-4 G drew blurred blobs after 1,000 steps); channels-last convolutions (1.25× faster a step
# on a 2-core Intel Xeon: 233 against about 300 ms alone); on MNIST batch 32 for 8,000 steps (below)
_G_NETS = {"args": {"widths": [64, 64, 32, 16], "cardinality": [8, 8, 4, 2], "blocks": 1}}
_D_NETS = {"args": {key: value[::-1] if isinstance(value, list) else value for key, value in _G_NETS["args"].items()}}
_MNIST = {
    "data": {"image_size": [32, 32]},
    # unconditional, as R3GAN's own digits experiment (Stacked MNIST): class-conditional, G learned to ignore z
    # (recall 0.014 at FID 11.4); unconditional, the same preset reached recall 0.66 (docs/paper-settings-r3gan.md)
    "conditional": False,
    "G": _G_NETS, "D": _D_NETS,
    "d_penalties": {"r1": {"weight": 0.25, "every": 8}, "r2": {"weight": 0.25, "every": 8}},  # γ = 0.5
    "opt": both_players(lr=1e-3, lr_min=2.5e-4, decay_end=None),
    "train": {"batch_size": 32, "steps": 8000, "ema_decay": 0.99, "log_every": 100, "sample_every": 500,
              "ckpt_every": 500, "channels_last": True},
}
# Fashion-MNIST and Stacked MNIST keep the batch of 64 for 4,500 steps they were measured with; on MNIST that scored
# FID 5.4, 78.8% read confidently (docs/paper-settings-r3gan.md); half the batch for 8,500 steps FID 2.1, 86.3%, but
# 20.5 minutes alone on a 2-core AMD EPYC (145 ms a step), hence 8,000
_BATCH_64 = deep_merge(_MNIST, {"train": {"batch_size": 64, "steps": 4500}})
# Stacked MNIST draws three independent digits at once: the MNIST preset with 32 channels instead of 16 at 32² in G
# and in D covered 853 of the 1,000 modes (KL 0.91) where 16 covered 530 (KL 1.63) and drew the three digits as one
# blurred, overlapping loop; it costs 1.8× as much a step (docs/paper-settings-r3gan.md)
_STACKED = {**_BATCH_64, "G": {"args": {**_G_NETS["args"], "widths": [64, 64, 32, 32]}},
            "D": {"args": {**_D_NETS["args"], "widths": [32, 32, 64, 64]}}}

register_recipe(Recipe(
    name="r3gan",
    title="R3GAN",
    paper="Huang, Gokaslan, Kuleshov & Tompkin, 2024, The GAN is dead; long live the GAN! A Modern GAN Baseline",
    year=2024,
    url="https://arxiv.org/abs/2501.05441",
    defaults={
        "data": {"name": "cifar10"},
        "conditional": True,
        "G": {"arch": "r3gan_generator", "args": {"widths": [768, 768, 768, 768], "cardinality": 96, "blocks": 2,
                                                  "expansion": 2}},
        "D": {"arch": "r3gan_discriminator", "args": {"widths": [768, 768, 768, 768], "cardinality": 96, "blocks": 2,
                                                      "expansion": 2}},
        "z_dim": 64, "z_dist": "normal",
        "loss": "rpgan", "g_objective": "rpgan",
        "d_penalties": {"r1": 0.025, "r2": 0.025},
        "d_steps": 1,
        "opt": both_players(name="adam", lr=2e-4, betas=[0.0, 0.9], eps=1e-8, schedule="cosine", lr_min=5e-5,
                            decay_end=39063),
        "train": {"batch_size": 512, "steps": 39063, "ema_decay": 0.999},
    },
    adapt_to_data=unconditional_without_labels,
    dataset_defaults={"mnist": _MNIST, "fashion-mnist": _BATCH_64, "stacked-mnist": _STACKED},
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]},
                    "G": {"args": {"widths": [8, 8, 8], "cardinality": 2, "blocks": 1}},
                    "D": {"args": {"widths": [8, 8, 8], "cardinality": 2, "blocks": 1}}, "z_dim": 8,
                    "train": {"batch_size": 8}},
    sources={
        "RpGAN loss: D softplus(D(G(z)) − D(x)), G softplus(D(x) − D(G(z))), each real paired with one fake":
            "paper, Eq. 2; released R3GAN/Trainer.py",
        "R1 + R2, (γ/2)·(R1 + R2); γ 0.05 → 0.005 on CIFAR-10": "paper, Eq. 4; released train.py, preset CIFAR10",
        "widths 768 (3/4 of 1024) × 4 stages, cardinality 96, 2 blocks per stage, expansion 2, z 64":
            "released train.py, preset CIFAR10",
        "fix-up init (L^(−1/4) in a block's first two layers, 0 in its last), leaky ReLU 0.2 with bias, "
        "[1, 2, 1]-derived resampling filter, 4×4 basis in G, depth-wise 4×4 + linear at D's end":
            "released R3GAN/Networks.py, Resamplers.py, FusedOperators.py",
        "Adam β = (0, 0.9 → 0.99), ε 1e-8; lr 2e-4 → 5e-5 by a cosine over 20M images; batch 512":
            "released train.py and training_loop.py (cosine_decay_with_warmup)",
        "class-conditional on CIFAR-10 (embedding of the class appended to z; projection in D)":
            "released README's CIFAR-10 command (--cond=1) and Networks.py",
    },
    deviations=(
        "γ is constant at its starting value (0.05, so r1 = r2 = 0.025); the released code lowers it by a cosine "
        "to 0.005 over 20M images (ganforge has no schedule for a penalty weight yet).",
        "Adam's β2 is constant at 0.9; the released code raises it by a cosine to 0.99 over 20M images.",
        "The EMA of G has a constant decay 0.999 after every step; the released code's EMA half-life ramps by a "
        "cosine from 0 to 5M images (so early in training its EMA is close to G itself).",
        "No augmentation by default: the released CIFAR-10 and FFHQ runs use ADA's pipeline with p ramped to "
        "0.55 / 0.3 on a schedule; here ADA's pipeline runs at a fixed p (--set augment=ada "
        "augment_args.target=null augment_args.p=0.55) — its adaptive p reads sign(D(x)), which the relativistic "
        "loss does not give a meaning.",
        "The lr's cosine is over training steps: 39,063 steps of 512 (20M images) on CIFAR-10; presets end it at "
        "their last step.",
        "R1 and R2 each run D once more on the detached batch (the released code takes both gradients from the "
        "loss's own D pass): the same values, more compute (one pass for both was 2% faster on the CPU preset's nets).",
        "The released code keeps the last stages in bf16 (FP16Stages); ganforge trains in the run's precision.",
        "MNIST, Fashion-MNIST and Stacked MNIST get a CPU preset (docs/paper-settings-r3gan.md, measured there): one "
        "block per stage, G widths 64, 64, 32, 16 from 4² up (D the reverse) at the released group width of 16 "
        "(Stacked MNIST: 64, 64, 32, 32, the last stage's groups 32 wide: 853 modes against 530 with 16); R1 "
        "and R2 on every 8th D update at 8× the weight (the author's suggested speed-up; every update they cost 2/3 "
        "of a D step), γ = 0.5 (ten times CIFAR-10's 0.05: fewer single-style classes); lr 1e-3 → 2.5e-4 by the "
        "cosine over the run (at 2e-4 G drew blurred blobs after 1,000 steps); channels-last layout; on MNIST batch 32 "
        "for 8,000 steps (145 ms a step alone on a 2-core AMD EPYC: 19.3 minutes; batch 64 for 4,500 steps, which "
        "Fashion-MNIST and Stacked MNIST keep, scored FID 5.4 and 78.8% read confidently, half the batch for 8,500 "
        "steps 2.1 and 86.3%), EMA 0.99, "
        "32×32 (MNIST resized); unconditional (the paper's CIFAR-10 runs are class-conditional; conditioned on the "
        "digit, G ignored z: recall 0.014 against 0.525 unconditional, docs/paper-settings-r3gan.md).",
    ),
))
