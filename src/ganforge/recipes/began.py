"""BEGAN: Berthelot, Schumm & Metz, "BEGAN: Boundary Equilibrium Generative Adversarial
Networks", 2017.

D is an auto-encoder; L(v) = |v − D(v)| its pixel-wise L1 reconstruction loss. D minimises
L(x) − k_t·L(G(z)), G minimises L(G(z)) (Eq. 4), and a proportional controller keeps the game at
E[L(G(z))] = γ·E[L(x)]: k_{t+1} = clip(k_t + λ_k(γ L(x) − L(G(z))), 0, 1), k_0 = 0. The diversity
ratio γ trades variety (high γ) for sharpness (low γ). M_global = L(x) + |γ L(x) − L(G(z))|
measures convergence (Sec. 3.4.1) and is logged as ``m_global``; k_t is logged as ``k`` and
checkpointed. Both players are updated together from one batch and one z, as in
carpedm20/BEGAN-tensorflow (the implementation the paper's results are usually compared with);
``update_order: alternating`` (the MNIST preset) updates D, then G, as the public MNIST BEGANs do,
k_t moving on the energies of D's step.
"""

from functools import partial

import torch

from ..losses.energy import convergence_measure, d_boundary_equilibrium, equilibrium_update
from ..training.players import Player, Simultaneous
from .base import Recipe, register_recipe
from .steps import d_terms, d_terms_on, g_terms_on, standard_g_step


def _control(ctx, parts) -> None:
    """k_t moves towards the equilibrium on this step's energies; k_t and M_global are reported."""
    gamma, lambda_k = ctx.cfg.recipe_args["gamma"], ctx.cfg.recipe_args["lambda_k"]
    # the whole batch's L(x), L(G(z)) (under DDP each rank sees a slice; k_t must stay one number)
    real_loss, fake_loss = ctx.global_mean(torch.stack([parts["real_logits"].mean(), parts["fake_logits"].mean()]))
    k = ctx.state["k"]
    ctx.report("k", k)
    ctx.report("m_global", convergence_measure(real_loss=real_loss, fake_loss=fake_loss, gamma=gamma))
    # a new tensor: the old k_t is saved in the D loss's graph
    ctx.state["k"] = equilibrium_update(k, real_loss=real_loss, fake_loss=fake_loss, gamma=gamma, lambda_k=lambda_k)


def step(ctx):
    """One batch, one z: D's and G's losses from the same D pass; then k_t moves."""
    real, _ = ctx.batch()
    lat = ctx.latent()
    fake = ctx.generate(lat)
    d, parts = d_terms_on(ctx, real, None, fake, lat, d_loss=partial(d_boundary_equilibrium, k=ctx.state["k"]))
    g = g_terms_on(ctx, fake, parts["fake_logits"], adv=parts["fake_logits"].mean())
    _control(ctx, parts)
    return {"D": d, "G": g}


def d_step(ctx):
    """Alternating updates: D descends L(x) − k_t·L(G(z)) on a real batch and fresh fakes; k_t
    then moves on those energies. G's step (the energy family's L(G(z))) follows."""
    d, parts = d_terms(ctx, d_loss=partial(d_boundary_equilibrium, k=ctx.state["k"]))
    _control(ctx, parts)
    return d


def players(cfg):
    if cfg.update_order == "alternating":  # the public MNIST BEGANs: D, then G, then k
        return [Player("D", ("D",), d_step), Player("G", ("G",), standard_g_step)]
    return [Simultaneous([Player("D", ("D",), None), Player("G", ("G",), None)], step)]


def initial_state(cfg):
    return {"k": torch.tensor(float(cfg.recipe_args["k0"]))}


def _validate(cfg):
    from ..errors import GanforgeError

    a = cfg.recipe_args
    if not 0.0 <= a["gamma"] <= 1.0:
        raise GanforgeError(f"recipe_args.gamma (the diversity ratio γ) must be in [0, 1], got {a['gamma']}")
    if not 0.0 <= a["k0"] <= 1.0:
        raise GanforgeError(f"recipe_args.k0 must be in [0, 1] (k_t is clipped there), got {a['k0']}")
    if a["lambda_k"] < 0:
        raise GanforgeError(f"recipe_args.lambda_k must be ≥ 0, got {a['lambda_k']}")
    if cfg.d_steps != 1 or cfg.g_steps != 1:
        raise GanforgeError("began moves k_t once per D and G update: d_steps and g_steps must be 1")


