"""The project's Dropout: nn.Dropout's law (keep with probability 1 − p, scale 1/(1 − p)); at p = ½
its mask comes from random bits, which must be fair and independent at every bit position."""

import torch

from ganforge.nn.dropout import Dropout, half_mask, keep_mask


def test_half_mask_is_fair_at_every_bit_position():
    torch.manual_seed(0)
    n_words = 20_000
    # rows of 448 = lcm(56, 64) units: every column is one fixed bit position of the random words,
    # whether 56 or 64 bits of each int64 draw are used
    m = half_mask(torch.ones(448 * n_words)).view(n_words, 448)
    assert set(m.unique().tolist()) == {0.0, 2.0}
    kept = (m / 2).mean(0)
    sigma = 0.5 / n_words ** 0.5
    assert (kept - 0.5).abs().max() < 5 * sigma, kept  # a stuck bit (always 0) would sit at 0
    pairs = (m[:, :-1] * m[:, 1:] / 4).mean(0)  # neighbouring bits independent: P(both) = ¼
    assert (pairs - 0.25).abs().max() < 5 * (0.25 * 0.75 / n_words) ** 0.5


def test_keep_mask_law_in_both_halves_of_each_word():
    torch.manual_seed(0)
    n = 400_000
    for p in (0.05, 0.2, 0.7):
        m = keep_mask(torch.ones(n, 2), p)  # column 0: bits 0–23 of each word, column 1: bits 24–47
        assert set(m.unique().tolist()) == {0.0, torch.tensor(1.0 / (1.0 - p)).item()}
        kept = (m > 0).double().mean(0)
        sigma = (p * (1 - p) / n) ** 0.5
        assert (kept - (1 - p)).abs().max() < 5 * sigma, (p, kept)  # a chunk cut from the wrong bits drifts
        both = ((m[:, 0] > 0) & (m[:, 1] > 0)).double().mean()  # the two halves of a word are independent
        assert abs(both - (1 - p) ** 2) < 5 * ((1 - p) ** 2 / n) ** 0.5
    for shape in [(1,), (3, 5), (2, 7, 3)]:
        for dtype in (torch.float32, torch.bfloat16):
            m = keep_mask(torch.ones(shape, dtype=dtype), 0.2)
            assert m.shape == shape and m.dtype == dtype


def test_half_mask_any_shape_and_dtype():
    for shape in [(1,), (3, 55), (2, 57), (4, 3, 5)]:
        for dtype in (torch.float32, torch.bfloat16):
            m = half_mask(torch.ones(shape, dtype=dtype))
            assert m.shape == shape and m.dtype == dtype


def test_dropout_law_and_modes():
    torch.manual_seed(0)
    x = torch.ones(400, 500)
    for p in (0.2, 0.5):
        d = Dropout(p)
        y = d(x)
        assert set(y.unique().tolist()) == {0.0, 1.0 / (1.0 - p)}
        assert abs((y > 0).float().mean().item() - (1 - p)) < 0.01
        d.eval()
        assert torch.equal(d(x), x)  # off in eval mode
    always = Dropout(0.5, always=True).eval()
    assert not torch.equal(always(x), x)
    x.requires_grad_(True)
    y = Dropout(0.5)(x)
    y.sum().backward()
    assert torch.equal(x.grad, y.detach())  # the gradient is the same mask
