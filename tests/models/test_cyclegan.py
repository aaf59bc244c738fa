"""CycleGAN's networks: the paper's ResNet translator and the 70×70 PatchGAN."""

import pytest
import torch
from torch import nn

from ganforge.errors import GanforgeError
from ganforge.models.cyclegan import PatchDiscriminator, ResnetTranslator, patch_output_size, receptive_field


def _convs(net):
    return [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]


def test_resnet_layout_is_the_papers():
    """c7s1-64, d128, d256, 9 × R256, u128, u64, c7s1-3; instance norm without affine; reflection padding; tanh."""
    G = ResnetTranslator(in_shape=(3, 256, 256), out_shape=(3, 256, 256))
    convs = _convs(G)
    widths = [(c.in_channels, c.out_channels, c.kernel_size[0], c.stride[0]) for c in convs]
    assert widths[:3] == [(3, 64, 7, 1), (64, 128, 3, 2), (128, 256, 3, 2)]
    assert widths[3:21] == [(256, 256, 3, 1)] * 18  # 9 residual blocks of two convs
    assert widths[21:] == [(256, 128, 3, 2), (128, 64, 3, 2), (64, 3, 7, 1)]
    assert isinstance(convs[21], nn.ConvTranspose2d) and isinstance(convs[22], nn.ConvTranspose2d)
    norms = [m for m in G.modules() if isinstance(m, nn.InstanceNorm2d)]
    assert len(norms) == 2 + 1 + 18 + 2 and not any(n.affine for n in norms)
    assert sum(isinstance(m, nn.ReflectionPad2d) for m in G.modules()) == 2 + 18
    assert isinstance(list(G.modules())[-1], nn.Tanh)
    # the authors' code prints 11.378 M (G) and 2.765 M (D) parameters for this setting
    assert sum(p.numel() for p in G.parameters()) == 11_378_179
    assert sum(p.numel() for p in PatchDiscriminator(in_shape=(3, 256, 256)).parameters()) == 2_764_737
    w = torch.cat([c.weight.flatten() for c in convs])
    assert abs(w.std().item() - 0.02) < 0.001 and abs(w.mean().item()) < 0.001  # N(0, 0.02)


@pytest.mark.parametrize("src,dst,n_down", [((3, 64, 64), (3, 64, 64), 2), ((1, 28, 28), (1, 8, 8), 1),
                                            ((1, 8, 8), (1, 28, 28), 2)])
def test_translator_maps_between_sizes(src, dst, n_down):
    G = ResnetTranslator(in_shape=src, out_shape=dst, ngf=4, n_blocks=1, n_down=n_down)
    y = G(torch.rand(2, *src) * 2 - 1)
    assert y.shape == (2, *dst) and y.abs().max() <= 1


def test_translator_refuses_bad_shapes():
    with pytest.raises(GanforgeError, match="divisible"):
        ResnetTranslator(in_shape=(1, 28, 28), out_shape=(1, 28, 28), n_down=3)
    G = ResnetTranslator(in_shape=(1, 8, 8), out_shape=(1, 8, 8), ngf=4, n_blocks=1, n_down=1)
    with pytest.raises(GanforgeError, match="takes images of shape"):
        G(torch.zeros(1, 1, 28, 28))


def test_frame_crops_the_larger_domains_box_and_pads_it_back():
    """frame=[20, 20]: down, only MNIST's centred 20×20 box reaches the 8×8 image (the margin is ignored); up,
    the 8×8 image fills that box and the margin is black (−1)."""
    down = ResnetTranslator(in_shape=(1, 28, 28), out_shape=(1, 8, 8), ngf=2, n_blocks=0, n_down=1, frame=[20, 20])
    up = ResnetTranslator(in_shape=(1, 8, 8), out_shape=(1, 28, 28), ngf=2, n_blocks=0, n_down=2, frame=[20, 20])
    a = torch.rand(2, 1, 28, 28) * 2 - 1
    b = a.clone()
    b[:, :, :4], b[:, :, 24:], b[:, :, :, :4], b[:, :, :, 24:] = 0.3, 0.3, 0.3, 0.3  # another margin, same box
    assert torch.equal(down.resample(a), down.resample(b))
    assert torch.allclose(down.resample(a), torch.nn.functional.interpolate(a[:, :, 4:24, 4:24], size=(8, 8),
                                                                            mode="area"))
    x = torch.rand(2, 1, 8, 8) * 2 - 1
    y = up.resample(x)
    assert y.shape == (2, 1, 28, 28)
    inner = torch.zeros(28, 28, dtype=torch.bool)
    inner[4:24, 4:24] = True
    assert torch.all(y[:, :, ~inner] == -1.0)
    assert torch.allclose(y[:, :, 4:24, 4:24],
                          torch.nn.functional.interpolate(x, size=(20, 20), mode="bilinear", align_corners=False))
    # without a frame the whole image is resampled
    plain = ResnetTranslator(in_shape=(1, 28, 28), out_shape=(1, 8, 8), ngf=2, n_blocks=0, n_down=1)
    assert not torch.equal(plain.resample(a), plain.resample(b))


