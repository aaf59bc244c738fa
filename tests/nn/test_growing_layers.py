"""The layers of PGGAN and StyleGAN, on closed forms: equalised learning rate, pixel norm,
minibatch standard deviation, AdaIN, noise inputs, blur."""

import math

import pytest
import torch
import torch.nn.functional as F

from ganforge.nn.equalized import EqualizedConv2d, EqualizedLinear
from ganforge.nn.minibatch_std import minibatch_stddev
from ganforge.nn.pixel_norm import pixel_norm
from ganforge.nn.style import AdaIN, Blur, ModulatedConv2d, NoiseInput, instance_norm


@pytest.mark.parametrize("fan_in", [16, 512])
def test_equalized_linear_keeps_unit_variance_at_init(fan_in):
    torch.manual_seed(0)
    layer = EqualizedLinear(fan_in, 256, gain=1.0)
    y = layer(torch.randn(4096, fan_in))
    assert abs(y.var().item() - 1.0) < 0.1
    # the stored weights are N(0, 1); the He constant is applied at run time
    assert abs(layer.weight.std().item() - 1.0) < 0.05 and layer.scale == pytest.approx(1 / math.sqrt(fan_in))


def test_equalized_conv_keeps_unit_variance_and_lr_mult_scales_the_map():
    torch.manual_seed(0)
    conv = EqualizedConv2d(32, 64, 3, gain=1.0)
    x = torch.randn(64, 32, 12, 12)
    y = conv(x)[:, :, 1:-1, 1:-1]  # away from the zero padding
    assert abs(y.var().item() - 1.0) < 0.1
    # gain √2 after a ReLU: E[relu(x)²] = 1/2, so the output is back to unit variance (He et al.)
    relu_in = torch.relu(torch.randn(8192, 128))
    assert abs(EqualizedLinear(128, 128)(relu_in).var().item() - 1.0) < 0.1
    # lr_mult: the same function at init (weights N(0, 1/m²) × c·m), bias scaled by m
    slow = EqualizedLinear(64, 64, lr_mult=0.01, gain=1.0)
    assert abs(slow.weight.std().item() - 100.0) < 5.0
    assert abs(slow(torch.randn(4096, 64)).var().item() - 1.0) < 0.1


def test_pixel_norm_gives_unit_mean_square_per_pixel():
    x = torch.randn(3, 7, 5, 5) * torch.arange(1, 8).view(1, 7, 1, 1)
    y = pixel_norm(x)
    assert torch.allclose(y.pow(2).mean(dim=1), torch.ones(3, 5, 5), atol=1e-5)
    # a pixel's direction is kept
    assert torch.allclose(y[:, :, 2, 3] / y[:, :, 2, 3].norm(dim=1, keepdim=True),
                          x[:, :, 2, 3] / x[:, :, 2, 3].norm(dim=1, keepdim=True), atol=1e-6)
    assert torch.allclose(pixel_norm(torch.tensor([[3.0, 4.0]])), torch.tensor([[3.0, 4.0]]) / math.sqrt(12.5))


def test_minibatch_stddev_on_a_known_batch():
    # 4 examples, 1 channel, 1×2 pixels: values a, b at the two pixels
    x = torch.tensor([1.0, 3.0, 5.0, 7.0]).view(4, 1, 1, 1).expand(4, 1, 1, 2).clone()
    x[:, 0, 0, 1] *= 2
    out = minibatch_stddev(x, group_size=4)
    assert out.shape == (4, 2, 1, 2)
    assert torch.equal(out[:, :1], x)
    # biased std over the 4 examples: pixel 0 → std(1, 3, 5, 7) = √5, pixel 1 → 2√5; mean over pixels 1.5√5
    assert torch.allclose(out[:, 1], torch.full((4, 1, 2), 1.5 * math.sqrt(5)), atol=1e-4)


def test_minibatch_stddev_groups_are_strided_and_split_features():
    torch.manual_seed(0)
    x = torch.randn(8, 4, 3, 3)
    out = minibatch_stddev(x, group_size=2)  # 4 groups: (0, 4), (1, 5), (2, 6), (3, 7)
    for m in range(4):
        grp = x[[m, m + 4]]
        want = torch.sqrt(grp.var(dim=0, unbiased=False) + 1e-8).mean()
        assert torch.allclose(out[m, 4], want.expand(3, 3), atol=1e-6)
        assert torch.allclose(out[m + 4, 4], want.expand(3, 3), atol=1e-6)
    two = minibatch_stddev(x, group_size=8, num_features=2)
    assert two.shape == (8, 6, 3, 3)
    want = torch.sqrt(x[:, 2:].var(dim=0, unbiased=False) + 1e-8).mean()
    assert torch.allclose(two[:, 5], want.expand(8, 3, 3), atol=1e-6)
    with pytest.raises(ValueError, match="not divisible"):
        minibatch_stddev(torch.randn(6, 4, 2, 2), group_size=4)


