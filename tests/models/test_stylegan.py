"""StyleGAN's generator: each layer's AdaIN reads its own w; style mixing switches w at the
crossover layer; truncation at ψ = 0 gives the average w's image for every z; w̄ tracks w; the
noise inputs; the fade-in."""

import pytest
import torch

from ganforge.models.stylegan import StyleGenerator

SHAPE = (1, 16, 16)  # levels 4, 8, 16: 6 style layers


def _G(**kw):
    torch.manual_seed(0)
    G = StyleGenerator(z_dim=8, out_shape=SHAPE, w_dim=8, mapping_layers=2, fmap_base=64, fmap_max=16, **kw).double()
    with torch.no_grad():  # non-zero noise scales, so that the noise shows
        for layer in G.layers:
            layer.noise.weight.normal_()
    return G


def _styles_seen(G, run):
    """The w each layer's style map receives during ``run()``: [layers] tensors [N, w_dim]."""
    seen = {}
    hooks = [layer.affine.register_forward_hook(lambda m, inp, out, i=i: seen.__setitem__(i, inp[0].clone()))
             for i, layer in enumerate(G.layers)]
    try:
        run()
    finally:
        for h in hooks:
            h.remove()
    return [seen[i] for i in sorted(seen)]


@pytest.mark.parametrize("style", ["adain", "demod"])
@pytest.mark.parametrize("cut", [1, 3, 5])
def test_style_mixing_switches_styles_at_the_chosen_layer(cut, style):
    G = _G(style=style).eval()
    z1, z2 = torch.randn(3, 8, dtype=torch.float64), torch.randn(3, 8, dtype=torch.float64)
    w1, w2 = G.map(z1), G.map(z2)
    ws = w1.unsqueeze(1).repeat(1, G.num_layers, 1)
    ws[:, cut:] = w2.unsqueeze(1)
    seen = _styles_seen(G, lambda: G.synthesis(ws, noise="const"))
    assert len(seen) == G.num_layers == 6
    for i, w in enumerate(seen):
        torch.testing.assert_close(w, w1 if i < cut else w2)
    # the mixed styles change the image
    with torch.no_grad():
        a, b = G.synthesis(w1, noise="const"), G.synthesis(ws, noise="const")
    assert not torch.allclose(a, b)


def test_training_mixes_with_the_set_probability():
    G = _G(style_mixing_prob=1.0).train()
    z = torch.randn(4, 8, dtype=torch.float64)
    torch.manual_seed(5)
    seen = _styles_seen(G, lambda: G(z))
    w = G.map(z)
    cut = next(i for i, s in enumerate(seen) if not torch.allclose(s, w))
    assert 1 <= cut < G.num_layers
    assert all(torch.allclose(s, seen[-1]) for s in seen[cut:])
    G0 = _G(style_mixing_prob=0.0).train()
    assert all(torch.allclose(s, G0.map(z)) for s in _styles_seen(G0, lambda: G0(z)))


def test_truncation_at_psi_0_gives_the_average_w_image_for_every_z():
    G = _G()
    with torch.no_grad():
        G.w_avg.copy_(torch.randn(8, dtype=torch.float64))
        G.eval()
        out = G(torch.randn(5, 8, dtype=torch.float64), psi=0.0, noise="const")
        avg_image = G.synthesis(G.w_avg.expand(1, -1), noise="const")
    for img in out:
        torch.testing.assert_close(img, avg_image[0])
    with torch.no_grad():  # ψ = 1 is no truncation; ψ = −1 mirrors w around w̄
        z = torch.randn(2, 8, dtype=torch.float64)
        w = G.map(z)
        ws = w.unsqueeze(1).repeat(1, G.num_layers, 1)
        torch.testing.assert_close(G.truncate(ws, 1.0), ws)
        torch.testing.assert_close(G.truncate(ws, -1.0), 2 * G.w_avg - ws)
        part = G.truncate(ws, 0.0, cutoff=2)
        torch.testing.assert_close(part[:, :2], G.w_avg.expand(2, 2, -1))
        torch.testing.assert_close(part[:, 2:], ws[:, 2:])


def test_w_avg_tracks_the_mean_w_in_training_only():
    G = _G(style_mixing_prob=0.0, w_avg_beta=0.5)
    z = torch.randn(6, 8, dtype=torch.float64)
    G.train()
    with torch.no_grad():
        G(z)
        torch.testing.assert_close(G.w_avg, 0.5 * G.map(z).mean(dim=0))
        G.eval()
        before = G.w_avg.clone()
        G(z)
    assert torch.equal(G.w_avg, before)


def test_noise_inputs():
    G = _G().eval()
    z = torch.randn(2, 8, dtype=torch.float64)
    with torch.no_grad():
        const = [G(z, noise="const") for _ in range(2)]
        rand = [G(z, noise="random") for _ in range(2)]
        none = G(z, noise="none")
    assert torch.equal(const[0], const[1])
    assert not torch.allclose(rand[0], rand[1]) and not torch.allclose(none, const[0])
    with pytest.raises(ValueError, match="noise"):
        G.synthesis(G.map(z), noise="fresh")


