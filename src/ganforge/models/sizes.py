"""Which image sizes a generator architecture takes, and the nearest one to a given size.

``SIZE_RULES`` maps an architecture to its rule; an architecture not listed takes its data at the
native size (and refuses, when building, a size it cannot take). Sizes are [H, W].

- ``halving`` (``dcgan_*``, ``resnet_*``): any H×W that halves k ≥ 2 times to a base whose sides
  are at least 4; the nearest size halves down to a base whose shorter side is 4 … 7, so G starts
  small and non-square images keep their aspect ratio (112×92 → 112×96 or 112×80, base 7×6 or 7×5).
- ``square_pow2`` (``stylegan_*``, ``pggan_*``): square sides 2^k ≥ 8.
- ``widths`` (``r3gan_*``): the square side 4·2^(n−1) fixed by the n stage widths.
"""

from __future__ import annotations

import math

from ..errors import GanforgeError

ROUND = {"crop": math.floor, "pad": math.ceil, "stretch": lambda v: math.floor(v + 0.5), "centre": math.ceil}


def _halving(h: int, w: int, fit: str, args: dict) -> tuple[int, int]:
    k = max(2, int(math.floor(math.log2(max(4, min(h, w)) / 4))))
    m = 2**k
    side = ROUND[fit]
    return max(4 * m, side(h / m) * m), max(4 * m, side(w / m) * m)


def _square_pow2(h: int, w: int, fit: str, args: dict) -> tuple[int, int]:
    side = {"crop": min(h, w), "pad": max(h, w), "stretch": math.sqrt(h * w)}[fit]
    s = 2 ** max(3, ROUND[fit](math.log2(side)))
    return s, s


def _widths(h: int, w: int, fit: str, args: dict) -> tuple[int, int]:
    n = len(args.get("widths") or (96, 96, 96, 96))
    s = 4 * 2 ** (n - 1)
    return s, s


SIZE_RULES = {
    "dcgan_generator": (_halving, "H×W halving at least twice to a base of ≥ 4 a side (e.g. 28, 32, 64, 112×96)"),
    "resnet_generator": (_halving, "H×W halving at least twice to a base of ≥ 4 a side (e.g. 32, 64, 112×96)"),
    "stylegan_generator": (_square_pow2, "square, a power of two ≥ 8 (8, 16, 32, 64, 128, …)"),
    "pggan_generator": (_square_pow2, "square, a power of two ≥ 8 (8, 16, 32, 64, 128, …)"),
    "r3gan_generator": (_widths, "square 4·2^(n−1) for n stage widths (G.args.widths; 4 widths: 32×32)"),
}


def nearest_size(arch: str, args: dict, size: tuple[int, int], fit: str) -> tuple[int, int] | None:
    """The size nearest ``size`` that ``arch`` takes, rounding as ``fit`` does (crop: down, pad and centre:
    up, stretch: to the nearest); None for an architecture without a rule."""
    rule = SIZE_RULES.get(arch)
    if rule is None:
        return None
    if fit not in ROUND:
        raise GanforgeError(f"data.fit must be one of {', '.join(ROUND)}, got {fit!r}")
    return rule[0](int(size[0]), int(size[1]), fit, args or {})


def sizes_text(arch: str) -> str | None:
    """In words, the sizes ``arch`` takes (None when it has no rule)."""
    rule = SIZE_RULES.get(arch)
    return rule[1] if rule else None
