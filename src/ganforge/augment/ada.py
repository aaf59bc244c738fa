"""ADA's augmentation pipeline (Karras, Aittala, Hellsten, Laine, Lehtinen & Aila, "Training
Generative Adversarial Networks with Limited Data", NeurIPS 2020, Sec. 2–3 and App. B): every
operation of the chosen groups is applied to each image independently with probability p.

- blit (pixel blitting): x-flip, rotation by a multiple of 90°, integer translation up to 1/8;
- geom (general geometric): isotropic scale 2^N(0, 0.2²), rotation U(−180°, 180°) (applied as a
  pre- and a post-rotation, each with probability 1 − √(1 − p), so that one happens with p),
  anisotropic scale 2^N(0, 0.2²), fractional translation N(0, 0.125²);
- color: brightness + N(0, 0.2²), contrast × 2^N(0, 0.5²), luma flip, hue rotation U(−180°,
  180°) about the luma axis, saturation × 2^N(0, 1).

Blit and geometric operations are composed into one inverse map per image and applied as one
resampling (PyTorch's ``grid_sample``, reflection padding as the paper's); the colour operations
into one 4×4 matrix per image. Images arrive in [-1, 1]. Each operation is invertible and is
skipped with probability 1 − p, so for p < 1 the augmented distribution still determines the
clean one (the paper's non-leaking condition, Sec. 2.2; in its Fig. 3 leaks appear only above
p ≈ 0.8, which the controller's target keeps p well below in practice)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

GROUPS = {"blit": ("xflip", "rotate90", "xint"), "geom": ("scale", "rotate", "aniso", "xfrac"),
          "color": ("brightness", "contrast", "lumaflip", "hue", "saturation")}
NAMED = {"b": ("blit",), "bg": ("blit", "geom"), "bgc": ("blit", "geom", "color"), "blit": ("blit",),
         "geom": ("geom",), "color": ("color",)}
# the standard deviations and ranges of StyleGAN2-ADA's AugmentPipe defaults (training/augment.py)
XINT_MAX, SCALE_STD, ROTATE_MAX, ANISO_STD, XFRAC_STD = 0.125, 0.2, 1.0, 0.2, 0.125
BRIGHTNESS_STD, CONTRAST_STD, HUE_MAX, SATURATION_STD = 0.2, 0.5, 1.0, 1.0
UNIFORMS = 28  # random numbers per image (see ``ada_augment``)


def _eye(n: int, k: int, like: Tensor) -> Tensor:
    return torch.eye(k, dtype=like.dtype, device=like.device).expand(n, k, k).clone()


def _translate2d(tx: Tensor, ty: Tensor) -> Tensor:
    m = _eye(tx.shape[0], 3, tx)
    m[:, 0, 2], m[:, 1, 2] = tx, ty
    return m


def _scale2d(sx: Tensor, sy: Tensor) -> Tensor:
    m = _eye(sx.shape[0], 3, sx)
    m[:, 0, 0], m[:, 1, 1] = sx, sy
    return m


def _rotate2d(theta: Tensor) -> Tensor:
    m = _eye(theta.shape[0], 3, theta)
    c, s = torch.cos(theta), torch.sin(theta)
    m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1] = c, -s, s, c
    return m


def _gauss(u: Tensor) -> Tensor:
    """N(0, 1) from a uniform in (0, 1) (the generator gives uniforms only: one stream for all)."""
    return math.sqrt(2.0) * torch.erfinv(u.clamp(1e-6, 1 - 1e-6) * 2 - 1)


def _where(u: Tensor, p: Tensor, value: Tensor, identity: float) -> Tensor:
    """``value`` where the uniform ``u`` < p, else the operation's identity."""
    return torch.where(u < p, value, torch.full_like(value, identity))


def geometric_inverse(u: Tensor, p: Tensor, groups: tuple[str, ...], h: int, w: int) -> Tensor:
    """[N, 3, 3]: output pixel (centred coordinates, pixels) → input pixel, for the blit and geom
    operations drawn from the uniforms u[:, 0:18]."""
    n = u.shape[0]
    G = _eye(n, 3, u)
    if "blit" in groups:
        flip = _where(u[:, 0], p, torch.floor(u[:, 1] * 2), 0.0)
        G = G @ _scale2d(1 - 2 * flip, torch.ones_like(flip))
        quarter = _where(u[:, 2], p, torch.floor(u[:, 3] * 4), 0.0)
        G = G @ _rotate2d(-math.pi / 2 * quarter)
        tx = _where(u[:, 4], p, torch.round((u[:, 5] * 2 - 1) * XINT_MAX * w), 0.0)
        ty = _where(u[:, 4], p, torch.round((u[:, 6] * 2 - 1) * XINT_MAX * h), 0.0)
        G = G @ _translate2d(tx, ty)
    if "geom" in groups:
        s = _where(u[:, 7], p, torch.exp2(_gauss(u[:, 8]) * SCALE_STD), 1.0)
        G = G @ _scale2d(s, s)
        p_rot = 1 - torch.sqrt((1 - p).clamp(0, 1))
        theta = _where(u[:, 9], p_rot, (u[:, 10] * 2 - 1) * math.pi * ROTATE_MAX, 0.0)
        G = G @ _rotate2d(-theta)
        a = _where(u[:, 11], p, torch.exp2(_gauss(u[:, 12]) * ANISO_STD), 1.0)
        G = G @ _scale2d(a, 1 / a)
        theta = _where(u[:, 13], p_rot, (u[:, 14] * 2 - 1) * math.pi * ROTATE_MAX, 0.0)
        G = G @ _rotate2d(-theta)
        fx = _where(u[:, 15], p, _gauss(u[:, 16]) * XFRAC_STD * w, 0.0)
        fy = _where(u[:, 15], p, _gauss(u[:, 17]) * XFRAC_STD * h, 0.0)
        G = G @ _translate2d(fx, fy)
    return G


