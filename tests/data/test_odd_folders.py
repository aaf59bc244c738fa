"""Image folders as people have them: 16-bit PNGs, symlinked sub-folders, link loops."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ganforge.config import DataConfig
from ganforge.data.folder import load_image_folder


def _png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def test_16_bit_pngs_are_scaled_not_clipped(tmp_path):
    ramp = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1040)  # 0 … 65520
    _png(tmp_path / "a.png", ramp)
    x = load_image_folder(tmp_path, DataConfig()).x
    assert x.shape == (1, 1, 8, 8)
    assert np.array_equal(x[0, 0].numpy(), np.round(ramp / 257.0).astype(np.uint8))
    assert len(np.unique(x.numpy())) == 64  # a clip to 255 would leave almost everything white


def test_symlinked_folders_are_followed_and_loops_read_once(tmp_path):
    real = tmp_path / "real"
    for i in range(3):
        _png(real / f"{i}.png", np.full((8, 8), 40 * i, np.uint8))
    data = tmp_path / "data"
    data.mkdir()
    (data / "linked").symlink_to(real)
    _png(data / "own" / "x.png", np.zeros((8, 8), np.uint8))
    (data / "own" / "loop").symlink_to(data)  # a loop back to the top
    loaded = load_image_folder(data, DataConfig())
    assert len(loaded.x) == 4
