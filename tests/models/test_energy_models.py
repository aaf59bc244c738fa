"""The auto-encoder discriminators and BEGAN's generator: energies by formula, shapes, and the
image sizes they refuse."""

import pytest
import torch

from ganforge.errors import GanforgeError
from ganforge.models.energy import (
    BEGANDiscriminator,
    BEGANGenerator,
    BEGANSmallDiscriminator,
    EBGANConvDiscriminator,
    EBGANMLPDiscriminator,
    reconstruction_energy,
)


def test_energies_by_formula():
    x = torch.zeros(2, 1, 2, 2)
    recon = torch.tensor([[1.0, -1.0, 2.0, 0.0], [0.0, 0.0, 0.0, 3.0]]).view(2, 1, 2, 2)
    assert reconstruction_energy(recon, x, "l2").tolist() == pytest.approx([6**0.5, 3.0], rel=1e-6)
    assert reconstruction_energy(recon, x, "mse").tolist() == pytest.approx([6 / 4, 9 / 4])
    assert reconstruction_energy(recon, x, "l1").tolist() == pytest.approx([4 / 4, 3 / 4])


@pytest.mark.parametrize("D, shape, embedding", [
    (lambda: EBGANMLPDiscriminator(in_shape=(1, 8, 8), hidden=[32, 16], batch_norm=True), (1, 8, 8), (16,)),
    (lambda: EBGANConvDiscriminator(in_shape=(3, 32, 32), widths=[8, 16, 32]), (3, 32, 32), (32, 4, 4)),
    (lambda: BEGANDiscriminator(in_shape=(1, 32, 32), n=8, h=12), (1, 32, 32), (12,)),
    (lambda: BEGANDiscriminator(in_shape=(1, 32, 32), n=8, h=12, batch_norm=True), (1, 32, 32), (12,)),
    (lambda: BEGANSmallDiscriminator(in_shape=(1, 28, 28), width=8, code=5), (1, 28, 28), (5,)),
    (lambda: BEGANSmallDiscriminator(in_shape=(3, 16, 16), width=8, code=5, out="linear"), (3, 16, 16), (5,)),
])
def test_energy_is_the_reconstruction_error_of_reconstruct(D, shape, embedding):
    torch.manual_seed(0)
    D = D().eval()
    x = torch.rand(3, *shape) * 2 - 1
    e, h = D(x, aux=True)
    assert e.shape == (3,) and h.shape == (3, *embedding)
    assert torch.allclose(e, reconstruction_energy(D.reconstruct(x), x, D.energy))
    assert (e >= 0).all()


def test_began_layout_and_output_bias_from_data():
    G = BEGANGenerator(z_dim=6, out_shape=(3, 32, 32), n=8, out_bias_from_data=True)
    assert G(torch.rand(2, 6) * 2 - 1).shape == (2, 3, 32, 32)
    # 3 scales from 8×8: two up-samplings; 2 convs per scale + the output conv
    assert sum(isinstance(m, torch.nn.Upsample) for m in G.modules()) == 2
    assert sum(isinstance(m, torch.nn.Conv2d) for m in G.modules()) == 3 * 2 + 1
    mean = torch.stack([torch.full((32, 32), 0.1), torch.full((32, 32), 0.5), torch.full((32, 32), 0.9)])
    G.init_from_data(mean)
    assert G.body[-1].bias.tolist() == pytest.approx([-0.8, 0.0, 0.8])
    D = BEGANDiscriminator(in_shape=(3, 32, 32), n=8, h=4)
    widths = [m.out_channels for m in D.encoder if isinstance(m, torch.nn.Conv2d)]
    assert widths == [8, 8, 8, 8, 16, 16, 16, 24, 24]  # n, then n·(s+1) per scale, stride-2 convs keep the width
    strided = [m.out_channels for m in D.encoder if isinstance(m, torch.nn.Conv2d) and m.stride == (2, 2)]
    assert strided == [8, 16]


def test_began_batch_norm_codes_a_batch_of_one_image_as_the_mean_code():
    torch.manual_seed(0)
    D = BEGANDiscriminator(in_shape=(1, 16, 16), n=8, h=6, batch_norm=True).train()
    bn = [m for m in D.encoder if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    convs = [m for m in D.encoder if isinstance(m, torch.nn.Conv2d)]
    assert len(bn) == len(convs)  # one after every conv but the input one, and one on the embedding
    same = torch.rand(1, 1, 16, 16).expand(4, 1, 16, 16) * 2 - 1
    _, h = D(same, aux=True)
    assert torch.allclose(h, torch.zeros_like(h), atol=1e-3)  # the code cannot tell the rows from the mean (BN divides rounding by √eps)
    _, h = D(torch.rand(4, 1, 16, 16) * 2 - 1, aux=True)
    assert h.std(0).min() > 0.5  # varied rows keep varied codes


def test_began_small_discriminator_layout_and_its_batch_norm_code():
    torch.manual_seed(0)
    D = BEGANSmallDiscriminator(in_shape=(1, 28, 28), width=8, code=6).train()
    convs = [m for m in D.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    assert [(m.in_channels, m.out_channels, m.kernel_size, m.stride) for m in convs] == [
        (1, 8, (4, 4), (2, 2)), (8, 1, (4, 4), (2, 2))]  # (64)4c2s ... (1)4dc2s at width 8
    assert [m.out_features for m in D.modules() if isinstance(m, torch.nn.Linear)] == [6, 8 * 14 * 14]
    x = torch.rand(4, 1, 28, 28)
    recon = D.reconstruct(x)
    assert recon.shape == x.shape and 0 < recon.min() and recon.max() < 1  # sigmoid: images in [0, 1]
    same = x[:1].expand(4, 1, 28, 28)
    _, h = D(same, aux=True)  # the code's batch norm before its ReLU: a repeated image gets the code of β = 0
    assert torch.allclose(h, torch.zeros_like(h), atol=1e-3)
    _, h = D(x, aux=True)
    assert h.std(0).max() > 0.3  # varied rows keep varied codes


@pytest.mark.parametrize("build, match", [
    (lambda: BEGANGenerator(z_dim=4, out_shape=(1, 28, 28)), "power of two"),
    (lambda: BEGANDiscriminator(in_shape=(1, 32, 16)), "square"),
    (lambda: EBGANConvDiscriminator(in_shape=(1, 28, 28)), "multiples of 8"),
    (lambda: EBGANMLPDiscriminator(in_shape=(1, 8, 8), energy="l3"), "unknown energy 'l3'"),
    (lambda: BEGANSmallDiscriminator(in_shape=(1, 27, 27)), "multiples of 2"),
    (lambda: BEGANSmallDiscriminator(in_shape=(1, 28, 28), out="tanh"), "'sigmoid' or 'linear'"),
    (lambda: EBGANMLPDiscriminator(in_shape=(1, 8, 8), hidden=[]), "at least one encoder layer"),
])
def test_refuses_what_it_cannot_take(build, match):
    with pytest.raises(GanforgeError, match=match):
        build()
