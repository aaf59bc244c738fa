"""SAGAN's self-attention, BigGAN's conditional BN, orthogonal regulariser and truncated z."""

import pytest
import torch
import torch.nn.functional as F

from ganforge.errors import GanforgeError
from ganforge.models.biggan import BigGANDiscriminator, BigGANGenerator
from ganforge.nn.conditional_bn import LinearConditionalBatchNorm2d
from ganforge.nn.self_attention import SelfAttention
from ganforge.penalties import PENALTIES
from ganforge.training.build import apply_spectral_norm
from ganforge.training.latent import LatentSpec, truncate


@pytest.mark.parametrize("pool", [True, False])
def test_attention_is_identity_at_init_and_rows_sum_to_one(pool):
    torch.manual_seed(0)
    att = SelfAttention(16, pool=pool, value_div=2 if pool else 8)
    x = torch.randn(3, 16, 8, 6)
    y = att(x)
    assert y.shape == x.shape and torch.equal(y, x)  # γ = 0
    beta, values = att.attention(x)
    keys = 8 * 6 // (4 if pool else 1)
    assert beta.shape == (3, 8 * 6, keys) and values.shape[-1] == keys
    torch.testing.assert_close(beta.sum(-1), torch.ones(3, 48))
    assert (beta >= 0).all()


def test_attention_output_matches_the_papers_sum():
    """o_j = v(Σ_i β_{j,i} h(x_i)) with β_{j,i} = softmax_i f(x_i)ᵀ g(x_j), y = γ·o + x, position by position."""
    torch.manual_seed(1)
    att = SelfAttention(8, pool=False, value_div=8)
    with torch.no_grad():
        att.gamma.fill_(0.7)
    x = torch.randn(2, 8, 3, 4)
    flat = x.flatten(2)  # [N, C, HW]
    W = {k: getattr(att, k).weight[:, :, 0, 0] for k in "fghv"}
    want = torch.empty_like(flat)
    for n in range(2):
        f, g, h = W["f"] @ flat[n], W["g"] @ flat[n], W["h"] @ flat[n]  # [C', HW]
        for j in range(12):
            beta = torch.softmax(torch.stack([f[:, i] @ g[:, j] for i in range(12)]), 0)
            o_j = W["v"] @ sum(beta[i] * h[:, i] for i in range(12))
            want[n, :, j] = 0.7 * o_j + flat[n, :, j]
    torch.testing.assert_close(att(x), want.view_as(x), rtol=1e-5, atol=1e-5)


def test_linear_conditional_bn_uses_the_conditions_gains():
    torch.manual_seed(2)
    cbn = LinearConditionalBatchNorm2d(3, 4)
    with torch.no_grad():
        cbn.gain.weight.copy_(torch.arange(12.0).view(3, 4) / 10)
        cbn.bias.weight.copy_(-torch.arange(12.0).view(3, 4))
    x = torch.randn(5, 3, 2, 2)
    y = torch.tensor([0, 3, 1, 2, 3])
    c = F.one_hot(y, 4).float()  # one-hot condition: column y of each projection
    out = cbn(x, c)
    normed = F.batch_norm(x, None, None, training=True, eps=1e-5)
    gain = 1 + cbn.gain.weight.t()[y]
    bias = cbn.bias.weight.t()[y]
    torch.testing.assert_close(out, normed * gain[:, :, None, None] + bias[:, :, None, None])


def test_biggan_generator_reads_the_shared_embedding_of_each_class():
    """Changing class 3's row of the shared embedding changes exactly the samples of class 3."""
    torch.manual_seed(3)
    G = BigGANGenerator(z_dim=12, out_shape=(1, 16, 16), ch=16, attn_res=8, shared_dim=6, n_classes=5).eval()
    z, y = torch.randn(6, 12), torch.tensor([0, 3, 1, 3, 4, 2])
    before = G(z, y)
    with torch.no_grad():
        G.shared[3] += 1.0
    after = G(z, y)
    changed = (after - before).flatten(1).abs().amax(1) > 1e-6
    assert changed.tolist() == [False, True, False, True, False, False]


def test_biggan_shapes_and_clear_errors():
    G = BigGANGenerator(z_dim=128, out_shape=(3, 32, 32), ch=16, n_classes=10)
    assert G.chunk == 32 and G.cond_dim == 128 + 32  # 3 blocks + 1: four chunks of 32
    D = BigGANDiscriminator(in_shape=(3, 32, 32), ch=16, n_classes=10)
    assert D.attn_after == 0  # 32 → 16 after the first block
    apply_spectral_norm(G)
    apply_spectral_norm(D)
    y = torch.arange(4)
    assert D(G(torch.randn(4, 128), y), y).shape == (4,)
    assert not hasattr(G.shared, "parametrizations")  # spectral norm leaves the shared table alone
    with pytest.raises(GanforgeError, match="multiple of 4"):
        BigGANGenerator(z_dim=130, out_shape=(3, 32, 32), n_classes=10)
    with pytest.raises(GanforgeError, match="attn_res=12"):
        BigGANGenerator(z_dim=128, out_shape=(3, 32, 32), attn_res=12)
    with pytest.raises(GanforgeError, match="shared class embedding"):
        BigGANGenerator(z_dim=128, out_shape=(3, 32, 32), shared_dim=0, n_classes=10)