def colour_matrix(u: Tensor, p: Tensor) -> Tensor:
    """[N, 4, 4] acting on (r, g, b, 1), from the uniforms u[:, 18:28]."""
    n = u.shape[0]
    C = _eye(n, 4, u)
    luma = torch.tensor([1.0, 1.0, 1.0, 0.0], dtype=u.dtype, device=u.device) / math.sqrt(3)
    vv = torch.outer(luma, luma).expand(n, 4, 4)
    b = _where(u[:, 18], p, _gauss(u[:, 19]) * BRIGHTNESS_STD, 0.0)
    shift = _eye(n, 4, u)
    shift[:, :3, 3] = b.view(n, 1)
    C = shift @ C
    c = _where(u[:, 20], p, torch.exp2(_gauss(u[:, 21]) * CONTRAST_STD), 1.0)
    scale = _eye(n, 4, u)
    scale[:, 0, 0] = scale[:, 1, 1] = scale[:, 2, 2] = c
    C = scale @ C
    flip = _where(u[:, 22], p, torch.floor(u[:, 23] * 2), 0.0)
    C = (_eye(n, 4, u) - 2 * vv * flip.view(n, 1, 1)) @ C
    theta = _where(u[:, 24], p, (u[:, 25] * 2 - 1) * math.pi * HUE_MAX, 0.0)
    C = _rotate_about_luma(theta, luma) @ C
    s = _where(u[:, 26], p, torch.exp2(_gauss(u[:, 27]) * SATURATION_STD), 1.0)
    C = (vv + (_eye(n, 4, u) - vv) * s.view(n, 1, 1)) @ C
    return C


def _rotate_about_luma(theta: Tensor, axis: Tensor) -> Tensor:
    """Rodrigues' rotation by ``theta`` [N] about the unit ``axis`` (its first three entries)."""
    n = theta.shape[0]
    x, y, z = axis[0], axis[1], axis[2]
    cross = torch.stack([torch.stack([0 * x, -z, y]), torch.stack([z, 0 * x, -x]), torch.stack([-y, x, 0 * x])])
    outer = torch.outer(axis[:3], axis[:3])
    c, s = torch.cos(theta).view(n, 1, 1), torch.sin(theta).view(n, 1, 1)
    R = _eye(n, 4, theta)
    R[:, :3, :3] = c * torch.eye(3, dtype=theta.dtype, device=theta.device) + s * cross + (1 - c) * outer
    return R


def ada_augment(x: Tensor, u: Tensor, p: Tensor, groups: tuple[str, ...]) -> Tensor:
    """x: [N, C, H, W] in [-1, 1]; u: [N, UNIFORMS] uniforms; p: a 0-d tensor → x augmented."""
    n, ch, h, w = x.shape
    u = u.to(torch.float32)
    p = p.to(torch.float32)
    if "blit" in groups or "geom" in groups:
        G = geometric_inverse(u, p, groups, h, w)
        # centred pixels → affine_grid's normalised coordinates (−1 … 1 across the image)
        norm = torch.diag(torch.tensor([2.0 / w, 2.0 / h, 1.0], device=u.device))
        unnorm = torch.diag(torch.tensor([w / 2.0, h / 2.0, 1.0], device=u.device))
        theta = (norm @ G @ unnorm)[:, :2, :]
        grid = F.affine_grid(theta.to(x.dtype), [n, ch, h, w], align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    if "color" in groups:
        C = colour_matrix(u, p).to(x.dtype)
        flat = x.reshape(n, ch, h * w)
        if ch == 3:
            flat = C[:, :3, :3] @ flat + C[:, :3, 3:]
        else:  # gray: the matrix's mean row, acting on the one channel as if it were r = g = b
            row = C[:, :3, :].mean(dim=1, keepdim=True)  # [N, 1, 4]
            flat = flat * row[:, :, :3].sum(dim=2, keepdim=True) + row[:, :, 3:]
        x = flat.reshape(n, ch, h, w)
    return x
