import math

import pytest
import torch
import torch.nn.functional as F

from ganforge.penalties.mutual_information import info_loss, mi_lower_bound


def _perfect(c_cat, k=10, margin=50.0):
    return F.one_hot(c_cat, k).float() * margin


def test_perfect_q_gives_the_constant():
    c_cat, c_cont = torch.tensor([0, 3, 9, 9]), torch.rand(4, 2) * 2 - 1
    q = {"cat_logits": _perfect(c_cat), "cont_mean": c_cont.clone()}
    assert info_loss(q=q, c_cat=c_cat, c_cont=None).item() == pytest.approx(0.0, abs=1e-6)
    # Gaussian NLL with mean = c and std 1: ½·log 2π per continuous code, kept (as the released code)
    assert info_loss(q=q, c_cat=None, c_cont=c_cont).item() == pytest.approx(math.log(2 * math.pi), abs=1e-6)
    assert info_loss(q=q, c_cat=c_cat, c_cont=c_cont, cont_weight=0.5).item() == pytest.approx(
        0.5 * math.log(2 * math.pi), abs=1e-6)


def test_closed_form():
    torch.manual_seed(0)
    logits, mean = torch.randn(5, 10), torch.randn(5, 2)
    c_cat, c_cont = torch.randint(0, 10, (5,)), torch.rand(5, 2) * 2 - 1
    ce = -logits.log_softmax(1)[torch.arange(5), c_cat].mean()
    nll = (0.5 * (c_cont - mean) ** 2 + 0.5 * math.log(2 * math.pi)).sum(1).mean()
    got = info_loss(q={"cat_logits": logits, "cont_mean": mean}, c_cat=c_cat, c_cont=c_cont, cont_weight=0.3)
    torch.testing.assert_close(got, ce + 0.3 * nll)


def test_gradient_pulls_the_mean_to_the_code():
    mean = torch.zeros(4, 2, requires_grad=True)
    c_cont = torch.full((4, 2), 0.5)
    info_loss(q={"cat_logits": torch.zeros(4, 10), "cont_mean": mean}, c_cat=None, c_cont=c_cont).backward()
    torch.testing.assert_close(mean.grad, (mean.detach() - c_cont) / 4)


def test_mi_lower_bound():
    c_cat = torch.tensor([1, 2, 3])
    assert mi_lower_bound(q={"cat_logits": _perfect(c_cat)}, c_cat=c_cat, n_categorical=10).item() == pytest.approx(
        math.log(10), abs=1e-5)
    assert mi_lower_bound(q={"cat_logits": torch.zeros(3, 10)}, c_cat=c_cat, c_cont=None,
                          n_categorical=10).item() == pytest.approx(0.0, abs=1e-6)