def test_orthogonal_regulariser_matches_its_closed_form():
    ortho = PENALTIES.get("ortho")
    net = torch.nn.Module()
    net.lin = torch.nn.Linear(3, 2, bias=True)
    net.conv = torch.nn.Conv2d(1, 2, (1, 2), bias=False)
    net.shared = torch.nn.Parameter(torch.randn(4, 5))  # the class table: excluded
    with torch.no_grad():
        net.lin.weight.copy_(torch.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]))  # W Wᵀ = [[2, 1], [1, 2]]
        net.conv.weight.copy_(torch.tensor([[[[1.0, 2.0]]], [[[3.0, -1.0]]]]))  # rows (1, 2), (3, −1): ⟨·,·⟩ = 1
    assert ortho(G=net).item() == pytest.approx(2 * 1.0**2 + 2 * 1.0**2)
    with torch.no_grad():
        net.lin.weight.copy_(torch.tensor([[0.0, 3.0, 0.0], [2.0, 0.0, 0.0]]))  # orthogonal rows, any norms
        net.conv.weight.copy_(torch.tensor([[[[1.0, 1.0]]], [[[1.0, -1.0]]]]))
    assert ortho(G=net).item() == 0.0
    assert ortho.player == "G"


@pytest.mark.parametrize("threshold", [2.0, 0.5, 0.25])
def test_truncated_z_never_exceeds_the_threshold(threshold):
    spec = LatentSpec(64, "normal", n_classes=10)
    gen = torch.Generator().manual_seed(0)
    lat = spec.sample(2000, generator=gen, truncation=threshold)
    assert lat["z"].abs().max() <= threshold
    assert lat["z"].std() > threshold / 4  # spread over the interval, not collapsed to 0
    again = spec.sample(2000, generator=torch.Generator().manual_seed(0), truncation=threshold)
    assert torch.equal(lat["z"], again["z"])  # reproducible with the same generator


def test_truncation_refuses_bad_thresholds_and_uniform_z():
    with pytest.raises(GanforgeError, match="normal z"):
        truncate(torch.zeros(2, 3), 0.5, "uniform")
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(GanforgeError, match="threshold"):
            truncate(torch.zeros(2, 3), bad, "normal")


def test_sagan_class_tables_start_equal_or_drawn():
    """Per-class BN tables (SAGAN): 'ones' gives every class gain 1 and bias 0, so at init the class changes
    nothing; 'init' draws each class its own gains (around 1) and biases, as BigGAN-PyTorch's ccbn."""
    from ganforge.nn.conditional_bn import ConditionalBatchNorm2d

    z, y0, y1 = torch.randn(4, 16), torch.zeros(4, dtype=torch.long), torch.ones(4, dtype=torch.long)
    kw = dict(z_dim=16, out_shape=(1, 16, 16), ch=8, attn_res=0, shared_dim=0, hier=False, init="xavier", n_classes=3)
    torch.manual_seed(0)
    same = BigGANGenerator(**kw).train()
    assert torch.allclose(same(z, y0), same(z, y1))
    torch.manual_seed(0)
    drawn = BigGANGenerator(**kw, class_tables="init").train()
    assert not torch.allclose(drawn(z, y0), drawn(z, y1))
    tables = [m for m in drawn.modules() if isinstance(m, ConditionalBatchNorm2d)]
    assert tables and all(abs(float(m.gain.detach().mean()) - 1.0) < 0.2 and float(m.bias.detach().std()) > 0 for m in tables)
    with pytest.raises(GanforgeError, match="class_tables"):
        BigGANGenerator(**kw, class_tables="random")


def test_project_sn_false_leaves_only_the_z_layer_unnormalised():
    """G.args.project_sn=false: spectral norm reaches every conv and linear layer of G but its z → 4×4 layer,
    whose weight then keeps its own scale (σ of the raw weight, not 1)."""
    kw = dict(z_dim=16, out_shape=(1, 16, 16), ch=8, attn_res=8, shared_dim=0, hier=False, n_classes=3)
    for project_sn in (True, False):
        torch.manual_seed(0)
        G = BigGANGenerator(**kw, project_sn=project_sn)
        with torch.no_grad():
            G.project.weight.mul_(100.0)
        raw = G.project.weight.detach().clone()
        apply_spectral_norm(G)
        normed = [n for n, m in G.named_modules() if hasattr(m, "parametrizations")]
        assert ("project" in normed) is project_sn
        assert any(n.startswith("blocks.0.") for n in normed) and any(n.startswith("attention.") for n in normed)
        G.train()
        G(torch.randn(4, 16), torch.zeros(4, dtype=torch.long))  # a power iteration
        sigma = float(torch.linalg.matrix_norm(G.project.weight.detach(), 2))
        assert (abs(sigma - 1.0) < 0.05) is project_sn
        assert torch.equal(G.project.weight.detach(), raw) is (not project_sn) and float(torch.linalg.matrix_norm(raw, 2)) > 2


def test_project_bias_false_makes_the_first_layer_linear_in_z():
    kw = dict(z_dim=16, out_shape=(1, 16, 16), ch=8, attn_res=0, shared_dim=0, hier=False, n_classes=3)
    assert BigGANGenerator(**kw).project.bias is not None
    G = BigGANGenerator(**kw, project_bias=False)
    assert G.project.bias is None
    assert torch.equal(G.project(torch.zeros(2, 16)), torch.zeros(2, 8 * 4 * 4))
