import pytest
import torch

from ganforge.errors import GanforgeError
from ganforge.models.infogan import InfoGANDiscriminator, InfoGANGenerator, InfoGANQ
from ganforge.registry import MODELS


@pytest.mark.parametrize("shape", [(1, 28, 28), (1, 32, 32), (3, 32, 32)])
def test_shapes(shape):
    torch.manual_seed(0)
    G = InfoGANGenerator(out_shape=shape)
    D = InfoGANDiscriminator(in_shape=shape)
    Q = InfoGANQ()
    x = G(torch.rand(4, 74) * 2 - 1)
    assert x.shape == (4, *shape) and 0 <= x.min() and x.max() <= 1 and G.out_range == (0.0, 1.0)
    assert G.base[1:] == (shape[1] // 4, shape[2] // 4)
    scores, h = D(x, aux=True)
    assert scores.shape == (4,) and h.shape == (4, 1024)
    assert D(x).shape == (4,)
    q = Q(h)
    assert q["cat_logits"].shape == (4, 10) and q["cont_mean"].shape == (4, 2)


def test_table1_layers():
    G, D, Q = InfoGANGenerator(), InfoGANDiscriminator(), InfoGANQ()
    assert [m.out_features for m in G.fc if isinstance(m, torch.nn.Linear)] == [1024, 7 * 7 * 128]
    assert [m.out_channels for m in G.up if isinstance(m, torch.nn.ConvTranspose2d)] == [64, 1]
    convs = [m for m in D.trunk if isinstance(m, torch.nn.Conv2d)]
    assert [(c.out_channels, c.kernel_size, c.stride) for c in convs] == [(64, (4, 4), (2, 2)), (128, (4, 4), (2, 2))]
    assert isinstance(D.trunk[1], torch.nn.LeakyReLU) and D.trunk[1].negative_slope == 0.1  # no BN on layer 1
    assert Q.body[0].out_features == 128 and Q.out.out_features == 12


def test_sample_uses_the_code_layout():
    torch.manual_seed(0)
    G = InfoGANGenerator().eval()
    assert G.sample(3).shape == (3, 1, 28, 28)
    torch.manual_seed(1)
    a = G.sample(2, y=torch.tensor([0, 0]))
    torch.manual_seed(1)
    b = G.sample(2, y=torch.tensor([5, 5]))
    assert not torch.equal(a, b)  # the categorical code reaches G


def test_errors():
    with pytest.raises(GanforgeError, match="multiples of 4"):
        InfoGANGenerator(out_shape=(1, 30, 30))
    with pytest.raises(GanforgeError, match="multiples of 4"):
        InfoGANDiscriminator(in_shape=(1, 30, 30))
    with pytest.raises(GanforgeError, match="z_dim"):
        InfoGANGenerator(z_dim=12)
    with pytest.raises(GanforgeError, match="unconditional"):
        InfoGANDiscriminator()(torch.rand(2, 1, 28, 28), torch.tensor([0, 1]))
    with pytest.raises(GanforgeError, match="code"):
        InfoGANQ(n_categorical=0, n_continuous=0)


def test_registered():
    for name, cls in [("infogan_generator", InfoGANGenerator), ("infogan_discriminator", InfoGANDiscriminator),
                      ("infogan_q", InfoGANQ)]:
        assert MODELS.get(name) is cls


def test_dcgan_authors_mnist_layers():
    """kernel=5, bn_affine=False, head_bias=False: the DCGAN authors' MNIST networks (mnist/train_cond_dcgan.py
    without its class inputs), 5×5 stride-2 layers that halve and double 28 → 14 → 7 exactly."""
    torch.manual_seed(0)
    G = InfoGANGenerator(z_dim=100, n_categorical=0, n_continuous=0, kernel=5, bn_affine=False)
    D = InfoGANDiscriminator(kernel=5, leak=0.2, bn_affine=False, head_bias=False)
    x = G(torch.rand(3, 100) * 2 - 1)
    assert x.shape == (3, 1, 28, 28) and D(x).shape == (3,)
    ups = [m for m in G.up if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [m.kernel_size for m in ups] == [(5, 5), (5, 5)]
    assert all(not m.affine for m in G.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm))
    assert all(not m.affine for m in D.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm))
    assert D.head.bias is None and D.trunk[1].negative_slope == 0.2
    with pytest.raises(GanforgeError, match="kernel"):
        InfoGANGenerator(kernel=1)


def test_discriminator_without_batch_norm():
    """norm=none (a critic with a gradient penalty, or spectral norm in its place) keeps the layers and drops
    every batch norm, so each example's score no longer depends on the rest of its batch."""
    with_bn = InfoGANDiscriminator(in_shape=(1, 28, 28), kernel=5)
    plain = InfoGANDiscriminator(in_shape=(1, 28, 28), kernel=5, norm="none")
    assert any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in with_bn.modules())
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in plain.modules())
    x = torch.rand(4, 1, 28, 28)
    assert torch.allclose(plain(x)[:2], plain(x[:2]), atol=1e-5)
    with pytest.raises(GanforgeError, match="unknown norm 'layer'"):
        InfoGANDiscriminator(norm="layer")
