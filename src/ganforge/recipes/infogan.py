"""InfoGAN: Chen et al., "InfoGAN: Interpretable Representation Learning by Information
Maximizing Generative Adversarial Nets", NeurIPS 2016.

G is fed noise z and latent codes c; a network Q, sharing D's convolutional trunk, predicts c
from G(z, c). Both players add λ·L_I, the negative log-likelihood of c under Q (a lower bound
on the mutual information I(c; G(z, c)), Eq. 4-6), to their losses. As in the authors' code,
Q belongs to the D player (one optimiser for D and Q); G's player updates G alone.
"""

import torch

from ..penalties.mutual_information import info_loss, mi_lower_bound
from ..training.latent import code_sweep
from ..training.players import Player
from .base import Recipe, register_recipe
from .steps import d_terms, g_terms, standard_after_d_update

# recipe_args: lambda_info, λ on L_I (paper, Sec. 7 / released code: info_reg_coeff = 1.0); cont_weight, the weight
# of the continuous codes' term inside L_I (released MNIST run: 1; the paper, Sec. 7: "for continuous latent codes,
# λ is typically set smaller")
ARGS = {"lambda_info": 1.0, "cont_weight": 1.0}


def _codes(ctx, lat):
    spec = ctx.latent_spec
    cat = lat[spec.categorical[0].name] if spec.categorical else None
    cont = torch.cat([lat[c.name] for c in spec.continuous], dim=1) if spec.continuous else None
    return cat, cont


def _info(ctx, fake_features, lat, who):
    q = ctx.nets["Q"](fake_features)
    c_cat, c_cont = _codes(ctx, lat)
    args = ctx.cfg.recipe_args
    loss = info_loss(q=q, c_cat=c_cat, c_cont=c_cont, cont_weight=float(args["cont_weight"]))
    if c_cat is not None and who == "D":
        ctx.report("mi_lower_bound", mi_lower_bound(q=q, c_cat=c_cat, n_categorical=ctx.latent_spec.categorical[0].dim))
    return float(args["lambda_info"]) * loss


def d_step(ctx):
    terms, p = d_terms(ctx, aux=True)  # aux: D's trunk features, which Q reads
    terms["info"] = _info(ctx, p["fake_aux"], p["lat"], "D")
    return terms


def g_step(ctx):
    terms, p = g_terms(ctx, aux=True)
    with ctx.frozen("Q"):  # as in the released code, G's optimiser updates G alone
        terms["info"] = _info(ctx, p["fake_aux"], p["lat"], "G")
    return terms


def players(cfg):
    return [Player("D", ("D", "Q"), d_step, cfg.d_steps, standard_after_d_update),
            Player("G", ("G",), g_step, cfg.g_steps)]


def q_reads_d_features(name, nets):
    """Q is built after D and reads D's trunk features: their width is D's ``features``."""
    return {"in_features": nets["D"].features} if name == "Q" else {}


def figure2_grid(latent, n_grid, gen):
    """The training preview: the paper's Figure 2 layout for the first continuous code."""
    return code_sweep(latent, None, gen)


def _validate(cfg):
    from ..errors import GanforgeError

    for key in ARGS:
        if not float(cfg.recipe_args[key]) >= 0.0:
            raise GanforgeError(f"recipe_args.{key} must be ≥ 0, got {cfg.recipe_args[key]}")


def check_q(nets, cfg, data_shape, latent):
    from ..training.build import check_shapes

    check_shapes(nets, cfg, data_shape, latent)
    from ..errors import GanforgeError

    if not latent.codes:
        raise GanforgeError("infogan needs latent codes (codes: [{name: cat, kind: categorical, dim: 10}, ...])")
    if len(latent.categorical) > 1:
        raise GanforgeError("this infogan recipe takes at most one categorical code (its Q has one softmax head); "
                            "use continuous codes for the rest")