@pytest.mark.parametrize("alpha", [0.0, 0.4, 1.0])
def test_synthesis_fade_is_a_blend_of_the_old_and_new_paths(alpha):
    G = _G().eval()
    w = G.map(torch.randn(3, 8, dtype=torch.float64))
    with torch.no_grad():
        G.set_progress(1.0)
        old = G.synthesis(w, noise="const")
        G.set_progress(2.0)
        new = G.synthesis(w, noise="const")
        G.set_progress(1.0 + max(alpha, 1e-12))
        mid = G.synthesis(w, noise="const")
    torch.testing.assert_close(mid, torch.lerp(old, new, alpha), atol=1e-9, rtol=0)


def test_style_pictures_layout(tmp_path):
    from ganforge.viz.style_pictures import save_style_pictures, style_mixing, style_ranges, truncation_sweep

    G = _G().float().eval()
    assert style_ranges(G) == {"coarse": range(0, 4), "middle": range(4, 6), "fine": range(6, 6)}
    x, nrow = style_mixing(G, a_seeds=(1, 2), b_seeds=(3, 4), rows=("coarse", "middle"))
    assert nrow == 3 and x.shape == (9, *SHAPE)
    assert torch.equal(x[0], torch.ones_like(x[0]))  # the corner
    with torch.no_grad():  # row 1: B₀ then A₀, A₁ with B₀'s coarse styles
        z = torch.stack([torch.randn(8, generator=torch.Generator().manual_seed(s)) for s in (1, 2, 3)])
        ws = G.truncate(G.map(z).unsqueeze(1).repeat(1, G.num_layers, 1), 0.7)
        mixed = ws[:2].clone()
        mixed[:, :4] = ws[2, :4]
        want = ((G.synthesis(mixed, "const") + 1) / 2).clamp(0, 1)
    torch.testing.assert_close(x[4:6], want)
    sweep, cols = truncation_sweep(G, seeds=(1, 2))
    assert cols == 9 and torch.allclose(sweep[4], sweep[13])  # ψ = 0: the same image for both seeds
    paths = save_style_pictures(G, tmp_path, prefix="t")
    assert all(p.is_file() for p in paths.values())


@pytest.mark.parametrize("const_input", [True, False])
def test_the_first_layer_starts_from_the_constant_or_from_a_dense_layer_of_its_w(const_input):
    """const_input (the paper's design): every sample starts from the learned 4×4 constant; False (the authors'
    const_input_layer=False): from a dense layer of the first layer's w, so the start differs per sample."""
    G = _G(const_input=const_input).eval()
    seen = {}
    hook = G.layers[0].register_forward_pre_hook(lambda m, args: seen.__setitem__("x", args[0].clone()))
    ws = G.map(torch.randn(3, 8, dtype=torch.float64)).unsqueeze(1).expand(-1, G.num_layers, -1)
    try:
        G.synthesis(ws, noise="none")
    finally:
        hook.remove()
    if const_input:
        assert torch.equal(seen["x"], G.const.expand(3, -1, -1, -1)) and not hasattr(G, "input")
    else:
        assert not hasattr(G, "const")
        assert torch.allclose(seen["x"], G.input(ws[:, 0]).view(3, -1, 4, 4))
        assert not torch.allclose(seen["x"][0], seen["x"][1])


def test_demod_style_uses_modulated_convolutions_and_no_instance_norm():
    """style="demod" (StyleGAN2's Sec. 2.2): every layer is a modulated, demodulated 3×3 convolution, no
    layer keeps an AdaIN, and a feature map's spatial mean survives (instance norm would set it to zero)."""
    from ganforge.errors import GanforgeError
    from ganforge.nn.style import ModulatedConv2d

    G = _G(style="demod").eval()
    assert all(isinstance(layer.conv, ModulatedConv2d) and not hasattr(layer, "adain") for layer in G.layers)
    seen = {}
    hook = G.layers[1].register_forward_hook(lambda m, args, out: seen.__setitem__("x", out.clone()))
    with torch.no_grad():
        try:
            G(torch.randn(4, 8, dtype=torch.float64), noise="const")
        finally:
            hook.remove()
    assert seen["x"].mean(dim=(2, 3)).abs().max() > 1e-3
    # the style changes the image through the modulation alone
    with torch.no_grad():
        w = G.map(torch.randn(2, 8, dtype=torch.float64))
        a = G.synthesis(w, noise="const")
        G.layers[2].conv.affine.weight.mul_(3.0)
        b = G.synthesis(w, noise="const")
    assert not torch.allclose(a, b)
    with pytest.raises(GanforgeError, match="style must be one of"):
        _G(style="adaptive")
