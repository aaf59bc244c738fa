"""The Parzen-window log-likelihood against a direct computation."""

import math

import numpy as np
import pytest
import torch
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from ganforge import metrics
from ganforge.metrics.parzen import parzen_log_likelihoods


def direct(centers, x, sigma):
    d2 = ((x[:, None, :] - centers[None, :, :]) ** 2).sum(-1)
    d = centers.shape[1]
    return logsumexp(-d2 / (2 * sigma**2), axis=1) - math.log(len(centers)) - d / 2 * math.log(2 * math.pi * sigma**2)


def test_matches_direct_float64_on_small_sets():
    rng = np.random.default_rng(0)
    centers, x = rng.uniform(size=(70, 784)), rng.uniform(size=(45, 784))
    sigmas = [0.1, 0.25, 1.0]
    got = parzen_log_likelihoods(centers, x, sigmas, block=8)
    for i, s in enumerate(sigmas):
        np.testing.assert_allclose(got[i], direct(centers, x, s), rtol=1e-10, atol=1e-6)


def test_one_centre_is_a_gaussian_density():
    rng = np.random.default_rng(1)
    c, x = rng.normal(size=(1, 3)), rng.normal(size=(20, 3))
    got = parzen_log_likelihoods(c, x, [0.7])[0]
    np.testing.assert_allclose(got, multivariate_normal(c[0], 0.49 * np.eye(3)).logpdf(x), rtol=1e-9, atol=1e-6)


def test_uint8_images_are_scaled_to_unit_range():
    rng = np.random.default_rng(2)
    c8 = torch.from_numpy(rng.integers(0, 256, size=(10, 1, 4, 4), dtype=np.uint8))
    x8 = torch.from_numpy(rng.integers(0, 256, size=(5, 1, 4, 4), dtype=np.uint8))
    got = parzen_log_likelihoods(c8, x8, [0.3])[0]
    ref = direct(c8.reshape(10, -1).double().numpy() / 255, x8.reshape(5, -1).double().numpy() / 255, 0.3)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-6)  # float32 sums: ~1e-7 nats


def test_protocol_picks_sigma_on_validation_and_reports_standard_error():
    rng = np.random.default_rng(3)
    centers = rng.normal(size=(200, 5)) * 0.3
    val, test = rng.normal(size=(100, 5)) * 0.3, rng.normal(size=(150, 5)) * 0.3
    sigmas = [0.02, 0.05, 0.1, 0.2, 0.4, 0.8]
    result = metrics.parzen(centers, test, val, sigmas=sigmas)
    val_means = [direct(centers, val, s).mean() for s in sigmas]
    best = sigmas[int(np.argmax(val_means))]
    assert result.params["sigma"] == best and not result.params["sigma_at_grid_edge"]
    ll = direct(centers, test, best)
    assert result.value == pytest.approx(ll.mean(), abs=1e-6)
    assert result.std == pytest.approx(ll.std(ddof=1) / math.sqrt(len(ll)), rel=1e-5)