register_recipe(Recipe(
    name="infogan",
    title="InfoGAN",
    paper="Chen et al., 2016, InfoGAN: Interpretable Representation Learning by Information Maximizing GANs",
    year=2016,
    url="https://arxiv.org/abs/1606.03657",
    defaults={
        "data": {"name": "mnist"},
        "G": {"arch": "infogan_generator", "args": {}},
        "D": {"arch": "infogan_discriminator", "args": {}},
        "nets": {"Q": {"arch": "infogan_q", "args": {}}},
        "z_dim": 62, "z_dist": "uniform",
        "codes": [{"name": "cat", "kind": "categorical", "dim": 10},
                  {"name": "cont1", "kind": "uniform", "dim": 1},
                  {"name": "cont2", "kind": "uniform", "dim": 1}],
        "loss": "minimax", "g_objective": "non_saturating",
        "opt": {"D": {"name": "adam", "lr": 2e-4, "betas": [0.5, 0.999]}, "G": {"name": "adam", "lr": 1e-3, "betas": [0.5, 0.999]}},
        "train": {"batch_size": 128, "steps": 5000},
    },
    # MNIST / Fashion-MNIST on a CPU: 3,000 of the released 5,000 iterations (19.3 minutes alone on 2 cores, measured)
    dataset_defaults={"mnist": {"train": {"steps": 3000, "channels_last": True}},
                      "fashion-mnist": {"train": {"steps": 3000, "channels_last": True}}},
    args=ARGS,
    validate=_validate,
    players=players,
    preview=figure2_grid,
    check_networks=check_q,
    network_args=q_reads_d_features,
    test_overrides={"data": {"name": "digits"}, "G": {"args": {"fc_width": 32, "base_channels": 8, "up_channels": 8}},
                    "D": {"args": {"fc_width": 32}}, "nets": {"Q": {"args": {"hidden": 16}}},
                    "z_dim": 8},
    sources={
        "62 noise dims U[−1, 1]; codes: Cat(10), two U[−1, 1]; G input 74 (noise, one-hot, codes)":
            "paper, App. C.1 / Sec. 7.2; released run_mnist_exp.py (noise law)",
        "G: FC 1024 → FC 7·7·128 → 4×4 upconv 64 → 4×4 upconv 1, BN and ReLU, sigmoid": "paper, App. C.1, Table 1",
        "D: 4×4 conv 64 → 4×4 conv 128 BN → FC 1024 BN → FC 1, lReLU": "paper, App. C.1, Table 1",
        "Q shares D's trunk: FC 128 BN lReLU → code parameters": "paper, App. C.1, Table 1",
        "λ = 1 on L_I in both players' losses": "paper, App. C; released infogan_trainer.py (info_reg_coeff)",
        "Adam, D lr 2e-4, G lr 1e-3": "paper, App. C",
        "β1 = 0.5, batch 128, Q trained by D's optimiser": "released code (run_mnist_exp.py, infogan_trainer.py)",
        "continuous codes: Gaussian posterior with std fixed to 1": "released code (Uniform(1, fix_std=True))",
        "non-saturating G loss, 1 D step per G step": "released infogan_trainer.py",
        "5,000 iterations (50 epochs of 100 updates)": "released run_mnist_exp.py (max_epoch, updates_per_epoch)",
    },
    deviations=(
        "LeakyReLU slope 0.1 as the paper states (the released code's leaky_rectify uses 0.01).",
        "Q's std for the continuous codes is fixed at 1 as the released MNIST run does (the paper's App. C "
        "describes a learned std).",
        "Convolution weights N(0, 0.02) (the released code truncates the normal at 2σ).",
        "L_I keeps the ½·log 2π constant of the Gaussian term (as the released code); it changes no gradient.",
        "mnist and fashion-mnist run 3,000 iterations instead of the released 5,000, to finish within 20 minutes "
        "alone on 2 CPU cores (the result in docs/results/mnist.md).",
    ),
))
