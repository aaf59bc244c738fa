"""The original GAN: Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.

Networks, optimiser and schedule follow the authors' released MNIST configuration
(github.com/goodfeli/adversarial, ``mnist.yaml`` and ``__init__.py``, with pylearn2's SGD). The
update order is the released code's: both players' gradients from one minibatch and one D pass
(AdversaryCost2), applied together (``update_order: simultaneous``); ``--set
update_order=alternating`` gives Algorithm 1 as printed (k = 1: a D step, then a G step on
fresh noise). See docs/paper-settings-gan2014.md for every number against its source.
"""

from ..config import deep_merge
from .base import DECAY_OVER_SECOND_HALF, Recipe, both_players, point_data_defaults, register_recipe

_PAPER_G = {"hidden": [1200, 1200], "activation": "relu", "out_activation": "sigmoid",
            "init_range": 0.05, "out_bias_from_data": True, "out_bias_clip": 1e-7}
_PAPER_D = {"hidden": [240, 240], "activation": "maxout", "pieces": 5,
            "dropout_input": 0.2, "dropout_hidden": 0.5, "init_range": 0.005}
# MomentumAdjustor(start=1, saturate=250 epochs); one epoch = 50,000 / 100 = 500 updates.
_SGD = {"name": "sgd", "lr": 0.1, "momentum": 0.5, "momentum_final": 0.7,
        "momentum_ramp": [500, 125_000], "lr_decay": 1.000004, "lr_min": 1e-6}

# Toy targets (1-D and 2-D points, issue 3): the same trainer, loss and schedule at toy scale,
# as diffs over the shared point-data presets (recipes/base.py): only the networks, noise and
# batch change (and the optimiser settings in `gan-modern`).
def _toy(G: dict, D: dict, extra_1d: dict | None = None, extra_2d: dict | None = None) -> dict:
    one = deep_merge({"G": {"args": G}, "D": {"args": {**D, "hidden": [128, 128]}}}, extra_1d or {})
    two = deep_merge({"G": {"args": G}, "D": {"args": D}, "train": {"batch_size": 512}}, extra_2d or {})
    return point_data_defaults(one, two)


_TOY_G = {"out_activation": "linear", "out_bias_from_data": False, "init_range": None, "batch_norm": False}
_TOY_D = {"dropout_input": 0.0, "dropout_hidden": 0.0, "init_range": None}

# 2-D: kept at 0.01 (G) / 0.005 (D). ring-2d, 6,000 steps: 2 of 8 modes (95% high quality); nothing
# tried in the simultaneous order did better (D at 5× G's lr: 1/8 at 3,000; G 256×3 at 0.01 / 0.01:
# 3/8 at 3,000). Algorithm 1's alternating order held 6/8 at 90.5% in seed 0, 2/8 in seeds 1 and 2
# (with G 256×3: 1/8), so the preset keeps the released order.
_TOY_SGD = {"opt": {"D": {"lr": 0.005, "lr_decay": 1.0002}, "G": {"lr": 0.01, "lr_decay": 1.0002}}}
# 1-D: D at 5× G's lr (0.025 / 0.005), a slower decay (×1/1.0001), and on gaussian-1d (issue 15) G
# shaped so it can match a Gaussian: z ~ N(0, 1) (with 1-D uniform z G's output is bounded and the tails need
# steep ends), LeakyReLU(0.2) hidden units (a ReLU G over 1-D z has flat pieces wherever a layer's
# units are all off: point masses at the ends of its range), G's output bias starting at the data's
# mean (the linear-output form of the released init_sigmoid_bias_from_marginals: G need not travel
# from 0 to the mean under momentum, where it folded in seed 1), and batch 1024 (at 256 minibatch
# noise moved G once D sat at chance). gaussian-1d (mean 4, std 0.5), 12,000 steps, JSD at the end:
# the rates alone 0.027 (seed 1: 0.030; 0.025 at 40,000 steps); + normal z 0.072; + LeakyReLU 0.063
# (0.014 at 5,500); + batch 1024 0.0028 but 0.084 in seed 1; + the mean bias 0.0023 / 0.0019 / 0.0008
# in seeds 0 / 1 / 2 (mean 0 / std 1, seed 0: 0.0005), D 0.50 / 0.50 on real / fake.
# The G shape is for a Gaussian target only: on bimodal-1d (6,000 steps, seed 0) it oscillated
# between JSD 0.06 and 0.23 (0.097 at the end) where the uniform-z ReLU G holds 0.032.
_TOY_SGD_1D = {"opt": {"D": {"lr": 0.025, "lr_decay": 1.0001}, "G": {"lr": 0.005, "lr_decay": 1.0001}}}
_TOY_GAUSSIAN_1D = {"z_dist": "normal", "G": {"args": {"activation": "leaky_relu", "out_bias_from_data": True}},
                    "train": {"batch_size": 1024}}


