"""CycleGAN's image pool (Zhu et al., ICCV 2017, Sec. 4; Shrivastava et al., 2017): D is updated
on a history of generated images rather than only the newest ones.

As in the authors' ``util/image_pool.py``: while the pool holds fewer than ``capacity`` images each
new image is stored and returned; once full, each new image is, with probability ½, swapped with a
stored one picked uniformly (the stored one is returned), else returned itself. The pool is a
plain tensor [k, C, H, W] (k ≤ capacity) so that it can live in the recipe state and be
checkpointed; randomness comes from torch's global stream (checkpointed with the run).
"""

from __future__ import annotations

import torch
from torch import Tensor


def pool_query(pool: Tensor, images: Tensor, *, capacity: int = 50,
               generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    """pool: [k, C, H, W] (k ≤ capacity; an empty tensor before the first call);
    images: [N, C, H, W] (detached here). Returns (images for D [N, C, H, W], the new pool)."""
    images = images.detach()
    if capacity <= 0:
        return images, pool
    stored = list(pool.to(images).unbind(0)) if pool.numel() else []
    n = images.shape[0]
    # drawn on the CPU (no device sync): a coin and a slot for every image
    coins = torch.rand(n, generator=generator).tolist()
    slots = torch.randint(0, capacity, (n,), generator=generator).tolist()
    out = []
    for image, coin, slot in zip(images.unbind(0), coins, slots):
        if len(stored) < capacity:
            stored.append(image.clone())
            out.append(image)
        elif coin > 0.5:
            out.append(stored[slot])
            stored[slot] = image.clone()
        else:
            out.append(image)
    return torch.stack(out), torch.stack(stored)
