import pytest
import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ganforge.errors import GanforgeError
from ganforge.models.resnet import ResNetDiscriminator, ResNetGenerator
from ganforge.nn.conditional_bn import ConditionalBatchNorm2d


def _g(**kw):
    return ResNetGenerator(z_dim=16, out_shape=(3, 32, 32), ch=16, n_classes=10, **kw)


def test_cbn_starts_as_plain_bn():
    torch.manual_seed(0)
    cbn, bn = ConditionalBatchNorm2d(8, 10), nn.BatchNorm2d(8)
    assert torch.equal(cbn.gain, torch.ones(10, 8)) and torch.equal(cbn.bias, torch.zeros(10, 8))
    x = torch.randn(6, 8, 4, 4)
    torch.testing.assert_close(cbn(x, torch.arange(6)), bn(x))
    assert not any(isinstance(m, nn.Embedding) for m in cbn.modules())  # kept away from an SN walker


def test_conditional_generator_uses_cbn_in_blocks_and_plain_final_bn():
    G = _g()
    cbns = [m for m in G.blocks.modules() if isinstance(m, ConditionalBatchNorm2d)]
    assert len(cbns) == 2 * len(G.blocks)
    assert all(torch.equal(m.gain, torch.ones_like(m.gain)) for m in cbns)
    assert type(G.out[0]) is nn.BatchNorm2d


@pytest.mark.parametrize("shape", [(3, 32, 32), (1, 32, 32), (3, 16, 16)])
def test_shapes(shape):
    torch.manual_seed(0)
    G = ResNetGenerator(z_dim=16, out_shape=shape, ch=16, n_classes=10)
    D = ResNetDiscriminator(in_shape=shape, ch=16, n_classes=10)
    y = torch.tensor([1, 2, 3])
    x = G(torch.randn(3, 16), y)
    assert x.shape == (3, *shape)
    assert D(x, y).shape == (3,)


def test_class_changes_output_and_score():
    torch.manual_seed(0)
    G = _g().eval()
    with torch.no_grad():  # at init every class has gain 1, bias 0; give the classes their own
        for m in G.modules():
            if isinstance(m, ConditionalBatchNorm2d):
                m.gain.normal_(1.0, 0.5)
                m.bias.normal_(0.0, 0.5)
    z = torch.randn(2, 16)
    x = G(z.repeat(2, 1), torch.tensor([0, 1, 5, 6]))
    assert (x[:2] - x[2:]).abs().amax(dim=(1, 2, 3)).min() > 1e-4
    D = ResNetDiscriminator(in_shape=(3, 32, 32), ch=16, n_classes=10)
    s = D(x[:2].repeat(2, 1, 1, 1), torch.tensor([0, 1, 5, 6]))
    assert (s[:2] - s[2:]).abs().min() > 1e-6


def test_projection_is_inner_product():
    torch.manual_seed(0)
    D = ResNetDiscriminator(in_shape=(3, 32, 32), ch=16, n_classes=10)
    x, y = torch.randn(3, 3, 32, 32), torch.tensor([0, 4, 9])
    h = torch.relu(D.blocks(x)).sum(dim=(2, 3))
    torch.testing.assert_close(D(x, y), D.head(h).squeeze(1) + (D.embed.weight[y] * h).sum(1))
    bound = (6 / (10 + 16)) ** 0.5  # Glorot uniform on the [10, 16] embedding
    assert isinstance(D.embed, nn.Embedding) and D.embed.weight.abs().max() <= bound
    D.embed = spectral_norm(D.embed)  # the trainer's SN walker reaches the embedding
    assert D(x, y).shape == (3,)


def test_errors():
    with pytest.raises(GanforgeError, match="class y"):
        _g()(torch.randn(2, 16))
    D = ResNetDiscriminator(in_shape=(3, 32, 32), ch=16, n_classes=10)
    with pytest.raises(GanforgeError, match="class y"):
        D(torch.randn(2, 3, 32, 32))
    with pytest.raises(GanforgeError, match="unconditional"):
        ResNetDiscriminator(in_shape=(3, 32, 32), ch=16)(torch.randn(2, 3, 32, 32), torch.tensor([0, 1]))
    with pytest.raises(GanforgeError, match="n_classes"):
        ResNetGenerator(z_dim=16, out_shape=(3, 32, 32), ch=16, n_classes=1)
    with pytest.raises(GanforgeError, match="30×30"):  # 28×28 is taken (base 7×7), 30 does not halve twice
        ResNetGenerator(z_dim=16, out_shape=(1, 30, 30), ch=16, n_classes=10)
    with pytest.raises(GanforgeError, match="30×30"):
        ResNetDiscriminator(in_shape=(1, 30, 30), ch=16, n_classes=10)