def _gan_toy_presets() -> dict:
    presets = _toy({**_TOY_G, "activation": "relu"}, {**_TOY_D, "activation": "maxout", "pieces": 5},
                   extra_1d=_TOY_SGD_1D, extra_2d=_TOY_SGD)
    presets["gaussian-1d"] = deep_merge(presets["gaussian-1d"], _TOY_GAUSSIAN_1D)
    return presets


register_recipe(Recipe(
    name="gan",
    title="GAN",
    paper="Goodfellow et al., 2014, Generative Adversarial Nets",
    year=2014,
    url="https://arxiv.org/abs/1406.2661",
    defaults={
        "data": {"name": "mnist"},
        "G": {"arch": "mlp_generator", "args": _PAPER_G},
        "D": {"arch": "mlp_discriminator", "args": _PAPER_D},
        "z_dim": 100, "z_dist": "uniform-unit-variance",
        "loss": "minimax", "g_objective": "non_saturating",
        "d_steps": 1, "g_steps": 1, "update_order": "simultaneous",
        # The released code minimises 0.5·(BCE_real + BCE_fake) for D at lr 0.1; with plain
        # SGD that equals the paper's −V(G, D) at lr 0.05.
        "opt": {"D": {**_SGD, "lr": 0.05}, "G": _SGD},
        "train": {"batch_size": 100},
    },
    # 8×8 digits: 64 pixels instead of 784 and 1,797 images. G shrinks to 400-400 units; D keeps
    # the paper's size. (Under alternating updates the paper's 1200-1200 collapsed to one or two
    # saturated shapes within 3,000 steps; with the released simultaneous update it no longer
    # does — 71% of samples read with p ≥ 0.9 by digits-cnn, 9 of 10 classes, at 3,000 steps —
    # but 400-400 does as well at about a third of the cost.) D learns at G's rate (0.1 on −V): at
    # the MNIST 0.05 one class was missing or nearly so at 3,000 steps (7s: 0, 3 and 0 of ~780
    # confident reads in seeds 0–2; 73–78% confident); at 0.1 all ten classes in all three seeds
    # (75.5%, 75.0%, 78.8% confident, largest class 15%, 20%, 14%; benchmarks/bench_gan_digits.py).
    dataset_defaults={
        # mnist.yaml trains on train[0:50000]; [50000:60000] is its validation set (Parzen σ). D learns at
        # G's rate (0.1 on −V, twice the released code's): at the released 0.05, 6 of 20 runs (seeds 0-9 × 1, 2
        # threads, 4,000 steps) ended collapsed; docs/results/gan-seeds.md
        "mnist": {"data": {"split": "train[0:50000]"}, "opt": {"D": {"lr": 0.1}}},
        "digits": {"G": {"args": {"hidden": [400, 400]}}, "opt": {"D": {"lr": 0.1}}},
        # Toy targets: ReLU G with a linear output, maxout D (5 pieces) without dropout, and the
        # paper's optimiser family (SGD, momentum 0.5 → 0.7, exponential decay, D at half G's lr)
        # at a tenth of its MNIST rates, decaying ×1/1.0002 per update: at 0.1 / 0.05 the
        # simultaneous update sent gaussian-1d to NaN at update 36 (and the alternating one sat
        # at JSD 0.65 after 4,000 steps). 1-D: see _TOY_SGD_1D above.
        **_gan_toy_presets(),
    },
    test_overrides={"data": {"name": "digits"}, "G": {"args": {"hidden": [32, 32]}}, "D": {"args": {"hidden": [16, 16]}},
                    "z_dim": 8},
    sources={
        "G: z 100 → 1200 ReLU → 1200 ReLU → 784 sigmoid, U[±0.05] init": "adversarial/mnist.yaml",
        "G output bias = logit(pixel means of train[0:50000]), means clipped to [1e-7, 1 − 1e-7]":
            "mnist.yaml: init_sigmoid_bias_from_marginals; pylearn2/models/dbm/__init__.py: "
            "init_sigmoid_bias_from_array (np.clip(mean, 1e-7, 1-1e-7))",
        "D: maxout 240×5, 240×5, sigmoid, U[±0.005] init": "adversarial/mnist.yaml",
        "D dropout: input keep 0.8 (scale 1.25), hidden keep 0.5 (scale 2), also before the output":
            "mnist.yaml: AdversaryCost2 discriminator_*_include_prob(s) / *_input_scale(s)",
        "z ~ U[−√3, √3]^100 (z_dist uniform-unit-variance)":
            "mnist.yaml: Generator noise: 'uniform'; adversarial/__init__.py get_noise: "
            "uniform(low=-sqrt(3), high=sqrt(3)) (the class default is 'gaussian')",
        "MNIST train[0:50000]; train[50000:60000] for validation": "mnist.yaml: MNIST start 0, stop 50000; "
            "monitoring 'valid' start 50000, stop 60000",
        "SGD, batch 100, lr 0.1, ×1/1.000004 per update, min 1e-6": "mnist.yaml: SGD, ExponentialDecay",
        "momentum 0.5 → 0.7 over epochs 1 → 250": "mnist.yaml: Momentum init 0.5, MomentumAdjustor",
        "both players' gradients from one minibatch and one D pass, applied together (update_order "
        "simultaneous); G's gradient through the same D pass (same dropout masks) as D's fake term":
            "adversarial/__init__.py: AdversaryCost2.get_samples_and_objectives (g_obj = cost(y1, "
            "y_hat0)) and get_gradients (d_grads, g_grads from one graph), applied by one pylearn2 SGD update",
        "non-saturating G loss −log D(G(z))": "paper, Sec. 3; AdversaryCost2 g_obj",
    },
    deviations=(
        "D's loss is the paper's −V(G, D) at lr 0.05, equivalent under plain SGD to the released "
        "code's 0.5·(BCE_real + BCE_fake) at lr 0.1.",
        "On MNIST D learns at G's rate, 0.1 on −V: twice the released code's rate. With the released rate "
        "(--set opt.D.lr=0.05) 6 of 20 runs at seeds 0-9 with 1 and 2 threads ended collapsed after 4,000 steps "
        "(D(G(z)) down to 0.002, 2-4 classes); docs/results/gan-seeds.md.",
        "D's sigmoid output is folded into the loss in logit form (numerically stable, same maths).",
        "D scores real and fake in one pass over their concatenation (the released code: two "
        "dropout_fprop calls); every row draws its own dropout mask either way, and G's gradient "
        "uses the very pass that made D's fake term, as released.",
        "G's gradient reuses D's backward, each fake row scaled by (∂L_G/∂l)/(∂L_D/∂l); where D is so sure a "
        "fake is fake (about 27 logits) that the ratio passes 1e12, it is capped there, shrinking that row's "
        "gradient, instead of a second backward (which needs the step's values read back on the host). "
        "The share of capped rows is logged as g_rows_capped; 0 in every run measured.",
        "Momentum as PyTorch's SGD applies it (v ← m·v + g, θ ← θ − lr·v; pylearn2: v ← m·v − lr·g): "
        "the same while lr is constant; here lr changes by 4e-6 per update.",
        "The momentum ramp is counted in updates (500 → 125,000, linear per update), the released "
        "code moves it once per epoch of 50,000 images; the same numbers are used on every dataset.",
        "Algorithm 1's alternating order (a D step, then a G step on fresh noise) is --set "
        "update_order=alternating; on MNIST it collapsed (D(fake) → 1e-5) in most seeds within "
        "3,000–6,000 steps, the released simultaneous update did not.",
        "8×8 digits (no such experiment in the paper): G hidden 400-400 instead of 1200-1200 (as "
        "good here at 3,000 steps with the released update order, about a third of the cost); D's "
        "network unchanged, D's lr 0.1 instead of 0.05 (at 0.05 one class went missing in 3,000 "
        "steps; at 0.1 all ten appeared in seeds 0–2 and in five of seeds 0–5 with this release's dropout masks).",
        "Toy targets (no such experiment): MLPs without dropout, a linear G output, SGD at lr "
        "0.01 (G) / 0.005 (D) decaying ×1/1.0002 per update on 2-D, 0.005 (G) / 0.025 (D) decaying "
        "×1/1.0001 on 1-D (the MNIST rates diverge on unbounded data); on gaussian-1d also z ~ N(0, 1) "
        "of one dimension, a LeakyReLU(0.2) G whose output bias starts at the data's mean, batch 1024 "
        "(each measured, see _TOY_SGD_1D).",
    ),
))


