"""The fully connected D's minibatch standard deviation option (``D.args.minibatch_std``)."""

import pytest
import torch

from ganforge.errors import GanforgeError
from ganforge.models.mlp import MLPDiscriminator
from ganforge.training.context import couples_examples


def _d(group):
    torch.manual_seed(0)
    return MLPDiscriminator(in_shape=(1, 6, 6), hidden=[16, 8], activation="leaky_relu", dropout_input=0.0,
                            dropout_hidden=0.0, init_range=None, minibatch_std=group).eval()


def test_an_example_s_score_depends_on_its_group_only():
    D = _d(4)
    assert couples_examples(D)  # so the trainer gives reals and fakes separate passes
    x = torch.randn(16, 1, 6, 6)
    base = D(x)
    moved = x.clone()
    moved[4] += 3.0  # groups are strided: example 0's group is 0, 4, 8, 12
    out = D(moved)
    assert not torch.allclose(out[0], base[0])
    assert torch.allclose(out[[1, 2, 3, 5]], base[[1, 2, 3, 5]])
    # the last layer sees the group's spread as one more input
    assert D.net[-1].in_features == 8 + 1


def test_without_the_option_scores_are_per_example_and_bad_groups_are_refused():
    D = _d(0)
    assert not couples_examples(D)
    x = torch.randn(8, 1, 6, 6)
    assert torch.allclose(D(x)[:3], D(x[:3]))
    with pytest.raises(GanforgeError, match="minibatch_std=1"):
        _d(1)
