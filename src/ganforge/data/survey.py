"""What a folder or .zip of images holds, read from file headers without decoding the pixels:
how many images, their sizes, whether they are gray. ``recipes/auto.py`` decides settings from it."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import GanforgeError
from .folder import unreadable

GRAY_MODES = ("L", "1", "I", "F")  # PIL modes that load as one channel (with I;16*), as folder.to_uint8 decides
SAMPLED = 256  # headers read, spread evenly over the listing (every class folder gets its share)


def read_header(path: Path, name: str, read) -> tuple[int, int, bool]:
    """(height, width, whether it loads as gray) of one image, from its header."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(read())) as im:
            w, h = im.size
            return h, w, im.mode in GRAY_MODES or im.mode.startswith("I;16")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise GanforgeError(f"corrupt or unreadable image {path / name}: {unreadable(err)}; remove or replace that "
                            f"file") from None


@dataclass
class Survey:
    """A folder's images: ``n`` files; ``size`` the most common [H, W] among the headers read;
    ``mixed`` whether those headers hold more than one size; ``gray`` whether all read are gray."""

    path: Path
    n: int
    size: tuple[int, int]
    mixed: bool
    gray: bool
    read: int  # headers read

    @property
    def channels(self) -> int:
        return 1 if self.gray else 3


def survey(path: Path, entries: list | None = None) -> Survey:
    """Survey ``path`` (a folder or .zip of images) from up to ``SAMPLED`` headers."""
    from .folder import IMAGE_SUFFIXES, _entries

    entries = _entries(path) if entries is None else entries
    if not entries:
        raise GanforgeError(f"no image files ({', '.join(sorted(IMAGE_SUFFIXES))}) found in {path}")
    step = max(1, len(entries) // SAMPLED)
    heads = [read_header(path, *e) for e in entries[::step][:SAMPLED]]
    sizes = Counter((h, w) for h, w, _ in heads)
    return Survey(path, len(entries), sizes.most_common(1)[0][0], len(sizes) > 1, all(g for *_, g in heads), len(heads))
