"""Precision/recall/density/coverage against the independent ``prdc`` package; IS closed forms."""

import numpy as np
import pytest
import torch

from ganforge import metrics
from ganforge.metrics.inception_score import inception_score_from_probs
from ganforge.metrics.prdc import knn_radii, prdc_from_features


@pytest.mark.parametrize("k", [3, 5])
def test_prdc_matches_the_prdc_package(k, capsys):
    prdc = pytest.importorskip("prdc", reason="the parity test needs the prdc package (pip install -e '.[test]')")
    rng = np.random.default_rng(k)
    real = rng.normal(size=(400, 16)).astype(np.float32)
    fake = (rng.normal(size=(300, 16)) * 1.3 + 0.4).astype(np.float32)
    theirs = prdc.compute_prdc(real_features=real, fake_features=fake, nearest_k=k)
    ours = prdc_from_features(fake.astype(np.float64), real.astype(np.float64), k_pr=k, k_dc=k, block=64)
    for name in ("precision", "recall", "density", "coverage"):
        assert ours[name].value == pytest.approx(float(theirs[name]), abs=1e-12), name
    # and the values are not trivial
    assert 0.05 < ours["precision"].value < 0.95 and 0.05 < ours["coverage"].value < 0.95


def test_prdc_blocking_does_not_change_results():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(250, 8)), rng.normal(size=(230, 8)) + 0.3
    a = prdc_from_features(fake, real, block=7, dtype=torch.float64)
    b = prdc_from_features(fake, real, block=10_000, dtype=torch.float64)
    assert {k: v.value for k, v in a.items()} == {k: v.value for k, v in b.items()}


def test_knn_radii_match_brute_force():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 3))
    d = np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1))
    expected = np.sort(d, axis=1)[:, 3]  # column 0 is the point itself
    got = knn_radii(torch.from_numpy(x), [3], block=9)[3].numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


def test_identical_sets_have_full_precision_recall_coverage():
    x = np.random.default_rng(2).normal(size=(200, 4))
    out = metrics.prdc(x, x)
    assert out["precision"].value == 1.0 and out["recall"].value == 1.0 and out["coverage"].value == 1.0
    # every point lies in its own ball and, on average, in k other balls → density = (k+1)/k·… ≥ 1
    assert out["density"].value >= 1.0


def test_inception_score_closed_forms():
    k = 10
    onehot = np.eye(k)[np.arange(1000) % k]  # confident and perfectly balanced: IS = K
    result = inception_score_from_probs(onehot, splits=10)
    assert result.value == pytest.approx(k, rel=1e-12) and result.std == pytest.approx(0, abs=1e-9)
    same = np.tile(np.random.default_rng(0).dirichlet(np.ones(k)), (500, 1))  # no variety: IS = 1
    assert inception_score_from_probs(same).value == pytest.approx(1.0, abs=1e-12)
    # two classes, each predicted with p = 0.9: IS = exp(KL) with p(y) uniform
    p = np.array([[0.9, 0.1], [0.1, 0.9]] * 50)
    kl = 0.9 * np.log(0.9 / 0.5) + 0.1 * np.log(0.1 / 0.5)
    assert inception_score_from_probs(p, splits=1).value == pytest.approx(np.exp(kl), rel=1e-12)


def test_conditional_accuracy_and_modes():
    probs = np.eye(4)[[0, 1, 2, 3, 0, 0]]
    labels = np.array([0, 1, 2, 0, 0, 1])
    assert metrics.conditional_accuracy(probs, labels).value == pytest.approx(4 / 6)
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    pts = np.concatenate([np.zeros((50, 2)), np.full((50, 2), [10.0, 0.0]), np.full((10, 2), 50.0)])
    out = metrics.mode_metrics(pts, centers, std=0.1)
    assert out["modes_covered"].value == 2
    assert out["hq_share"].value == pytest.approx(100 / 110)
    assert out["mode_kl"].value == pytest.approx(np.log(3) - np.log(2))  # uniform over 2 of 3 modes


def test_confident_conditional_accuracy_counts_sure_hits_per_class():
    from ganforge.metrics.conditional import confident_conditional_accuracy

    # class 0: a sure hit, an unsure hit (p 0.6) and a sure miss; class 1: two sure hits
    probs = np.array([[0.95, 0.05], [0.6, 0.4], [0.05, 0.95], [0.02, 0.98], [0.0, 1.0]])
    labels = np.array([0, 0, 0, 1, 1])
    overall, worst = confident_conditional_accuracy(probs, labels)
    assert overall.metric == "confident_cacc" and overall.value == pytest.approx(3 / 5)
    assert worst.metric == "worst_class_cacc" and worst.value == pytest.approx(1 / 3)
    assert worst.params["per_class"] == {0: pytest.approx(1 / 3, abs=1e-4), 1: 1.0}  # rounded to 4 places
    with pytest.raises(ValueError, match="labels"):
        confident_conditional_accuracy(probs, labels[:3])
