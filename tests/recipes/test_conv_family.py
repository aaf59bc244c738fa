"""Issue 5 parts: the LSGAN, Wasserstein and hinge losses in closed form, the gradient penalty
against a direct computation, spectral norm, weight clipping and the config's refusals."""

import pytest
import torch
from torch import nn

import ganforge
from ganforge.errors import GanforgeError
from ganforge.losses.hinge import d_hinge, g_hinge
from ganforge.losses.least_squares import CODINGS, d_least_squares, g_least_squares
from ganforge.losses.wasserstein import d_wasserstein, g_wasserstein
from ganforge.penalties import clip_weights_
from ganforge.penalties.gradient_penalty import gradient_penalty
from ganforge.recipes.base import resolve_config
from ganforge.registry import LOSSES
from ganforge.training.build import build_models

R = torch.tensor([2.0, -0.5, 0.3, 1.5], dtype=torch.float64)
F_ = torch.tensor([-1.0, 0.2, 0.8, -2.5], dtype=torch.float64)


@pytest.mark.parametrize("coding", sorted(CODINGS))
def test_least_squares_codings(coding):
    a, b, c = CODINGS[coding]
    fam = LOSSES.get(f"lsgan-{coding}")
    d = sum((r - b) ** 2 for r in R.tolist()) / 8 + sum((f - a) ** 2 for f in F_.tolist()) / 8
    g = sum((f - c) ** 2 for f in F_.tolist()) / 8
    assert fam.d_loss(real_logits=R, fake_logits=F_).item() == pytest.approx(d, rel=1e-12)
    assert fam.g_losses["least_squares"](fake_logits=F_).item() == pytest.approx(g, rel=1e-12)
    assert d_least_squares(real_logits=R, fake_logits=F_, a=a, b=b).item() == pytest.approx(d, rel=1e-12)
    assert g_least_squares(fake_logits=F_, c=c).item() == pytest.approx(g, rel=1e-12)


def test_pearson_coding_satisfies_the_papers_conditions():
    a, b, c = CODINGS["pearson"]
    assert b - c == 1 and b - a == 2  # Mao et al. Sec. 3.2: minimises the Pearson χ² divergence


def test_wasserstein_and_hinge():
    assert d_wasserstein(real_logits=R, fake_logits=F_).item() == pytest.approx(F_.mean().item() - R.mean().item())
    assert g_wasserstein(fake_logits=F_).item() == pytest.approx(-F_.mean().item())
    hinge = sum(max(0, 1 - r) for r in R.tolist()) / 4 + sum(max(0, 1 + f) for f in F_.tolist()) / 4
    assert d_hinge(real_logits=R, fake_logits=F_).item() == pytest.approx(hinge, rel=1e-12)
    assert g_hinge(fake_logits=F_).item() == pytest.approx(-F_.mean().item())


def test_gradient_penalty_matches_direct_computation():
    torch.manual_seed(0)
    D = nn.Sequential(nn.Flatten(), nn.Linear(12, 7), nn.Tanh(), nn.Linear(7, 1), nn.Flatten(0)).double()
    real, fake = torch.randn(5, 3, 2, 2, dtype=torch.float64), torch.randn(5, 3, 2, 2, dtype=torch.float64)
    gen_state = torch.get_rng_state()
    gp = gradient_penalty(D=D, real=real, fake=fake)
    torch.set_rng_state(gen_state)
    eps = torch.rand(5, 1, 1, 1, dtype=torch.float64)  # the same per-example ε the penalty drew
    expected = 0.0
    for i in range(5):
        x = (eps[i] * real[i] + (1 - eps[i]) * fake[i]).reshape(1, 3, 2, 2)
        jac = torch.autograd.functional.jacobian(lambda v: D(v).sum(), x)
        expected += (jac.norm() - 1) ** 2 / 5
    assert gp.item() == pytest.approx(expected.item(), rel=1e-10)
    # it back-propagates into D (double backward)
    gp.backward()
    assert D[1].weight.grad is not None and D[1].weight.grad.abs().sum() > 0


def test_gradient_penalty_of_a_linear_critic_is_closed_form():
    lin = nn.Linear(6, 1, bias=True).double()
    D = lambda x: lin(x.flatten(1)).squeeze(1)  # noqa: E731  ∇_x D = w everywhere
    gp = gradient_penalty(D=D, real=torch.randn(9, 6, dtype=torch.float64), fake=torch.randn(9, 6, dtype=torch.float64))
    assert gp.item() == pytest.approx((lin.weight.norm().item() - 1) ** 2, rel=1e-10)