def test_adain_with_a_known_style():
    ada = AdaIN(w_dim=3, channels=2)
    with torch.no_grad():
        ada.affine.weight.zero_()
        ada.affine.bias.copy_(torch.tensor([1.0, -0.5, 10.0, 20.0]))  # y_s = (2, 0.5), y_b = (10, 20)
    x = torch.randn(5, 2, 4, 4) * 3 + 7
    y = ada(x, torch.randn(5, 3))
    norm = (x - x.mean(dim=(2, 3), keepdim=True)) / x.std(dim=(2, 3), unbiased=False, keepdim=True)
    assert torch.allclose(y[:, 0], 2 * norm[:, 0] + 10, atol=1e-4)
    assert torch.allclose(y[:, 1], 0.5 * norm[:, 1] + 20, atol=1e-4)
    # the style follows w through A: a weight on w's first component changes y_s per example
    with torch.no_grad():
        ada.affine.weight[0, 0] = 1.0
    w = torch.tensor([[0.0, 0, 0], [math.sqrt(3), 0, 0]])  # A's run-time scale is 1/√3
    y = ada(x[:2], w)
    assert torch.allclose(y[1, 0], 3 * norm[1, 0] + 10, atol=1e-4)
    assert torch.allclose(instance_norm(x).mean(dim=(2, 3)), torch.zeros(5, 2), atol=1e-5)


def test_modulated_conv_equals_a_per_example_convolution_with_demodulated_weights():
    """StyleGAN2's Eq. 1 and 3 written out per example: w' = s_i·w, w'' = w' / √(Σ w'² + ε), then a
    plain convolution; the layer's scale-conv-scale form must give the same maps."""
    torch.manual_seed(0)
    mod = ModulatedConv2d(w_dim=5, c_in=3, c_out=4).double()
    x, w = torch.randn(2, 3, 6, 6, dtype=torch.float64), torch.randn(2, 5, dtype=torch.float64)
    y = mod(x, w)
    s = mod.affine(w)
    for n in range(2):
        weight = mod.weight * mod.scale * s[n].view(1, -1, 1, 1)
        weight = weight / weight.pow(2).sum(dim=(1, 2, 3), keepdim=True).add(1e-8).sqrt()
        torch.testing.assert_close(y[n : n + 1], F.conv2d(x[n : n + 1], weight, padding=1))
    # demodulated: unit-variance inputs give outputs of about unit variance (inside the zero border),
    # whatever the style's size
    big = mod(torch.randn(64, 3, 16, 16, dtype=torch.float64), 10 * torch.randn(64, 5, dtype=torch.float64))
    var = big[:, :, 1:-1, 1:-1].var(dim=(0, 2, 3))
    assert ((var > 0.8) & (var < 1.2)).all(), var
    # a zero w modulates by 1 (A's bias starts at 1); without demodulation the weights are used as they are
    plain = ModulatedConv2d(w_dim=5, c_in=3, c_out=4, demodulate=False).double()
    torch.testing.assert_close(plain(x, torch.zeros(2, 5, dtype=torch.float64)),
                               F.conv2d(x, plain.weight * plain.scale, padding=1))


def test_noise_input_starts_at_zero_and_scales_per_channel():
    layer = NoiseInput(3)
    x = torch.randn(2, 3, 4, 4)
    assert torch.equal(layer(x), x)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([0.0, 1.0, 2.0]))
    noise = torch.randn(2, 1, 4, 4)
    y = layer(x, noise)
    assert torch.equal(y[:, 0], x[:, 0]) and torch.allclose(y[:, 2] - x[:, 2], 2 * noise[:, 0])


def test_blur_keeps_constants_and_spreads_an_impulse():
    blur = Blur()
    inner = blur(torch.ones(1, 2, 5, 5))[:, :, 1:-1, 1:-1]
    assert torch.allclose(inner, torch.ones_like(inner))
    impulse = torch.zeros(1, 1, 3, 3)
    impulse[0, 0, 1, 1] = 1.0
    assert torch.allclose(blur(impulse)[0, 0], torch.tensor([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16)