# β = (0.9, 0.999): TensorFlow's Adam defaults, which carpedm20's trainer runs (it defines --beta1 0.5 but
# builds AdamOptimizer(lr) without it)
_OPT = {"name": "adam", "lr": 1e-4, "betas": [0.9, 0.999], "schedule": "step", "lr_decay": 2.0,
        "decay_every": 100000, "lr_min": 2e-5}
# CPU scale: 32×32, n = 16 filters (paper: 64×64, n = 128); channels-last convolutions ran 1.2-2× faster here;
# 12,000 steps, about 10 minutes alone at ~50 ms per step (the recipe's 500,000 would take days)
_SMALL = {"data": {"image_size": [32, 32]}, "G": {"args": {"n": 16}}, "D": {"args": {"n": 16}},
          "train": {"steps": 12000, "channels_last": True}}

# MNIST / Fashion-MNIST: the recipe's networks drew blank images, then 1s, at every γ (docs/paper-settings-energy.md);
# the preset is the public MNIST BEGAN of hwalsuklee/tensorflow-generative-model-collections (BEGAN.py), whose
# samples are digits: InfoGAN's generator (62-d z ~ U[−1, 1], sigmoid), the one-convolution auto-encoder with a
# 32-unit batch-normalised code, batch 64, Adam β1 = 0.5 with D at 2e-4 and G at 1e-3, γ = 0.75, D then G in turn.
# Its energy is the L2 norm of the whole batch's residual over the batch size, ‖X − D(X)‖ / B; here each example's
# ‖x − D(x)‖ averaged, about √B = 8 times larger, so λ_k is 0.001 / 8 for the same pace of k_t
_MNIST = {"data": {"image_size": None},
          "G": {"arch": "infogan_generator", "args": {"n_categorical": 0, "n_continuous": 0}},
          "D": {"arch": "began_small_discriminator", "args": {"energy": "l2"}},
          "z_dim": 62, "z_dist": "uniform", "update_order": "alternating",
          "opt": {"D": {"lr": 2e-4, "betas": [0.5, 0.999], "schedule": "constant"},
                  "G": {"lr": 1e-3, "betas": [0.5, 0.999], "schedule": "constant"}},
          "recipe_args": {"gamma": 0.75, "lambda_k": 0.001 / 8},
          "train": {"batch_size": 64, "steps": 10000}}
# 13,000 steps (FID 9.2 on MNIST) took 17.1 minutes alone on an Intel Xeon but 24.0 on a slower AMD EPYC, hence 10,000

