"""EBGAN's pulling-away term (Zhao, Mathieu & LeCun, 2017, Eq. 14), a repelling regulariser on
the encoder representations of a generated batch:

    f_PT(S) = 1 / (N (N − 1)) · Σ_i Σ_{j ≠ i} (S_iᵀ S_j / (‖S_i‖ ‖S_j‖))²

S: [N, ...] (flattened per example). It is 0 for mutually orthogonal representations and 1
when all point the same way; G adds λ_PT · f_PT to its loss so that its samples do not
collapse onto one mode. Needs N ≥ 2.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def pulling_away(embeddings: Tensor, eps: float = 1e-8) -> Tensor:
    s = F.normalize(embeddings.flatten(1).float(), dim=1, eps=eps)
    n = s.shape[0]
    if n < 2:
        raise ValueError("the pulling-away term needs at least 2 examples")
    cos2 = (s @ s.T) ** 2
    # the diagonal holds 1 for every non-zero row (0 for a zero row); remove it exactly
    return (cos2.sum() - cos2.diagonal().sum()) / (n * (n - 1))
