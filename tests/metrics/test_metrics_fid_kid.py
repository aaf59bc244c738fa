"""FID and KID against independent float64 references and closed forms."""

import numpy as np
import pytest
import torch
from scipy import linalg

from ganforge import metrics
from ganforge.metrics.fid import feature_stats, frechet_distance
from ganforge.metrics.kid import kid_from_features, mmd2_unbiased


def random_spd(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def scipy_frechet(mu1, s1, mu2, s2):
    covmean = linalg.sqrtm(s1 @ s2)
    covmean = np.real(covmean)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


@pytest.mark.parametrize("d", [2, 16, 64])
def test_frechet_matches_scipy_sqrtm_float64(d):
    rng = np.random.default_rng(d)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    s1, s2 = random_spd(rng, d), random_spd(rng, d)  # do not commute
    assert not np.allclose(s1 @ s2, s2 @ s1)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(scipy_frechet(mu1, s1, mu2, s2), rel=1e-9, abs=1e-9)


def test_frechet_closed_form_commuting_covariances():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.1, 3, size=8), rng.uniform(0.1, 3, size=8)
    mu1, mu2 = rng.normal(size=8), rng.normal(size=8)
    expected = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-12)
    # and with a shared rotation (still commuting, not diagonal)
    q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    got = frechet_distance(q @ mu1, q @ np.diag(a) @ q.T, q @ mu2, q @ np.diag(b) @ q.T)
    assert got == pytest.approx(expected, rel=1e-9)


def test_fid_of_a_set_with_itself_is_zero_and_grows_with_shift():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2000, 32))
    assert metrics.fid(x, x).value == pytest.approx(0.0, abs=1e-8)
    shifted = metrics.fid(x + 0.5, x).value
    assert shifted == pytest.approx(32 * 0.25, rel=1e-6)  # a pure mean shift: FD = ‖Δμ‖² exactly


def test_fid_estimate_converges_to_closed_form_of_known_gaussians():
    rng = np.random.default_rng(2)
    d, n = 4, 200_000
    x = rng.normal(size=(n, d)) * np.sqrt([1, 2, 3, 4])
    y = rng.normal(size=(n, d)) * np.sqrt([4, 3, 2, 1]) + 1.0
    expected = d * 1.0 + ((np.sqrt([1, 2, 3, 4]) - np.sqrt([4, 3, 2, 1])) ** 2).sum()
    result = metrics.fid(x, y, splits=4)
    assert result.value == pytest.approx(expected, abs=0.05)
    assert result.std is not None and result.params["split_mean"] >= result.value - 0.05


def test_feature_stats_are_unbiased_covariance():
    x = np.random.default_rng(3).normal(size=(50, 3))
    mu, sigma = feature_stats(x)
    np.testing.assert_allclose(sigma, np.cov(x.T, ddof=1))
    np.testing.assert_allclose(mu, x.mean(0))


def direct_mmd2_unbiased(x, y):
    """O(n²) loops in float64, the estimator as written (Gretton et al., 2012, eq. 3)."""
    d = x.shape[1]
    k = lambda a, b: (a @ b / d + 1.0) ** 3
    m, n = len(x), len(y)
    sxx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    syy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    sxy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return sxx + syy - 2 * sxy


def test_mmd2_unbiased_matches_direct_loops():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(40, 5)), rng.normal(size=(30, 5)) + 0.3
    got = mmd2_unbiased(torch.from_numpy(x), torch.from_numpy(y))
    assert got == pytest.approx(direct_mmd2_unbiased(x, y), rel=1e-10)


def test_kid_subsets_average_the_direct_estimator():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(60, 6)), rng.normal(size=(60, 6)) + 0.2
    # subsets as large as the sets: every subset is a permutation, so each value is the full estimate
    full = kid_from_features(x, y, subsets=3, subset_size=60, dtype=torch.float64)
    assert full.value == pytest.approx(direct_mmd2_unbiased(x, y), rel=1e-10)
    assert full.std == pytest.approx(0.0, abs=1e-12)
    # float32 Gram products stay within 1e-5 relative of float64
    f32 = kid_from_features(x, y, subsets=3, subset_size=60)
    assert f32.value == pytest.approx(full.value, rel=1e-5)


def test_kid_is_near_zero_for_one_distribution_and_positive_for_two():
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(3000, 8)), rng.normal(size=(3000, 8))
    same = metrics.kid(a, b, subsets=20, subset_size=500)
    diff = metrics.kid(a + 0.5, b, subsets=20, subset_size=500)
    assert abs(same.value) < 3 * same.std
    assert diff.value > 5 * diff.std > 0