_MODERN_MNIST = {"G": {"args": {"hidden": [800, 800, 800, 800]}},
                 "opt": both_players(**DECAY_OVER_SECOND_HALF, lr=1e-3),
                 "train": {"steps": 40_000, "ema_decay": 0.999, "ema_start": 2000}}
# Fashion-MNIST: the same G, a constant lr of 5e-4, a slower EMA (0.9995) that also averages G's batch-norm statistics,
# D's last layer also seeing the minibatch standard deviation of its features over groups of 4 (Karras et al. 2018),
# 35,000 steps. The MNIST preset's decay to 0 undid its EMA there: the raw G at a high lr draws a few garment kinds at
# a time and the average of its weights covers them all (EMA FID 42 against the raw G's 68 at 36,000 steps), and as the
# lr ran out the average became the raw G again (54.5 at 40,000). The averaged weights with the raw G's batch-norm
# statistics (ema_buffers=copy) scored 25.4 at 35,000 steps and 29.1 at 40,000 where the same run's averaged
# statistics scored 22.8 and 21.9 (docs/results/fashion-mnist.md).
_MODERN_FASHION = deep_merge(_MODERN_MNIST, {"D": {"args": {"minibatch_std": 4}},
                                             "opt": both_players(schedule="constant", lr=5e-4),
                                             "train": {"steps": 35_000, "ema_decay": 0.9995,
                                                       "ema_buffers": "average"}})

