"""``data.mirror``: each real image flipped left-right with probability ½ as it is drawn (x-flips,
as StyleGAN2-ADA's ``--mirror``), never G's samples.

Whether row ``i`` is flipped depends only on its index and the sampler's epoch (a hash, not a
random stream), so a resumed run and N ranks flip exactly the rows one process would, and the
same image is flipped in some epochs and not in others.
"""

from __future__ import annotations

import torch
from torch import Tensor

_MOD = 2**31  # every product below stays under 2**63 (int64)


def flip_mask(idx: Tensor, epoch: int) -> Tensor:
    """bool [B]: which of the rows ``idx`` (int64 [B]) to flip in ``epoch``, about half of them."""
    h = (idx.long() * 1103515245 + 12345 + (int(epoch) % _MOD) * 2654435) % _MOD
    h = ((h ^ (h >> 13)) * 1274126177) % _MOD
    return ((h >> 17) & 1).bool()


def mirror_rows(x: Tensor, idx: Tensor, epoch: int) -> Tensor:
    """x: [B, C, H, W] (the rows ``idx`` of the data) with the rows of ``flip_mask`` flipped left-right."""
    mask = flip_mask(idx, epoch).to(x.device)
    return torch.where(mask.view(-1, *([1] * (x.dim() - 1))), x.flip(-1), x)
