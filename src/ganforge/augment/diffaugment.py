"""DiffAugment (Zhao, Liu, Lin, Zhu & Han, "Differentiable Augmentation for Data-Efficient GAN
Training", NeurIPS 2020, Sec. 3): the same random colour, translation and cutout applied to every
image D sees, real and fake, in D's step and in G's, each operation differentiable so that G's
gradient reaches it through D. Images arrive in [-1, 1] (the caller maps them there); the
parameters follow the authors' release: brightness U[-0.5, 0.5] added, saturation × U[0, 2] about
each pixel's channel mean, contrast × U[0.5, 1.5] about the image mean, translation by up to 1/8
of the size with zero padding, one cutout square of half the size.

Written with PyTorch's indexing rather than kornia: each op is two lines, and the parameters come
from the run's own generator (exact resume; kornia's random ops draw from the global RNG)."""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

POLICIES = ("color", "translation", "cutout")


def color(x: Tensor, u: Tensor) -> Tensor:
    """u: [N, 3] uniforms → brightness, saturation and contrast, in that order."""
    n = x.shape[0]
    x = x + (u[:, 0].view(n, 1, 1, 1) - 0.5)
    if x.shape[1] > 1:  # saturation exists only for colour images
        mean = x.mean(dim=1, keepdim=True)
        x = (x - mean) * (2 * u[:, 1]).view(n, 1, 1, 1) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (u[:, 2] + 0.5).view(n, 1, 1, 1) + mean


def translation(x: Tensor, u: Tensor, ratio: float = 0.125) -> Tensor:
    """u: [N, 2] uniforms → an integer shift of up to ``ratio`` × (H, W) pixels in each direction;
    what comes in from outside the image is zero."""
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = (u[:, 0] * (2 * sh + 1)).long().clamp(max=2 * sh) - sh
    dx = (u[:, 1] * (2 * sw + 1)).long().clamp(max=2 * sw) - sw
    padded = torch.nn.functional.pad(x, (sw, sw, sh, sh))
    rows = (torch.arange(h, device=x.device).view(1, h) + sh - dy.view(n, 1))  # [N, H]
    cols = (torch.arange(w, device=x.device).view(1, w) + sw - dx.view(n, 1))  # [N, W]
    idx = torch.arange(n, device=x.device).view(n, 1, 1)
    return padded.permute(0, 2, 3, 1)[idx, rows.view(n, h, 1), cols.view(n, 1, w)].permute(0, 3, 1, 2)


def cutout(x: Tensor, u: Tensor, ratio: float = 0.5) -> Tensor:
    """u: [N, 2] uniforms → one square of ``ratio`` × (H, W) set to zero, its centre anywhere in the
    image (the part outside the image clipped)."""
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    top = (u[:, 0] * (h + 1 - ch % 2)).long() - ch // 2
    left = (u[:, 1] * (w + 1 - cw % 2)).long() - cw // 2
    ys = torch.arange(h, device=x.device).view(1, h)
    xs = torch.arange(w, device=x.device).view(1, w)
    inside_y = (ys >= top.view(n, 1)) & (ys < (top + ch).view(n, 1))
    inside_x = (xs >= left.view(n, 1)) & (xs < (left + cw).view(n, 1))
    keep = ~(inside_y.view(n, 1, h, 1) & inside_x.view(n, 1, 1, w))
    return x * keep.to(x.dtype)


_OPS: dict[str, tuple[int, Callable[[Tensor, Tensor], Tensor]]] = {
    "color": (3, color), "translation": (2, translation), "cutout": (2, cutout)}


def uniforms_needed(policies: list[str]) -> int:
    return sum(_OPS[p][0] for p in policies)


def diff_augment(x: Tensor, u: Tensor, policies: list[str]) -> Tensor:
    """x: [N, C, H, W] in [-1, 1]; u: [N, uniforms_needed(policies)] → x augmented by each policy in
    the order given (the authors': color, translation, cutout)."""
    at = 0
    for name in policies:
        k, op = _OPS[name]
        x = op(x, u[:, at : at + k].to(x.dtype))
        at += k
    return x
