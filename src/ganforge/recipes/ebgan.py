"""EBGAN: Zhao, Mathieu & LeCun, "Energy-based Generative Adversarial Network", ICLR 2017.

D is an auto-encoder whose energy D(x) = ‖Dec(Enc(x)) − x‖ is low on data and high elsewhere.
D minimises D(x) + [m − D(G(z))]⁺ (Eq. 1): it pushes the fakes' energy up to the margin m and
no further; G minimises D(G(z)) (Eq. 2) plus λ_PT times the pulling-away term on the encoder's
representation of its batch (Eq. 14, "EBGAN-PT"), which repels the samples from one another.
"""

from functools import partial

from ..losses.energy import d_margin
from ..penalties.pulling_away import pulling_away
from .base import DECAY_OVER_SECOND_HALF, Recipe, register_recipe
from .steps import d_terms, g_terms


def d_step(ctx):
    margin = ctx.cfg.recipe_args["margin"]
    terms, parts = d_terms(ctx, d_loss=partial(d_margin, margin=margin))
    ctx.report("fakes_below_margin", (parts["fake_logits"].detach() < margin).float().mean())
    return terms


def g_step(ctx):
    pt_weight = ctx.cfg.recipe_args["pt_weight"]
    terms, parts = g_terms(ctx, aux=bool(pt_weight))
    if pt_weight:
        pt = pulling_away(parts["fake_aux"])
        ctx.report("pulling_away", pt.detach())
        terms["pt"] = pt_weight * pt
    return terms


def _validate(cfg):
    from ..errors import GanforgeError

    if cfg.recipe_args["margin"] <= 0:
        raise GanforgeError(f"recipe_args.margin must be > 0 (the paper: 10 on MNIST), got {cfg.recipe_args['margin']}")
    if cfg.recipe_args["pt_weight"] < 0:
        raise GanforgeError(f"recipe_args.pt_weight must be ≥ 0 (a weight on the pulling-away term; 0 turns it off), "
                            f"got {cfg.recipe_args['pt_weight']}")
    if cfg.recipe_args["pt_weight"] and cfg.train.batch_size // cfg.train.world_size < 2:
        raise GanforgeError("the pulling-away term compares the samples of a batch: it needs ≥ 2 per device")


_CONV = {  # EBGAN's 64×64 models (Sec. 4.3 / App. C): a DCGAN generator, a convolutional auto-encoder
    "G": {"arch": "dcgan_generator", "args": {"ngf": 64}},
    "D": {"arch": "ebgan_conv_discriminator", "args": {"widths": [64, 128, 256], "energy": "l2"}},
    "z_dist": "normal",
    "recipe_args": {"margin": 10.0},  # 32×32: half the ℓ2 scale of the paper's 64×64 (CelebA m = 20)
}

# MNIST / Fashion-MNIST on a CPU: G at 800 units a layer (a point of the paper's own MNIST grid, sizeG ∈ {400, 800,
# 1600, 3200}; Fig. 9's 1600 costs 2.5× as much a step), the lr decaying linearly to 0 over the second half, 30,000
# steps: 40,000 (FID 5.6 with mnist-cnn) took 16.5 minutes alone on an Intel Xeon but 24.8 on a slower AMD EPYC; the
# same network at a constant lr scored 17.1 after 30,000 and Fig. 9's network 22.3 after 14,000
# (docs/paper-settings-energy.md)
_MNIST_STEPS = 30_000
_MNIST = {"G": {"args": {"hidden": [800, 800, 800, 800]}},
          "opt": {"D": DECAY_OVER_SECOND_HALF, "G": DECAY_OVER_SECOND_HALF}, "train": {"steps": _MNIST_STEPS}}

