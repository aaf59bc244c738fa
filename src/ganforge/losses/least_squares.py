"""Least-squares losses of LSGAN (Mao et al., 2017), Eq. (2), with the a–b–c coding.

D minimises ½E[(D(x) − b)²] + ½E[(D(G(z)) − a)²]; G minimises ½E[(D(G(z)) − c)²].
Codings the paper proposes: "pearson" a=−1, b=1, c=0 (Eq. 8: b−c = 1 and b−a = 2, so that
minimising the objective minimises the Pearson χ² divergence), and "binary" a=0, b=1, c=1
(Eq. 9, the 0-1 coding used in the paper's experiments). D's raw score is the output
(no sigmoid).
"""

from __future__ import annotations

from torch import Tensor

from . import LossFamily, register_family

CODINGS = {"pearson": (-1.0, 1.0, 0.0), "binary": (0.0, 1.0, 1.0)}


def d_least_squares(*, real_logits: Tensor, fake_logits: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    return 0.5 * ((real_logits - b) ** 2).mean() + 0.5 * ((fake_logits - a) ** 2).mean()


def g_least_squares(*, fake_logits: Tensor, c: float = 1.0) -> Tensor:
    return 0.5 * ((fake_logits - c) ** 2).mean()


def _coded(coding: str):
    a, b, c = CODINGS[coding]
    return (lambda *, real_logits, fake_logits: d_least_squares(real_logits=real_logits, fake_logits=fake_logits,
                                                               a=a, b=b),
            lambda *, fake_logits: g_least_squares(fake_logits=fake_logits, c=c))


def score_stats(*, real_logits: Tensor, fake_logits: Tensor) -> dict[str, Tensor]:
    """Mean raw D score on real and fake (not probabilities for this family)."""
    return {"d_real_score": real_logits.detach().float().mean(), "d_fake_score": fake_logits.detach().float().mean()}


for _coding in CODINGS:
    _d, _g = _coded(_coding)
    a_, b_, c_ = CODINGS[_coding]
    register_family(LossFamily(
        name=f"lsgan-{_coding}", d_loss=_d, g_losses={"least_squares": _g}, default_g="least_squares",
        stats=score_stats, probabilistic=False, realness_threshold=(a_ + b_) / 2,
        doc=f"Mao et al. 2017, Eq. (2) with a={a_:g}, b={b_:g}, c={c_:g}",
    ))
