"""PGGAN's growing networks: the fade-in is a linear blend of the old and the new path; the
networks always speak the data's resolution; blocks above the current level do not matter."""

import pytest
import torch

from ganforge.errors import GanforgeError
from ganforge.models.progressive import (
    ProgressiveDiscriminator,
    ProgressiveGenerator,
    downscale2d,
    fade_reals,
    fade_weights,
    upscale2d,
)

SHAPE = (1, 16, 16)  # levels 4, 8, 16


def _nets():
    torch.manual_seed(0)
    G = ProgressiveGenerator(z_dim=8, out_shape=SHAPE, fmap_base=64, fmap_max=16).double()
    D = ProgressiveDiscriminator(in_shape=SHAPE, fmap_base=64, fmap_max=16, mbstd_group_size=4).double()
    return G, D


def _at(net, p, *args):
    net.set_progress(p)
    return net(*args)


def test_fade_weights():
    assert fade_weights(0.0) == (0, 1.0)
    assert fade_weights(2.0) == (2, 1.0)
    assert fade_weights(1.25) == (2, 0.25)


@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0])
def test_generator_fade_is_old_path_at_0_and_new_path_at_1(alpha):
    G, _ = _nets()
    z = torch.randn(4, 8, dtype=torch.float64)
    with torch.no_grad():
        old, new = _at(G, 1.0, z), _at(G, 2.0, z)
        mid = _at(G, 1.0 + alpha, z) if alpha > 0 else _at(G, 1.0 + 1e-12, z)
    torch.testing.assert_close(mid, torch.lerp(old, new, alpha), atol=1e-9, rtol=0)
    assert old.shape == new.shape == (4, *SHAPE)
    # the old path is a 8×8 image shown at 16×16
    torch.testing.assert_close(upscale2d(downscale2d(old)), old)


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_discriminator_fade_is_old_path_at_0_and_new_path_at_1(alpha):
    _, D = _nets()
    x = torch.randn(4, *SHAPE, dtype=torch.float64)
    with torch.no_grad():
        old, new = _at(D, 1.0, x), _at(D, 2.0, x)
        mid = _at(D, 1.0 + max(alpha, 1e-12), x)
    torch.testing.assert_close(mid, old if alpha == 0 else new, atol=1e-9, rtol=0)
    assert not torch.allclose(old, new)


def test_blocks_above_the_current_level_do_not_matter():
    G, D = _nets()
    z, x = torch.randn(4, 8, dtype=torch.float64), torch.randn(4, *SHAPE, dtype=torch.float64)
    with torch.no_grad():
        g, d = _at(G, 0.5, z), _at(D, 0.5, x)
        for module in (G.blocks[2], G.to_rgb[2], D.blocks[2], D.from_rgb[2]):
            for p in module.parameters():
                p.add_(1.0)
        assert torch.equal(g, G(z)) and torch.equal(d, D(x))


def test_fade_reals_blends_the_resolutions():
    x = torch.rand(2, 1, 16, 16, dtype=torch.float64)
    low = upscale2d(downscale2d(x, 2), 2)
    lower = upscale2d(downscale2d(x, 4), 4)
    torch.testing.assert_close(fade_reals(x, 2.0, 3), x)
    torch.testing.assert_close(fade_reals(x, 1.0, 3), low)
    torch.testing.assert_close(fade_reals(x, 1.25, 3), torch.lerp(low, x, 0.25))
    torch.testing.assert_close(fade_reals(x, 0.5, 3), torch.lerp(lower, low, 0.5))


def test_fresh_networks_are_full_resolution_and_refuse_odd_shapes():
    G, D = _nets()
    assert float(G.progress) == 2.0 and "progress" in G.state_dict() and "progress" in D.state_dict()
    with pytest.raises(GanforgeError, match="power-of-two"):
        ProgressiveGenerator(z_dim=8, out_shape=(1, 28, 28))
    with pytest.raises(ValueError, match="progress"):
        G.set_progress(2.5)


def test_minibatch_stddev_makes_the_trainer_score_reals_and_fakes_apart(tmp_path):
    """A joint D pass over cat(real, fake) would hand reals and fakes one shared stddev statistic
    (it mixes them in every group), so D could not see a collapsed G: the trainer must run two."""
    from ganforge.training.context import couples_examples

    _, D = _nets()
    real, fake = torch.randn(4, *SHAPE, dtype=torch.float64), torch.zeros(4, *SHAPE, dtype=torch.float64)
    with torch.no_grad():
        joint = D(torch.cat([real, fake]))
        apart = torch.cat([D(real), D(fake)])
    assert not torch.allclose(joint, apart)
    assert couples_examples(D)
    assert not couples_examples(ProgressiveDiscriminator(in_shape=SHAPE, fmap_base=64, fmap_max=16,
                                                          mbstd_group_size=0))
