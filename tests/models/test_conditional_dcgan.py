import pytest
import torch
from torch import nn

from ganforge.errors import GanforgeError
from ganforge.models.dcgan import DCGANDiscriminator, DCGANGenerator


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_conditional_shapes(shape):
    torch.manual_seed(0)
    G = DCGANGenerator(z_dim=100, out_shape=shape, ngf=8, n_classes=10)
    assert G.project.in_features == 110  # AC-GAN's G input: 100 noise + 10 classes
    y = torch.tensor([0, 3, 9])
    x = G(torch.rand(3, 100) * 2 - 1, y)
    assert x.shape == (3, *shape)
    acgan = DCGANDiscriminator(in_shape=shape, ndf=8, n_classes=10, aux_classifier=True)
    scores, logits = acgan(x, aux=True)
    assert scores.shape == (3,) and logits.shape == (3, 10)
    assert acgan(x).shape == (3,)
    proj = DCGANDiscriminator(in_shape=shape, ndf=8, n_classes=10)
    assert proj(x, y).shape == (3,)


def test_class_changes_g_output_and_projection_score():
    torch.manual_seed(0)
    G = DCGANGenerator(z_dim=16, out_shape=(3, 32, 32), ngf=8, n_classes=10).eval()
    z = torch.randn(2, 16).repeat(2, 1)
    y = torch.tensor([0, 1, 2, 3])
    x = G(z, y)
    assert (x[:2] - x[2:]).abs().amax(dim=(1, 2, 3)).min() > 0
    D = DCGANDiscriminator(in_shape=(3, 32, 32), ndf=8, n_classes=10).eval()
    s = D(x[:2].repeat(2, 1, 1, 1), y)
    assert (s[:2] - s[2:]).abs().min() > 0
    assert isinstance(D.embed, nn.Embedding)


def test_acgan_d_ignores_y_and_has_class_head():
    torch.manual_seed(0)
    D = DCGANDiscriminator(in_shape=(3, 32, 32), ndf=8, n_classes=10, aux_classifier=True).eval()
    x = torch.randn(2, 3, 32, 32)
    assert torch.equal(D(x, torch.tensor([0, 1])), D(x))
    assert D.classifier.weight.std() < 0.03  # DCGAN's N(0, 0.02) init reaches the class head
    assert not hasattr(D, "embed")


def test_errors():
    with pytest.raises(GanforgeError, match="aux_classifier"):
        DCGANDiscriminator(in_shape=(3, 32, 32), aux_classifier=True)
    with pytest.raises(GanforgeError, match="no class head"):
        DCGANDiscriminator(in_shape=(3, 32, 32), ndf=8)(torch.randn(2, 3, 32, 32), aux=True)
    with pytest.raises(GanforgeError, match="D\\(x, y\\)"):
        DCGANDiscriminator(in_shape=(3, 32, 32), ndf=8, n_classes=10)(torch.randn(2, 3, 32, 32))
    with pytest.raises(GanforgeError, match="G\\(z, y\\)"):
        DCGANGenerator(z_dim=16, out_shape=(3, 32, 32), ngf=8, n_classes=10)(torch.randn(2, 16))
    with pytest.raises(GanforgeError, match="unconditional"):
        DCGANGenerator(z_dim=16, out_shape=(3, 32, 32), ngf=8)(torch.randn(2, 16), torch.tensor([0, 1]))
    with pytest.raises(GanforgeError, match="n_classes"):
        DCGANGenerator(z_dim=16, out_shape=(3, 32, 32), n_classes=0)
    with pytest.raises(GanforgeError, match="30×30"):
        DCGANGenerator(z_dim=16, out_shape=(3, 30, 30), n_classes=10)
    with pytest.raises(GanforgeError, match="30×30"):
        DCGANDiscriminator(in_shape=(3, 30, 30), n_classes=10, aux_classifier=True)


def test_acgan_d_dropout_after_every_conv_is_active_only_in_training():
    torch.manual_seed(0)
    D = DCGANDiscriminator(in_shape=(1, 16, 16), ndf=8, n_classes=10, aux_classifier=True, dropout=0.5)
    convs = [m for m in D.body if isinstance(m, nn.Conv2d)]
    drops = [m for m in D.body if isinstance(m, nn.Dropout)]
    assert len(drops) == len(convs) and all(d.p == 0.5 for d in drops)
    x = torch.randn(4, 1, 16, 16)
    D.train()
    assert not torch.equal(D(x), D(x))  # a fresh mask each pass
    D.eval()
    assert torch.equal(D(x), D(x))
    plain = DCGANDiscriminator(in_shape=(1, 16, 16), ndf=8)
    assert not any(isinstance(m, nn.Dropout) for m in plain.body)
    with pytest.raises(GanforgeError, match="dropout"):
        DCGANDiscriminator(in_shape=(1, 16, 16), ndf=8, dropout=1.0)
