"""Bringing images to a size of another aspect ratio by a stated policy (``data.fit``):

- ``crop``: scale so the image covers the size, then cut the overflow from both sides (centre crop);
- ``pad``: scale so the image fits inside the size, then fill the margins by repeating the edge
  pixels (a constant colour would give G a border to learn that no image has);
- ``stretch``: scale each side on its own (the aspect ratio changes);
- ``centre``: no scaling: the image is placed at the centre, with black (zero) margins where it
  is smaller and the overflow cut where it is larger (the PGGAN authors' MNIST, 28×28 padded to 32×32).

Scaling is bilinear with antialiasing, on uint8 images [N, C, H, W], in chunks.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..errors import GanforgeError

FITS = ("crop", "pad", "stretch", "centre")
VERBS = {"crop": "centre-cropping", "pad": "padding (edge pixels repeated)", "stretch": "stretching",
         "centre": "centring without scaling (black margins, overflow cut)"}


def check_fit(fit: str) -> str:
    if fit not in FITS:
        raise GanforgeError(f"data.fit must be one of {', '.join(FITS)}, got {fit!r} (crop: scale and centre-crop, "
                            f"pad: scale and pad, stretch: scale each side on its own, centre: no scaling, black margins)")
    return fit


def _scaled(h: int, w: int, th: int, tw: int, fit: str) -> tuple[int, int]:
    """The size an [h, w] image is scaled to before cropping or padding to [th, tw]."""
    if fit == "stretch":
        return th, tw
    if fit == "centre":
        return h, w
    scale = max(th / h, tw / w) if fit == "crop" else min(th / h, tw / w)
    if fit == "crop":
        return max(th, round(h * scale)), max(tw, round(w * scale))
    return max(1, min(th, round(h * scale))), max(1, min(tw, round(w * scale)))


def fit_uint8(x: Tensor, size, fit: str = "crop") -> Tensor:
    """uint8 [N, C, H, W] → uint8 [N, C, th, tw] by ``fit`` (crop, pad, stretch or centre)."""
    check_fit(fit)
    th, tw = size
    h, w = x.shape[2:]
    if (h, w) == (th, tw):
        return x
    if fit == "centre":  # margins of zeros where the target is larger, negative ones (a cut) where smaller
        top, left = (th - h) // 2, (tw - w) // 2
        return F.pad(x, (left, tw - w - left, top, th - h - top), value=0)
    nh, nw = _scaled(h, w, th, tw, fit)
    out = []
    for chunk in x.split(1024):
        y = chunk.float()
        if (nh, nw) != (h, w):
            y = F.interpolate(y, size=(nh, nw), mode="bilinear", antialias=True, align_corners=False)
        if fit == "crop":
            top, left = (nh - th) // 2, (nw - tw) // 2
            y = y[:, :, top : top + th, left : left + tw]
        elif fit == "pad" and (nh, nw) != (th, tw):
            top, left = (th - nh) // 2, (tw - nw) // 2
            y = F.pad(y, (left, tw - nw - left, top, th - nh - top), mode="replicate")
        out.append(y.round().clamp(0, 255).to(x.dtype))
    return out[0] if len(out) == 1 else torch.cat(out)


def centred_from(fit: str | None, native, size) -> list[int] | None:
    """[h, w] when images of that ``native`` size were centred into ``size`` without scaling
    (``fit="centre"``), else None: where an evaluation reads them back (``uncentre``)."""
    if fit != "centre" or native is None or size is None or list(native) == list(size):
        return None
    return list(native)


def uncentre(x: Tensor, native) -> Tensor:
    """The inverse of ``fit="centre"``: images [N, C, H, W] that were centred from ``native`` [h, w] to
    their size, cut back to it (the margins dropped; a cut edge comes back as zeros). Real images
    come back exactly as they were; generated ones lose what they drew in the margins."""
    h, w = native
    th, tw = x.shape[2:]
    if (h, w) == (th, tw):
        return x
    top, left = (th - h) // 2, (tw - w) // 2  # fit_uint8's centre offsets, undone
    return F.pad(x, (-left, w - tw + left, -top, h - th + top), value=0)


def read_native(x: Tensor, native, size) -> Tensor:
    """Images as an evaluation reads them: cut back to ``native`` (``centred_from``; None: as they are) where
    they are at the ``size`` the data were centred to; others (points, a growing run's smaller samples) as they are."""
    if native is None or x.dim() != 4 or list(x.shape[2:]) != list(size):
        return x
    return uncentre(x, native)


def describe_fit(native: tuple[int, int], target: tuple[int, int], fit: str) -> str:
    """One line: what ``fit`` does to images of size ``native`` brought to ``target`` (H×W)."""
    (h, w), (th, tw) = native, target
    if (h, w) == (th, tw):
        return f"{h}×{w} (H×W), as they are"
    if fit == "centre":
        return (f"{h}×{w} (H×W) → {th}×{tw} by {VERBS[fit]} (data.fit=centre); --set data.fit=crop to scale "
                f"instead")
    if abs(h / w - th / tw) < 1e-6:
        return f"{h}×{w} (H×W) → {th}×{tw}, scaled (same aspect ratio; data.fit does not matter)"
    other = "pad" if fit != "pad" else "crop"
    nh, nw = _scaled(h, w, th, tw, fit)
    rows, cols = abs(nh - th), abs(nw - tw)
    parts = " and ".join(f"{k} {what}" for k, what in ((rows, "rows"), (cols, "columns")) if k)
    scaled = f" after scaling to {nh}×{nw}" if (nh, nw) != (h, w) else ""
    if fit == "crop":
        effect = f", cutting {parts}{scaled}"
    elif fit == "pad":
        effect = f", adding {parts}{scaled}"
    else:
        effect = ", aspect ratio changed"
    return (f"{h}×{w} (H×W) → {th}×{tw} by {VERBS[fit]}{effect} (data.fit={fit}); "
            f"--set data.fit={other} to {other} instead")