@pytest.mark.parametrize("frame", [[30, 30], [4, 4], [20], "20", [20.0, 20]])
def test_frame_must_fit_between_the_two_sizes(frame):
    with pytest.raises(GanforgeError, match="frame"):
        ResnetTranslator(in_shape=(1, 28, 28), out_shape=(1, 8, 8), ngf=2, n_blocks=0, n_down=1, frame=frame)
    with pytest.raises(GanforgeError, match="domains of two sizes"):
        ResnetTranslator(in_shape=(1, 8, 8), out_shape=(1, 8, 8), ngf=2, n_blocks=0, n_down=1, frame=[8, 8])


def test_patchgan_layout_output_size_and_70px_receptive_field():
    D = PatchDiscriminator(in_shape=(3, 256, 256))
    convs = _convs(D)
    assert [(c.out_channels, c.stride[0]) for c in convs] == [(64, 2), (128, 2), (256, 2), (512, 1), (1, 1)]
    norms = [m for m in D.modules() if isinstance(m, nn.InstanceNorm2d)]
    assert len(norms) == 3  # none after C64
    assert all(m.negative_slope == 0.2 for m in D.modules() if isinstance(m, nn.LeakyReLU))
    assert patch_output_size(256) == 30 and receptive_field(3) == 70 and receptive_field(1) == 16
    small = PatchDiscriminator(in_shape=(1, 160, 160), ndf=2)
    for i, m in enumerate(small.net):  # instance norm mixes the whole image's statistics into every score
        if isinstance(m, nn.InstanceNorm2d):
            small.net[i] = nn.Identity()
    x = torch.randn(1, 1, 160, 160, requires_grad=True)
    s = small(x)
    assert s.shape == (1, patch_output_size(160), patch_output_size(160)) == (1, 18, 18)
    s[0, 9, 9].backward()  # one score depends on exactly a 70×70 window of the input
    rows = x.grad[0, 0].abs().sum(1).nonzero().flatten()
    cols = x.grad[0, 0].abs().sum(0).nonzero().flatten()
    assert rows[-1] - rows[0] + 1 == 70 and cols[-1] - cols[0] + 1 == 70


def test_patchgan_refuses_too_small_images():
    with pytest.raises(GanforgeError, match="n_layers"):
        PatchDiscriminator(in_shape=(1, 8, 8))
    assert PatchDiscriminator(in_shape=(1, 8, 8), n_layers=1)(torch.zeros(2, 1, 8, 8)).shape == (2, 2, 2)


def test_min_input_size_is_the_smallest_and_returns_for_any_depth():
    """Stepping the size by one took ~2^n_layers rounds (n_layers=40 never returned)."""
    from ganforge.models.cyclegan import min_input_size, patch_output_size

    for n in range(7):
        size = min_input_size(n)
        assert patch_output_size(size, n) >= 1 and patch_output_size(size - 1, n) < 1
    assert patch_output_size(min_input_size(60), 60) >= 1


def test_resize_convolution_paints_every_pixel_from_the_same_number_of_taps():
    """upsample="nearest" (Odena et al. 2016): on a flat input, all-ones 3×3 weights give a flat output; the
    paper's stride-2 transposed conv gives the checkerboard (1, 2 or 4 taps per output pixel)."""
    from ganforge.models.cyclegan import _UPSAMPLERS

    flat = torch.ones(1, 1, 6, 6)
    outs = {}
    for name, make in _UPSAMPLERS.items():
        layer = nn.Sequential(*make(1, 1))
        for m in layer.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        with torch.no_grad():
            outs[name] = layer(flat)[0, 0]
        assert outs[name].shape == (12, 12)
    inner = outs["transpose"][1:-1, 1:-1]
    assert set(inner.unique().tolist()) == {1.0, 2.0, 4.0}
    assert torch.equal(outs["nearest"], torch.full((12, 12), 9.0))


def test_translator_with_resize_convolutions_has_no_transposed_conv():
    G = ResnetTranslator(in_shape=(3, 16, 16), out_shape=(3, 16, 16), ngf=4, n_blocks=1, upsample="nearest")
    assert not any(isinstance(m, nn.ConvTranspose2d) for m in G.modules())
    assert sum(isinstance(m, nn.Upsample) for m in G.modules()) == 2
    assert G(torch.zeros(2, 3, 16, 16)).shape == (2, 3, 16, 16)
    with pytest.raises(GanforgeError, match="upsample must be one of"):
        ResnetTranslator(in_shape=(3, 16, 16), out_shape=(3, 16, 16), upsample="bilinear-ish")
