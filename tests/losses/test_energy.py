"""Closed-form checks of EBGAN's margin loss and BEGAN's equilibrium (Zhao et al. 2017, Eq. 1–2;
Berthelot et al. 2017, Eq. 4 and Sec. 3.4)."""

import pytest
import torch

from ganforge.losses.energy import convergence_measure, d_boundary_equilibrium, d_margin, equilibrium_update, g_energy

REAL = torch.tensor([0.5, 1.0, 2.0, 4.0], dtype=torch.float64)
FAKE = torch.tensor([1.0, 3.0, 12.0, 30.0], dtype=torch.float64)


def test_margin_loss_is_real_energy_plus_per_example_hinge():
    m = 10.0
    expected = REAL.mean().item() + ((10 - 1) + (10 - 3) + 0 + 0) / 4  # fakes above m add nothing
    assert d_margin(real_logits=REAL, fake_logits=FAKE, margin=m).item() == pytest.approx(expected, rel=1e-12)


def test_margin_loss_zero_region_has_no_gradient_from_fakes():
    fake = FAKE.clone().requires_grad_(True)
    d_margin(real_logits=REAL, fake_logits=fake, margin=10.0).backward()
    # d/dD(G(z)) of [m − D(G(z))]⁺ / N: −1/N inside the margin, 0 beyond it
    assert fake.grad.tolist() == pytest.approx([-0.25, -0.25, 0.0, 0.0])
    fake2 = FAKE.clone().requires_grad_(True)
    assert d_margin(real_logits=torch.zeros(4), fake_logits=fake2, margin=0.5).item() == 0.0


def test_g_energy_is_mean_fake_energy():
    assert g_energy(fake_logits=FAKE).item() == pytest.approx(46 / 4)


def test_boundary_equilibrium_loss_and_k_not_differentiated():
    k = torch.tensor(0.3, requires_grad=True)
    loss = d_boundary_equilibrium(real_logits=REAL, fake_logits=FAKE, k=k)
    assert loss.item() == pytest.approx(REAL.mean().item() - 0.3 * FAKE.mean().item())
    assert not loss.requires_grad  # k_t is a controller state, not a parameter


@pytest.mark.parametrize("k, real, fake, gamma, lam, expected", [
    (0.0, 0.2, 0.05, 0.5, 0.001, 0.0 + 0.001 * (0.1 - 0.05)),  # G ahead of equilibrium: k grows
    (0.5, 0.2, 0.3, 0.5, 0.001, 0.5 + 0.001 * (0.1 - 0.3)),  # fakes too hard for D: k shrinks
    (0.0, 0.2, 0.3, 0.5, 0.001, 0.0),  # clipped at 0
    (0.9995, 0.2, 0.0, 0.5, 0.01, 1.0),  # clipped at 1
])
def test_k_update_with_clipping(k, real, fake, gamma, lam, expected):
    k_t = torch.tensor(k, dtype=torch.float64)
    new = equilibrium_update(k_t, real_loss=torch.tensor(real, dtype=torch.float64),
                             fake_loss=torch.tensor(fake, dtype=torch.float64), gamma=gamma, lambda_k=lam)
    assert new.item() == pytest.approx(expected, abs=1e-15)
    assert k_t.item() == k  # the old value is left alone (it is saved in D's graph)


def test_convergence_measure():
    m = convergence_measure(real_loss=torch.tensor(0.2), fake_loss=torch.tensor(0.3), gamma=0.5)
    assert m.item() == pytest.approx(0.2 + abs(0.1 - 0.3))
    at_equilibrium = convergence_measure(real_loss=torch.tensor(0.2), fake_loss=torch.tensor(0.1), gamma=0.5)
    assert at_equilibrium.item() == pytest.approx(0.2)