register_recipe(Recipe(
    name="ebgan",
    title="EBGAN-PT",
    paper="Zhao, Mathieu & LeCun, 2017, Energy-based Generative Adversarial Network",
    year=2017,
    url="https://arxiv.org/abs/1609.03126",
    defaults={
        "data": {"name": "mnist"},
        "G": {"arch": "mlp_generator", "args": {"hidden": [1600, 1600, 1600, 1600], "activation": "relu",
                                                "out_activation": "tanh", "batch_norm": True, "init_range": None,
                                                "out_bias_from_data": False}},
        "D": {"arch": "ebgan_mlp_discriminator", "args": {"hidden": [1024], "energy": "l2"}},
        "z_dim": 100, "z_dist": "normal",
        "loss": "energy",
        "opt": {"D": {"name": "adam", "lr": 1e-3, "betas": [0.5, 0.999]}, "G": {"name": "adam", "lr": 1e-3, "betas": [0.5, 0.999]}},
        "train": {"batch_size": 64, "steps": 14000},
    },
    args={"margin": 10.0, "pt_weight": 0.1},
    dataset_defaults={"mnist": _MNIST, "fashion-mnist": _MNIST, "cifar10": _CONV},
    d_step=d_step,
    g_step=g_step,
    after_d_update=None,
    validate=_validate,
    own_d_loss=True,
    test_overrides={"data": {"name": "digits"}, "G": {"args": {"hidden": [32, 32]}}, "D": {"args": {"hidden": [16]}},
                    "z_dim": 8},
    sources={
        "L_D = D(x) + [m − D(G(z))]⁺ per example; L_G = D(G(z)) + λ_PT·f_PT": "paper, Eq. 1, 2 and 14",
        "energy ‖Dec(Enc(x)) − x‖ (ℓ2 norm per image)": "paper, Eq. 13",
        "margin m = 10 on MNIST": "paper, Sec. 4.1 (\"throughout all experiments of EBGANs\")",
        "λ_PT = 0.1": "paper, Sec. 2.4",
        "MNIST nets fully connected; G 5 layers of 1600, D = 1-layer encoder of 1024 + 1-layer decoder":
            "paper, Sec. 4.1 grid and the configuration printed with Fig. 9 (nLayerG 5, sizeG 1600, nLayerD 2, "
            "sizeD 1024, no dropout)",
        "Adam, lr 0.001 for G and D": "paper, Sec. 4.1 (Table 1 grid)",
        "cifar10 preset: DCGAN G, auto-encoder (64)4c2s-(128)4c2s-(256)4c2s / (128)4c2s-(64)4c2s-(C)4c2s":
            "paper, App. C (64×64 models; not read in full here, see docs/paper-settings-energy.md)",
    },
    deviations=(
        "Adam's β = (0.5, 0.999) (DCGAN's, whose guidance the paper follows for its 64×64 models), z ~ N(0, I) of "
        "100 dims, batch 64 and 14,000 steps: the paper's text does not state them (its appendix C was not "
        "available to us). With Torch's default β1 = 0.9 instead, "
        "4,000 MNIST steps gave FID 246 and recall 0.000 against FID 59.5 and recall 0.22 with β1 = 0.5 (mnist-cnn "
        "features, 5,000 samples).",
        "G's hidden layers use batch norm and a tanh output on data in [−1, 1]; D's layers use PyTorch's default "
        "initialisation (the paper's appendix gives its own).",
        "The cifar10 preset runs the 64×64 architecture at 32×32 (three stride-2 stages to 4×4) with m = 10, half "
        "the CelebA margin, because the ℓ2 energy of a 32×32 image is about half that of a 64×64 one.",
        "pt_weight defaults to 0.1 (EBGAN-PT); --set recipe_args.pt_weight=0 gives the plain EBGAN of Eq. 2.",
        f"The MNIST / Fashion-MNIST preset (the CPU budget: at most 20 minutes alone on 2 cores) narrows G to 800 units a "
        f"layer, another point of the paper's grid, and runs {_MNIST_STEPS:,} steps "
        "with the lr decaying linearly to 0 over the second half (the paper states no schedule). Measured on MNIST "
        "(mnist-cnn, 10,000 samples): FID 6.7 and recall 0.72 (40,000 steps: 5.6 and 0.70) against 17.1 and 0.49 for "
        "the same network at a constant lr after 30,000 steps, and 22.3 and "
        "0.42 for Fig. 9's network (1600 units) at a constant lr after 14,000. Fig. 9's network on MNIST: --set "
        "G.args.hidden=[1600,1600,1600,1600] --set opt.D.schedule=constant --set opt.G.schedule=constant --steps 14000.",
    ),
))
