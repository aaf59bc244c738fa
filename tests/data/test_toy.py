"""Toy targets: registration, exact laws against their own samples, CSV points."""

import math

import pytest
import torch

import ganforge  # noqa: F401  (registers datasets)
from ganforge.config import DataConfig
from ganforge.data.base import load_data
from ganforge.errors import GanforgeError
from ganforge.theory import measures as theory

TOYS = ["gaussian-1d", "bimodal-1d", "sine-1d", "ring-2d", "grid-2d", "spiral-2d"]


@pytest.mark.parametrize("name", TOYS)
def test_toy_loads_as_points_with_probe(name):
    data = load_data(DataConfig(name=name, args={"n": 3000}))
    assert data.kind == "points" and data.x.dtype == torch.float32
    assert data.x.shape == (3000, 1 if name.endswith("1d") else 2)
    assert torch.isfinite(data.x).all()
    assert data.info["target"].dim == data.x.shape[1]
    from ganforge.losses import LOSSES
    from ganforge.theory.probe import default_probes

    probes = default_probes(None, data, LOSSES.get("minimax"))
    assert len(probes) == 1 and probes[0].probabilistic
    assert not default_probes(None, data, LOSSES.get("wasserstein"))[0].probabilistic
    # the fixed sample does not depend on the training seed, only on data.args.seed
    again = load_data(DataConfig(name=name, args={"n": 3000}))
    assert torch.equal(data.x, again.x)
    other = load_data(DataConfig(name=name, args={"n": 3000, "seed": 1}))
    assert not torch.equal(data.x, other.x)


@pytest.mark.parametrize("name", ["gaussian-1d", "bimodal-1d", "sine-1d", "ring-2d", "grid-2d"])
def test_exact_bin_masses_match_samples(name):
    data = load_data(DataConfig(name=name, args={"n": 200_000}))
    t = data.info["target"]
    edges = theory.grid_edges(t.bounds, 40)
    exact = t.bin_mass(edges)
    assert abs(float(exact.sum()) - 1.0) < 1e-6  # the evaluation box holds (nearly) all the mass
    hist, outside = theory.histogram(data.x, edges)
    assert outside < 1e-3
    assert float((hist - exact).abs().sum()) < 0.03  # total variation of a 200k-sample histogram
    js = theory.jsd(theory.with_outside(exact, 0), theory.with_outside(hist, outside))
    assert js < 2e-3


def test_log_prob_is_a_density():
    for name in ["gaussian-1d", "sine-1d", "bimodal-1d"]:
        t = load_data(DataConfig(name=name, args={"n": 10})).info["target"]
        lo, hi = t.bounds[0]
        x = torch.linspace(lo, hi, 200_001, dtype=torch.float64)[:, None]
        integral = float(torch.trapezoid(t.log_prob(x).exp(), x[:, 0]))
        assert abs(integral - 1.0) < 1e-4, name
    ring = load_data(DataConfig(name="ring-2d", args={"n": 10})).info["target"]
    (lo, hi), _ = ring.bounds
    g = torch.linspace(lo, hi, 1201, dtype=torch.float64)
    pts = torch.cartesian_prod(g, g)
    mass = float(ring.log_prob(pts).exp().sum()) * float(g[1] - g[0]) ** 2
    assert abs(mass - 1.0) < 1e-3


def test_gaussian_options_and_unknown_keys():
    data = load_data(DataConfig(name="gaussian-1d", args={"n": 100_000, "mean": -2.0, "std": 0.25}))
    assert abs(float(data.x.mean()) + 2.0) < 0.01 and abs(float(data.x.std()) - 0.25) < 0.01
    with pytest.raises(GanforgeError, match="valid"):
        load_data(DataConfig(name="gaussian-1d", args={"meen": 1.0}))


def test_ring_centres_and_std():
    t = load_data(DataConfig(name="ring-2d", args={"n": 10, "modes": 6, "radius": 3.0, "std": 0.1})).info["target"]
    assert t.centres.shape == (6, 2)
    assert torch.allclose(t.centres.norm(dim=1), torch.full((6,), 3.0, dtype=torch.float64))
    assert t.std == 0.1


def test_csv_points(tmp_path):
    path = tmp_path / "pts.csv"
    path.write_text('rownames,a,b,label\n1,1.0,10,x\n2,2.0,NA,y\n3,3.0,30,z\n4,4.0,40,w\n')
    data = load_data(DataConfig(name=str(path)))
    assert data.kind == "points" and data.info["columns"] == ["a", "b"]
    assert data.x.shape == (3, 2)  # the row with NA is dropped, rownames and text columns skipped
    assert torch.allclose(data.x.mean(0), torch.zeros(2), atol=1e-6)  # standardised by default
    raw = load_data(DataConfig(name=str(path), args={"standardize": False, "columns": ["b"]}))
    assert raw.x[:, 0].tolist() == [10.0, 30.0, 40.0]
    with pytest.raises(GanforgeError, match="no column"):
        load_data(DataConfig(name=str(path), args={"columns": ["c"]}))
    assert math.isclose(data.info["mean"][0], 8 / 3)