register_recipe(Recipe(
    name="began",
    title="BEGAN",
    paper="Berthelot, Schumm & Metz, 2017, BEGAN: Boundary Equilibrium Generative Adversarial Networks",
    year=2017,
    url="https://arxiv.org/abs/1703.10717",
    defaults={
        "data": {"name": "cifar10", "image_size": [64, 64]},
        "G": {"arch": "began_generator", "args": {"n": 128, "repeats": 2, "out_bias_from_data": True}},
        "D": {"arch": "began_discriminator", "args": {"n": 128, "h": 64, "repeats": 2, "energy": "l1"}},
        "z_dim": 64, "z_dist": "uniform",
        "loss": "energy", "update_order": "simultaneous",
        "opt": {"D": _OPT, "G": _OPT}, "train": {"batch_size": 16, "steps": 500000},
    },
    args={"gamma": 0.5, "lambda_k": 0.001, "k0": 0.0},
    dataset_defaults={"mnist": _MNIST, "fashion-mnist": _MNIST, "cifar10": _SMALL},
    players=players,
    initial_state=initial_state,
    validate=_validate,
    own_d_loss=True,
    test_overrides={"data": {"name": "digits", "image_size": [16, 16]}, "G": {"args": {"n": 8}},
                    "D": {"args": {"n": 8, "h": 8}}, "z_dim": 8},
    sources={
        "L(v) = |v − D(v)| (η = 1), L_D = L(x) − k_t L(G(z)), L_G = L(G(z))": "paper, Eq. 1 and 4",
        "k_{t+1} = clip(k_t + λ_k(γL(x) − L(G(z))), 0, 1), k_0 = 0, λ_k = 0.001": "paper, Sec. 3.4",
        "γ = 0.5 (the paper shows 0.3 to 0.7)": "paper, Sec. 3.4 and Fig. 2; carpedm20 default",
        "M_global = L(x) + |γL(x) − L(G(z))|": "paper, Sec. 3.4.1",
        "3×3 convs with ELU, 2 per scale, stride-2 down-sampling, nearest up-sampling, widths n, 2n, 3n, ...; "
        "G = decoder with its own weights; linear embedding h": "paper, Sec. 3.5 and Fig. 1",
        "N_h = N_z = 64, z ~ U[−1, 1], batch 16, Adam lr 1e-4": "paper, Sec. 3.5 and 4.1",
        "n = 128, 64×64 input, 500k steps, lr halved every 100k steps with floor 2e-5, "
        "pixel-mean L1, no tanh on G, both players from one batch and one z": "carpedm20/BEGAN-tensorflow "
        "(config.py, trainer.py, models.py)",
        "Adam β = (0.9, 0.999) (the paper states none)": "carpedm20/BEGAN-tensorflow trainer.py builds "
        "tf.train.AdamOptimizer(lr), so TensorFlow's defaults ran; its --beta1 0.5 flag is never passed",
        "MNIST / Fashion-MNIST preset: InfoGAN's generator with a 62-d z ~ U[−1, 1], the auto-encoder "
        "(64)4c2s-FC32_BR-FC64*14*14_BR-(1)4dc2s_S, an L2 energy, batch 64, Adam β1 = 0.5 with D at 2e-4 and G at "
        "1e-3, γ = 0.75, λ_k = 0.001, D then G then k_t in turn": "hwalsuklee/tensorflow-generative-model-"
        "collections BEGAN.py (the paper has no MNIST experiment)",
    },
    deviations=(
        "The learning rate halves every 100,000 steps (floor 2e-5) as carpedm20/BEGAN-tensorflow does, instead "
        "of the paper's \"when the measure of convergence stalls\", which it does not define.",
        "The paper trains on 360K celebrity faces (not public). An image folder (--data DIR, e.g. faces) trains at "
        "the paper's 64×64 with n = 128; cifar10 (the default) has a CPU preset: 32×32, n = 16 filters and 12,000 "
        "steps (about 20 steps/s on 2 CPU cores).",
        "MNIST / Fashion-MNIST (the paper has none): the preset is the public MNIST BEGAN of hwalsuklee's collection, "
        "not the paper's networks, which on MNIST drew blank images, then 1s, at every γ tried. Where it differs "
        "from that code: its energy is the L2 norm of the whole batch's residual over the batch size, here each "
        "example's L2 norm averaged (about √64 = 8 times larger, so λ_k is 0.001 / 8); k_t moves on the energies of "
        "D's step (that code: a third pass after both updates); G draws a fresh z (that code: D's z); 10,000 steps, "
        "the CPU budget (that code: 20 epochs, 18,740). With the pixel-mean L1 energy instead, all else that code's, "
        "G collapsed (FID 227, recall 0.005 after 3,000 steps; docs/paper-settings-energy.md).",
        "G's output bias starts at the data's mean value per channel (out_bias_from_data; MNIST: −0.74). With "
        "zero-centred data such as faces this is ≈ 0, as in carpedm20; on MNIST, without it, G's first samples "
        "are grey, the auto-encoder soon reconstructs them worse than real digits, k_t falls to 0 and stays there, "
        "and G collapses to a single image (measured here at γ = 0.5, n = 16, as carpedm20's issue #12 reports).",
        "Glorot-uniform weights and zero biases (TensorFlow slim's defaults used by carpedm20; the paper does not "
        "state an initialisation). The optional skip connections and vanishing residuals of Sec. 3.5.1 are not "
        "implemented.",
    ),
))
