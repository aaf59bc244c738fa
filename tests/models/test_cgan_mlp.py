import math

import pytest
import torch

from ganforge.errors import GanforgeError
from ganforge.models.cgan_mlp import CGANMLPDiscriminator, CGANMLPGenerator
from ganforge.registry import MODELS


@pytest.mark.parametrize("shape", [(1, 28, 28), (1, 32, 32)])
def test_shapes_and_range(shape):
    torch.manual_seed(0)
    G = CGANMLPGenerator(out_shape=shape, n_classes=10)
    D = CGANMLPDiscriminator(in_shape=shape, n_classes=10)
    y = torch.arange(5) % 10
    x = G(torch.rand(5, 100), y)
    assert x.shape == (5, *shape) and G.out_range == (0.0, 1.0)
    assert 0 <= x.min() and x.max() <= 1
    assert D(x, y).shape == (5,)
    assert G.z_dist == "uniform01" and G.n_classes == 10
    assert G.sample(3, y=torch.tensor([0, 1, 2])).shape == (3, *shape)


def test_paper_widths():
    G = CGANMLPGenerator(out_shape=(1, 28, 28), n_classes=10)
    D = CGANMLPDiscriminator(in_shape=(1, 28, 28), n_classes=10)
    assert [m.out_features for m in G.modules() if isinstance(m, torch.nn.Linear)] == [200, 1000, 1200, 784]
    assert [(m.units, m.pieces) for m in D.modules() if type(m).__name__ == "Maxout"] == [(240, 5), (50, 5), (240, 4)]
    w = G.z_path[0].weight
    assert w.abs().max() <= 0.05 and G.z_path[0].bias.abs().max() == 0


def test_class_changes_output_and_score():
    torch.manual_seed(0)
    G = CGANMLPGenerator(out_shape=(1, 28, 28), n_classes=10).eval()
    D = CGANMLPDiscriminator(in_shape=(1, 28, 28), n_classes=10).eval()
    z = torch.rand(4, 100).repeat(2, 1)
    y = torch.tensor([0, 1, 2, 3, 4, 5, 6, 7])
    x = G(z, y)
    assert (x[:4] - x[4:]).abs().amax(dim=(1, 2, 3)).min() > 0
    s = D(x[:4].repeat(2, 1, 1, 1), y)
    assert (s[:4] - s[4:]).abs().min() > 0


def test_dropout_only_in_training_unless_kept_for_sampling():
    torch.manual_seed(0)
    G = CGANMLPGenerator(out_shape=(1, 28, 28), n_classes=10, sample_dropout=False)
    z, y = torch.rand(2, 100), torch.tensor([3, 4])
    assert not torch.equal(G(z, y), G(z, y))
    G.eval()
    assert torch.equal(G(z, y), G(z, y))
    # the default: G's dropout is part of its noise, also in eval mode
    G = CGANMLPGenerator(out_shape=(1, 28, 28), n_classes=10).eval()
    assert not torch.equal(G(z, y), G(z, y))
    D = CGANMLPDiscriminator(in_shape=(1, 28, 28), n_classes=10).eval()
    x = torch.rand(2, 1, 28, 28)
    assert torch.equal(D(x, y), D(x, y))  # D's dropout stays a training-time regulariser


def test_init_from_data_sets_logit_bias():
    G = CGANMLPGenerator(out_shape=(1, 28, 28), n_classes=10)
    G.init_from_data(torch.full((1, 28, 28), 0.25))
    assert torch.allclose(G.out.bias, torch.full((784,), math.log(0.25 / 0.75)))


def test_needs_classes():
    with pytest.raises(GanforgeError, match="n_classes"):
        CGANMLPGenerator(out_shape=(1, 28, 28))
    with pytest.raises(GanforgeError, match="n_classes"):
        CGANMLPDiscriminator(in_shape=(1, 28, 28), n_classes=None)
    G = CGANMLPGenerator(out_shape=(1, 28, 28), n_classes=10)
    with pytest.raises(GanforgeError, match="class y"):
        G(torch.rand(2, 100))
    D = CGANMLPDiscriminator(in_shape=(1, 28, 28), n_classes=10)
    with pytest.raises(GanforgeError, match="class y"):
        D(torch.rand(2, 1, 28, 28))


def test_registered():
    assert MODELS.get("cgan_mlp_generator") is CGANMLPGenerator
    assert MODELS.get("cgan_mlp_discriminator") is CGANMLPDiscriminator
