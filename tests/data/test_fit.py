"""data.fit (crop, pad, stretch, centre), the sizes an architecture takes, and data.mirror."""

import pytest
import torch

from ganforge.config import DataConfig
from ganforge.data.base import BatchSampler, load_data
from ganforge.data.fit import centred_from, describe_fit, fit_uint8, uncentre
from ganforge.data.mirror import flip_mask
from ganforge.errors import GanforgeError
from ganforge.models.dcgan import DCGANDiscriminator, DCGANGenerator
from ganforge.models.resnet import ResNetDiscriminator, ResNetGenerator
from ganforge.models.sizes import nearest_size


def test_crop_pad_stretch_keep_or_change_the_picture():
    x = torch.zeros(1, 1, 10, 6, dtype=torch.uint8)
    x[..., :, 0] = 200  # the left column
    crop, pad, stretch = (fit_uint8(x, [10, 10], f) for f in ("crop", "pad", "stretch"))
    assert crop.shape == pad.shape == stretch.shape == (1, 1, 10, 10)
    assert pad[0, 0, :, :3].float().mean() > 150  # padding repeats the edge
    assert int(fit_uint8(x, [10, 6], "pad").sum()) == int(x.sum())  # same size: untouched
    with pytest.raises(GanforgeError, match="data.fit must be one of crop, pad, stretch, centre"):
        fit_uint8(x, [10, 10], "squash")
    assert "adding 4 columns (data.fit=pad)" in describe_fit((112, 92), (112, 96), "pad")


def test_centre_zero_pads_without_scaling_as_the_pggan_authors_pad_mnist():
    x = torch.randint(1, 256, (3, 1, 28, 28), dtype=torch.uint8)
    y = fit_uint8(x, [32, 32], "centre")
    assert torch.equal(y[:, :, 2:30, 2:30], x)  # the digit's pixels, unscaled, 2 pixels in from each side
    assert int(y.sum()) == int(x.sum())  # the margins are black
    assert torch.equal(fit_uint8(y, [28, 28], "centre"), x)  # larger images lose their margins
    assert "centring without scaling" in describe_fit((28, 28), (32, 32), "centre")
    assert load_data(DataConfig(name="digits", image_size=[16, 16], fit="centre")).x.shape[2:] == (16, 16)


@pytest.mark.parametrize("native,size", [((28, 28), (32, 32)), ((28, 28), (31, 33)), ((5, 7), (8, 8))])
def test_uncentre_gives_back_what_centre_framed(native, size):
    x = torch.randint(1, 256, (2, 1, *native), dtype=torch.uint8)
    assert torch.equal(uncentre(fit_uint8(x, list(size), "centre"), native), x)
    assert centred_from("centre", list(native), list(size)) == list(native)
    assert centred_from("stretch", list(native), list(size)) is None and centred_from("centre", [8, 8], [8, 8]) is None
    cut = uncentre(fit_uint8(x, [4, 4], "centre"), native)  # an image centred into a smaller frame lost its edges
    assert cut.shape == x.shape and int((cut != 0).sum()) == 2 * 16
    assert load_data(DataConfig(name="digits", image_size=[12, 12], fit="centre")).info["native_size"] == [8, 8]


def test_nearest_sizes_keep_the_aspect_ratio():
    assert nearest_size("dcgan_generator", {}, (112, 92), "pad") == (112, 96)
    assert nearest_size("dcgan_generator", {}, (112, 92), "crop") == (112, 80)
    assert nearest_size("dcgan_generator", {}, (28, 28), "crop") == (28, 28)
    assert nearest_size("stylegan_generator", {}, (112, 92), "crop") == (64, 64)
    assert nearest_size("mlp_generator", {}, (112, 92), "crop") is None


@pytest.mark.parametrize("G, D, args", [(DCGANGenerator, DCGANDiscriminator, {"ngf": 4}),
                                        (ResNetGenerator, ResNetDiscriminator, {"ch": 4})])
def test_non_square_backbones(G, D, args):
    g = G(z_dim=4, out_shape=(1, 112, 96), **args)
    d = D(in_shape=(1, 112, 96), **({"ndf": 4} if "ngf" in args else args))
    x = g(torch.randn(2, 4))
    assert x.shape == (2, 1, 112, 96) and d(x).shape == (2,)


def test_a_size_dcgan_cannot_take_names_the_nearest():
    with pytest.raises(GanforgeError, match=r"nearest is 32×32.*data.image_size=\[32,32\]"):
        DCGANGenerator(z_dim=4, out_shape=(1, 30, 30))


def test_mirror_flips_about_half_of_the_reals_the_same_on_resume(tmp_path):
    mask = flip_mask(torch.arange(10_000), epoch=3)
    assert 0.45 < mask.float().mean() < 0.55 and not torch.equal(mask, flip_mask(torch.arange(10_000), epoch=4))
    data = load_data(DataConfig(name="digits", mirror=True))
    sampler = BatchSampler(len(data), 64, seed=0)
    idx = sampler.next()
    x, _ = data.take(idx, sampler, labels=False)
    flipped = flip_mask(idx, sampler.epoch)
    assert torch.equal(x[flipped], data.x[idx][flipped].flip(-1)) and torch.equal(x[~flipped], data.x[idx][~flipped])
    with pytest.raises(GanforgeError, match="data.mirror"):
        load_data(DataConfig(name="ring-2d", mirror=True))
