"""Closed-form checks of the minimax losses (Goodfellow et al. 2014, Eq. 1)."""

import math

import pytest
import torch

from ganforge.errors import GanforgeError
from ganforge.losses.minimax import d_minimax, g_non_saturating, g_saturating, minimax_stats
from ganforge.registry import LOSSES

LOGITS = torch.tensor([-3.0, -0.5, 0.0, 0.7, 4.0], dtype=torch.float64)


def sig(x):
    return 1 / (1 + math.exp(-x))


def test_d_minimax_equals_formula():
    real, fake = LOGITS, LOGITS.flip(0)
    expected = -sum(math.log(sig(r)) + math.log(1 - sig(f)) for r, f in zip(real.tolist(), fake.tolist())) / 5
    assert d_minimax(real_logits=real, fake_logits=fake).item() == pytest.approx(expected, rel=1e-12)


def test_g_losses_equal_formulas():
    sat = sum(math.log(1 - sig(f)) for f in LOGITS.tolist()) / 5
    ns = -sum(math.log(sig(f)) for f in LOGITS.tolist()) / 5
    assert g_saturating(fake_logits=LOGITS).item() == pytest.approx(sat, rel=1e-12)
    assert g_non_saturating(fake_logits=LOGITS).item() == pytest.approx(ns, rel=1e-12)


def test_value_is_minus_d_loss_and_equilibrium():
    # at D = 1/2 everywhere, V = -log 4 (Theorem 1's global minimum of C(G))
    zero = torch.zeros(7, dtype=torch.float64)
    stats = minimax_stats(real_logits=zero, fake_logits=zero)
    assert stats["value"].item() == pytest.approx(-math.log(4), rel=1e-6)
    assert stats["d_real"].item() == 0.5 and stats["d_fake"].item() == 0.5
    real, fake = LOGITS, LOGITS + 1
    assert minimax_stats(real_logits=real, fake_logits=fake)["value"].item() == pytest.approx(
        -d_minimax(real_logits=real, fake_logits=fake).item(), rel=1e-6)


def _grad(fn, logit):
    x = torch.tensor([logit], dtype=torch.float64, requires_grad=True)
    fn(fake_logits=x).backward()
    return x.grad.item()


def test_saturating_vs_non_saturating_gradients():
    """Same fixed point, different gradients when D confidently rejects fakes (D(G(z)) → 0).

    d/dl log(1 - σ(l)) = -σ(l) → 0 as l → -∞ (saturates); d/dl -log σ(l) = σ(l) - 1 → -1.
    """
    for logit in (-2.0, -8.0, -15.0):
        s = sig(logit)
        assert _grad(g_saturating, logit) == pytest.approx(-s, rel=1e-9)
        assert _grad(g_non_saturating, logit) == pytest.approx(s - 1, rel=1e-9)
    assert abs(_grad(g_saturating, -15.0)) < 1e-6
    assert abs(_grad(g_non_saturating, -15.0)) > 0.99
    # both push the same way (raise D(G(z))) and both are minimised by making D(G(z)) large
    assert _grad(g_saturating, 0.0) < 0 and _grad(g_non_saturating, 0.0) < 0


def test_families_are_registered_with_both_objectives():
    fam = LOSSES.get("minimax")
    assert fam.default_g == "non_saturating"
    assert set(fam.g_losses) == {"saturating", "non_saturating"}
    for name, family in LOSSES.items():
        x = torch.randn(6)
        if family.extra.get("d_loss_from_recipe"):  # its D loss needs the recipe's parameter (EBGAN's m, BEGAN's k_t)
            with pytest.raises(GanforgeError, match="only a recipe's own D step supplies"):
                family.d_loss(real_logits=x, fake_logits=-x)
        else:
            assert torch.isfinite(family.d_loss(real_logits=x, fake_logits=-x))
        for g in family.g_losses.values():
            # a relativistic G loss also reads D's scores of reals (RpGAN)
            assert torch.isfinite(g(fake_logits=x, **({"real_logits": -x} if family.relativistic else {})))
