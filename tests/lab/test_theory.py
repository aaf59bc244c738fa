"""The 2014 paper's theory as numbers: D*, JSD, C(G), mode coverage, and the probe."""

import math

import pytest
import torch
from torch import nn

import ganforge  # noqa: F401
from ganforge.config import DataConfig
from ganforge.data.base import load_data
from ganforge.theory import measures as theory
from ganforge.theory.probe import TheoryProbe


def _normal_pdf(x, mu, s):
    return torch.exp(-0.5 * ((x - mu) / s) ** 2) / (s * math.sqrt(2 * math.pi))


def test_optimal_discriminator_closed_form():
    # p_data = N(0,1), p_g = N(1,1): D*(x) = 1 / (1 + exp(x − ½)) = sigmoid(½ − x)
    x = torch.linspace(-4, 5, 1001, dtype=torch.float64)
    d_star = theory.optimal_discriminator(_normal_pdf(x, 0, 1), _normal_pdf(x, 1, 1))
    assert torch.allclose(d_star, torch.sigmoid(0.5 - x), atol=1e-12)
    # p_g = p_data gives D* = ½ everywhere (the equilibrium)
    assert torch.allclose(theory.optimal_discriminator(_normal_pdf(x, 0, 1), _normal_pdf(x, 0, 1)),
                          torch.full_like(x, 0.5))
    assert torch.isnan(theory.optimal_discriminator(torch.zeros(1), torch.zeros(1))).all()


def test_estimated_d_star_matches_closed_form_for_known_p_g():
    # the estimator the probe uses: exact p_data cell masses, p_g from a histogram of samples
    edges = theory.grid_edges([(-4.0, 5.0)], 90)
    e = edges[0]
    cdf = lambda mu: 0.5 * (1 + torch.erf((e - mu) / math.sqrt(2)))  # noqa: E731
    p_data = cdf(0.0)[1:] - cdf(0.0)[:-1]
    g_samples = 1.0 + torch.randn(400_000, 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    p_g, _ = theory.histogram(g_samples, edges)
    d_hat = theory.optimal_discriminator(p_data, p_g)
    centres = theory.cell_centres(edges)[:, 0]
    core = (centres > -1.5) & (centres < 2.5)
    assert (d_hat[core] - torch.sigmoid(0.5 - centres[core])).abs().max() < 0.03


def test_jsd_limits_and_criterion():
    p = torch.tensor([0.2, 0.3, 0.5])
    assert theory.jsd(p, p) == pytest.approx(0.0, abs=1e-12)
    assert theory.jsd(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])) == pytest.approx(math.log(2))
    assert theory.virtual_criterion(0.0) == pytest.approx(-math.log(4))
    assert theory.virtual_criterion(math.log(2)) == pytest.approx(0.0, abs=1e-12)  # C(G) ≤ 0


def test_binned_jsd_matches_numerical_integral():
    from scipy import integrate

    def pdf(x, mu):
        return math.exp(-0.5 * (x - mu) ** 2) / math.sqrt(2 * math.pi)

    def integrand(x):
        p, q = pdf(x, 0), pdf(x, 1)
        m = (p + q) / 2
        return 0.5 * p * math.log(p / m) + 0.5 * q * math.log(q / m)

    exact, _ = integrate.quad(integrand, -12, 13)
    edges = theory.grid_edges([(-8.0, 9.0)], 4000)
    e = edges[0]
    mass = lambda mu: (0.5 * (1 + torch.erf((e - mu) / math.sqrt(2))))  # noqa: E731
    p, q = mass(0)[1:] - mass(0)[:-1], mass(1)[1:] - mass(1)[:-1]
    assert theory.jsd(p, q) == pytest.approx(exact, abs=1e-5)
    assert theory.jsd(p, q) <= exact + 1e-9  # binning can only lower it


def test_histogram_counts_outside_mass():
    edges = theory.grid_edges([(0.0, 1.0), (0.0, 1.0)], 2)
    pts = torch.tensor([[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [2.0, 0.5]])
    mass, outside = theory.histogram(pts, edges)
    assert outside == 0.25
    assert mass.tolist() == [[0.25, 0.0], [0.25, 0.25]]  # [x cell, y cell]


def test_mode_stats():
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    g = torch.Generator().manual_seed(0)
    good = centres.repeat(500, 1) + 0.1 * torch.randn(2000, 2, generator=g)
    s = theory.mode_stats(good, centres, 0.1)
    assert s["modes_covered"] == 4 and s["modes_total"] == 4
    assert 0.97 < s["hq_share"] <= 1.0 and s["mode_kl"] < 1e-3
    collapsed = 0.1 * torch.randn(2000, 2, generator=g)
    s = theory.mode_stats(collapsed, centres, 0.1)
    assert s["modes_covered"] == 1 and s["mode_kl"] == pytest.approx(math.log(4))
    assert s["missing_modes"] == [1, 2, 3]
    far = torch.full((100, 2), 5.0)
    s = theory.mode_stats(far, centres, 0.1)
    assert s["hq_share"] == 0 and s["modes_covered"] == 0 and s["mode_kl"] is None


class _Sampler(nn.Module):
    """A 'generator' whose law is known: it ignores z and returns fixed points."""

    def __init__(self, points, z_dim=1):
        super().__init__()
        self.points, self.z_dim, self.z_dist = points, z_dim, "normal"
        self.w = nn.Parameter(torch.zeros(1))

    def forward(self, z):
        return self.points[: z.shape[0]] + 0 * self.w


class _ConstD(nn.Module):
    def __init__(self, logit=0.0):
        super().__init__()
        self.logit = nn.Parameter(torch.tensor(float(logit)))

    def forward(self, x):
        return self.logit.expand(x.shape[0])


def test_probe_at_equilibrium_and_under_collapse():
    data = load_data(DataConfig(name="ring-2d", args={"n": 60_000}))
    target = data.info["target"]
    probe = TheoryProbe(target, n_eval=20_000)
    G = _Sampler(target.sample(20_000, torch.Generator().manual_seed(5)), z_dim=2)
    D = _ConstD(0.0).train()
    r = probe(G=G, D=D, data=data, step=1)
    assert D.training  # mode restored
    assert r["jsd"] < 0.01 and abs(r["c_of_g"] + math.log(4)) < 0.02
    assert r["d_real_eval"] == pytest.approx(0.5) and r["d_fake_eval"] == pytest.approx(0.5)
    assert r["value_eval"] == pytest.approx(-math.log(4), abs=1e-6)
    assert r["d_star_gap"] < 0.05  # D = ½ is (nearly) optimal when p_g = p_data
    assert r["modes_covered"] == 8 and r["hq_share"] > 0.97 and "warning" not in r
    # G now puts everything on two modes: coverage drops and the probe says so
    c = target.centres.float()
    two = torch.cat([c[0] + 0.05 * torch.randn(10_000, 2), c[3] + 0.05 * torch.randn(10_000, 2)])
    r = probe(G=_Sampler(two, z_dim=2), D=D, data=data, step=2)
    assert r["modes_covered"] == 2 and "mode collapse" in r["warning"] and "fell from 8 to 2" in r["warning"]
    assert r["jsd"] > 0.3 and r["mode_kl"] == pytest.approx(math.log(4), abs=0.01)