def test_spectral_norm_keeps_sigma_near_one():
    cfg = resolve_config("sngan", sets=["data.name=digits", "data.image_size=16", "G.args.ch=8", "D.args.ch=8"])
    _, D = build_models(cfg, (1, 16, 16))
    D.train()
    x = torch.randn(8, 1, 16, 16)
    for _ in range(30):  # power iterations run in training-mode forwards
        D(x)
    layers = [m for m in D.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert layers and all(hasattr(m, "parametrizations") for m in layers)
    for m in layers:
        w = m.weight.detach().reshape(m.weight.shape[0], -1)
        sigma = torch.linalg.matrix_norm(w, ord=2).item()
        assert sigma == pytest.approx(1.0, abs=0.05), (m, sigma)


def test_weight_clipping():
    m = nn.Linear(4, 4)
    with torch.no_grad():
        m.weight.mul_(100)
    clip_weights_(m, 0.01)
    assert m.weight.abs().max() <= 0.01 and m.bias.abs().max() <= 0.01


def test_refusals():
    with pytest.raises(GanforgeError, match="reads D as a probability"):
        resolve_config("gan", sets=["d_clip=0.01"])
    with pytest.raises(GanforgeError, match="batch norm"):
        cfg = resolve_config("wgan-gp", sets=["G.arch=dcgan_generator", "D.arch=dcgan_discriminator",
                                              "D.args.norm=batch"])
        build_models(cfg, (3, 32, 32))
    with pytest.raises(GanforgeError, match="unknown penalty"):
        resolve_config("gan", sets=["d_penalties.r3=1"])


def test_any_loss_with_any_backbone():
    cfg = resolve_config("gan", sets=["loss=hinge"])
    assert cfg.loss == "hinge" and cfg.g_objective is None
    cfg = resolve_config("dcgan", sets=["loss=wasserstein", "d_penalties.gp=10", "D.args.norm=layer"])
    G, D = build_models(cfg, (1, 32, 32))
    assert D(G(torch.randn(2, cfg.z_dim))).shape == (2,)
    cfg = resolve_config("wgan", sets=["loss=lsgan-pearson", "d_clip=null"])
    assert cfg.d_clip is None


@pytest.mark.parametrize("recipe", ["dcgan", "lsgan", "wgan", "wgan-gp", "sngan"])
def test_every_conv_recipe_runs_on_point_data(recipe, tmp_path):
    """Any loss with any backbone: the image recipes' losses and regularisers on toy MLPs."""
    import json
    import math

    import ganforge

    ganforge.train(recipe, data="ring-2d", steps=3, out=tmp_path / recipe, console=False,
                   set=["train.batch_size=32", "train.log_every=3", "train.threads=1", "G.args.hidden=[16]",
                        "D.args.hidden=[16]"])
    rec = [json.loads(x) for x in open(tmp_path / recipe / "metrics.jsonl")][-1]
    assert math.isfinite(rec["d_loss"]) and math.isfinite(rec["g_loss"]) and "modes_covered" in rec


def test_flop_count_of_a_linear_step():
    from ganforge.training.flops import CountFlops

    lin = nn.Linear(30, 20)
    x = torch.randn(8, 30)
    with CountFlops() as c:
        lin(x).sum().backward()
    # forward 2·8·30·20; backward: grad wrt W (2·8·30·20); x needs no grad
    assert c.total == 2 * (2 * 8 * 30 * 20)


def test_r1_penalty_closed_form_and_training():
    """R1 of a linear critic D(x) = wᵀx + b is ‖w‖² for every x (Mescheder et al. 2018, Eq. 9)."""
    from ganforge.penalties.r1 import r1_penalty

    lin = nn.Linear(6, 1)
    D = lambda x: lin(x).squeeze(1)  # noqa: E731
    r1 = r1_penalty(D=D, real=torch.randn(5, 6))
    assert r1.item() == pytest.approx(lin.weight.pow(2).sum().item(), rel=1e-6)
    r1.backward()
    torch.testing.assert_close(lin.weight.grad, 2 * lin.weight.detach())
    with pytest.raises(GanforgeError, match="r1"):  # batch norm in D breaks per-example gradients
        ganforge.train("dcgan", data="digits", steps=1, set=["d_penalties.r1=5", "data.image_size=16"], console=False)
