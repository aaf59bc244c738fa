"""InfoGAN's mutual-information term (Chen et al., 2016, eq. 4–6; openai/InfoGAN,
infogan/algos/infogan_trainer.py).

L_I(G, Q) = E[log Q(c | G(z, c))] + H(c) ≤ I(c; G(z, c)). InfoGAN *maximises* λ·L_I for both G and
Q (the released code subtracts λ·MI from D's and G's losses, Q being part of D's variables), so the
term added to both losses is ``λ · info_loss``: the negative log-likelihood of the codes under Q,
H(c) being a constant left out. Sign convention: lower is better; a perfect Q gives the minimum.

Codes: ``q`` is what ``infogan_q`` returns, {"cat_logits": [N, K], "cont_mean": [N, n_cont]};
``c_cat``: int64 [N] categories; ``c_cont``: [N, n_cont] continuous codes (U[−1, 1] in the paper).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def info_loss(*, q: dict[str, Tensor], c_cat: Tensor | None, c_cont: Tensor | None, cont_weight: float = 1.0) -> Tensor:
    """Scalar: mean over the batch of −log Q(c_cat | x) + cont_weight · (−log N(c_cont; μ, 1)).

    The categorical part is the cross-entropy of Q's logits (nats). The continuous part is the
    full Gaussian negative log-likelihood with std fixed to 1, summed over the codes: it keeps
    the constant ½·log 2π per code, as the released code's ``CrossEnt_cont`` does, so with μ = c
    it equals n_cont · ½·log 2π ≈ 0.919·n_cont, not 0 (gradients are the same either way).
    ``cont_weight`` scales the continuous part only (the released MNIST run: 1; the paper
    suggests a smaller λ for continuous codes). Pass None for a kind of code the run lacks.
    """
    terms = []
    if c_cat is not None:
        terms.append(F.cross_entropy(q["cat_logits"], c_cat.long()))
    if c_cont is not None and c_cont.shape[1] > 0:
        mean = q["cont_mean"]
        nll = 0.5 * (c_cont.to(mean.dtype) - mean).pow(2).sum(dim=1).mean() + _HALF_LOG_2PI * c_cont.shape[1]
        terms.append(cont_weight * nll)
    if not terms:
        raise ValueError("info_loss needs at least one code (c_cat or c_cont)")
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


def mi_lower_bound(*, q: dict[str, Tensor], c_cat: Tensor, c_cont: Tensor | None = None, n_categorical: int) -> Tensor:
    """Scalar, nats: the categorical code's bound L_I = H(c) − CE = log K − E[−log Q(c | x)],
    for c uniform over K categories (the released code's ``MI_disc``; the paper's Fig. 1 shows it
    reaching log 10 ≈ 2.30 on MNIST). A detached statistic for logging: ≤ log K, → log K as Q
    recovers the code.

    ``c_cont`` is accepted and not used: with Q's std fixed at 1, the continuous bound
    h(U[−1, 1]) − NLL = log 2 − (½·log 2π + ½·E(c − μ)²) is below zero whatever Q does, so it
    says nothing. (The released code logs an ``MI_cont`` whose "entropy" is the N(0, 1)
    cross-entropy of the uniform codes, not their entropy.)
    """
    del c_cont
    with torch.no_grad():
        return math.log(n_categorical) - F.cross_entropy(q["cat_logits"], c_cat.long())
