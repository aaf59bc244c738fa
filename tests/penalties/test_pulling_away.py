"""EBGAN's pulling-away term (Zhao et al. 2017, Eq. 14) against a direct O(n²) computation."""

import math

import pytest
import torch

from ganforge.penalties.pulling_away import pulling_away


def direct(s):
    n = len(s)
    total = 0.0
    for i in range(n):
        for j in range(n):
            if i != j:
                dot = sum(a * b for a, b in zip(s[i], s[j]))
                norm = math.sqrt(sum(a * a for a in s[i])) * math.sqrt(sum(b * b for b in s[j]))
                total += (dot / norm) ** 2
    return total / (n * (n - 1))


def test_matches_direct_double_sum():
    g = torch.Generator().manual_seed(0)
    s = torch.randn(7, 3, 2, 2, generator=g, dtype=torch.float64)  # flattened per example
    rows = s.flatten(1).tolist()
    assert pulling_away(s).item() == pytest.approx(direct(rows), rel=1e-6)


def test_extremes():
    assert pulling_away(torch.eye(4)).item() == pytest.approx(0.0, abs=1e-7)  # orthogonal: no repulsion
    same = torch.tensor([[1.0, 2.0], [2.0, 4.0], [-3.0, -6.0]])  # parallel (sign squared away)
    assert pulling_away(same).item() == pytest.approx(1.0, rel=1e-6)


def test_needs_two_examples_and_is_differentiable():
    with pytest.raises(ValueError):
        pulling_away(torch.ones(1, 3))
    s = torch.randn(5, 4, requires_grad=True)
    pulling_away(s).backward()
    assert torch.isfinite(s.grad).all() and s.grad.abs().sum() > 0