# A quick, stable preset for users who want digits fast: same networks family, Adam and
# LeakyReLU. Not a paper recipe; listed so that nobody mistakes it for one.
register_recipe(Recipe(
    name="gan-modern",
    title="GAN (modern preset)",
    paper="Goodfellow et al., 2014 networks; Adam (Kingma & Ba, 2015), LeakyReLU D",
    year=2014,
    url="https://arxiv.org/abs/1406.2661",
    defaults={
        "data": {"name": "mnist"},
        # Batch norm in G: without it this preset collapsed on MNIST within 3,000 steps (D(fake) → 0);
        # with it, varied digits at 3,000 steps.
        "G": {"arch": "mlp_generator", "args": {**_PAPER_G, "activation": "leaky_relu", "init_range": None,
                                                "batch_norm": True, "out_bias_clip": 1e-3}},
        "D": {"arch": "mlp_discriminator", "args": {"hidden": [512, 256], "activation": "leaky_relu",
                                                    "dropout_input": 0.0, "dropout_hidden": 0.3,
                                                    "init_range": None}},
        "z_dim": 100, "z_dist": "normal",
        "loss": "minimax", "g_objective": "non_saturating",
        "opt": {"D": {"name": "adam", "lr": 2e-4, "betas": [0.5, 0.999]}, "G": {"name": "adam", "lr": 2e-4, "betas": [0.5, 0.999]}},
        "train": {"batch_size": 64},
    },
    dataset_defaults={
        # MNIST: G 800-800-800-800 (EBGAN's MNIST generator, about the 2014 G's cost a step), lr 1e-3 decaying over the
        # second half of 40,000 steps, an EMA of G: FID 10.7, 86% of samples read confidently, where G 1200-1200
        # without the EMA scored 25.4 and 79% (docs/results/mnist.md); Fashion-MNIST: _MODERN_FASHION
        "mnist": _MODERN_MNIST, "fashion-mnist": _MODERN_FASHION,
        "digits": {"G": {"args": {"hidden": [256, 256]}}, "D": {"args": {"hidden": [256, 128]}}},
        # Toy targets: 1-D: D learns 5× faster than G (lr 1e-3 vs 2e-4; a slow D goes flat and
        # stops telling a too-narrow G apart), β1 = 0 (less momentum-driven oscillation), both
        # rates decaying ×1/1.0002 per update, batch 1024, G 128-128. On gaussian-1d (mean 4,
        # std 0.5) this took the JSD from 0.06 (β1 = 0.5, constant rates, 6,000 steps) to 0.010
        # after 12,000 steps.
        # 2-D: deeper nets, Adam 1e-4 for both.
        **_toy({**_TOY_G, "activation": "leaky_relu"}, _TOY_D,
               extra_1d={"opt": {"D": {"lr": 1e-3, "betas": [0.0, 0.9], "lr_decay": 1.0002},
                                 "G": {"lr": 2e-4, "betas": [0.0, 0.9], "lr_decay": 1.0002}},
                         "G": {"args": {**_TOY_G, "hidden": [128, 128]}}, "train": {"batch_size": 1024}},
               extra_2d={"opt": {"D": {"lr": 1e-4}, "G": {"lr": 1e-4}}}),
    },
    test_overrides={"data": {"name": "digits"}, "G": {"args": {"hidden": [32, 32]}}, "D": {"args": {"hidden": [16, 16]}},
                    "z_dim": 8},
    deviations=(
        "Not the paper's setup: Adam(2e-4, β=(0.5, 0.999)), LeakyReLU(0.2) nets, batch norm in G, D "
        "without maxout, PyTorch default init. Use `gan` for the paper-faithful recipe.",
        "MNIST: G with four hidden layers of 800 units (EBGAN's MNIST generator) in place of 1200-1200, "
        "40,000 steps at Adam's lr 1e-3 for both players decaying linearly to 0 over the second half, and an EMA of G "
        "(0.999 from step 2,000): FID 10.7 on MNIST, where 1200-1200 without the EMA scored 25.4 and at lr 2e-4 42.8 "
        "(in training at 10,000 steps of a 10,000-step run: 124.2 at 2e-4, 70.6 at 4e-4, 39.2 at 1e-3, 42.7 at 2e-3, "
        "31.1 with the deeper G; docs/results/mnist.md).",
        "Fashion-MNIST: the MNIST preset's G, Adam's lr 5e-4 for both players held constant, an EMA of G of 0.9995 "
        "from step 2,000 that averages G's batch-norm statistics too, D's last layer also fed the minibatch standard "
        "deviation of its features over groups of 4 (PGGAN's, Karras et al. 2018), 35,000 steps: FID 22.8 (25.4 with "
        "the live G's batch-norm statistics), where the MNIST preset scored 54.5 (docs/results/fashion-mnist.md).",
    ),
))
