"""Class labels of an image folder: names from sub-folders or a CSV (data.labels), recorded in the
data's info; clear errors for a missing CSV, an unlabelled image and a label for a missing image."""

import numpy as np
import pytest
from PIL import Image

from ganforge.config import DataConfig
from ganforge.data.base import load_data
from ganforge.errors import GanforgeError


def _folder(root, layout: dict[str, int], size=(8, 6)):
    for sub, n in layout.items():
        (root / sub).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            Image.fromarray(np.full(size, 40 * i, np.uint8)).save(root / sub / f"{i}.png")
    return root


def test_sub_folders_name_the_classes(tmp_path):
    data = load_data(DataConfig(name=str(_folder(tmp_path, {"dog": 2, "cat": 3}))))
    assert data.labels.tolist() == [0, 0, 0, 1, 1]
    assert data.info["class_names"] == ["cat", "dog"] and data.info["labels_from"] == "sub-folders"


def test_csv_labels_with_and_without_header(tmp_path):
    root = _folder(tmp_path / "d", {"a": 2, "b": 2})
    for header in ("file,label\n", ""):
        (tmp_path / "l.csv").write_text(header + "a/0.png,10\na/1.png,9\n./b/0.png,9\nb\\1.png,10\n")
        data = load_data(DataConfig(name=str(root), labels=str(tmp_path / "l.csv")))
        assert data.info["class_names"] == ["9", "10"]  # whole numbers: numeric order
        assert data.labels.tolist() == [1, 0, 0, 1]


@pytest.mark.parametrize("rows, fragment", [
    (None, "does not exist"),
    ("a/0.png,x\na/1.png,y\nb/0.png,x\n", "have no label"),
    ("a/0.png,x\na/1.png,y\nb/0.png,x\nb/1.png,y\nc/9.png,x\n", "not images in the data folder"),
    ("a/0.png,x\na/0.png,y\n", "two labels"),
    ("a/0.png\n", "two columns"),
])
def test_csv_errors_name_the_problem(tmp_path, rows, fragment):
    root = _folder(tmp_path / "d", {"a": 2, "b": 2})
    if rows is not None:
        (tmp_path / "l.csv").write_text(rows)
    with pytest.raises(GanforgeError, match=fragment):
        load_data(DataConfig(name=str(root), labels=str(tmp_path / "l.csv")))


def test_streamed_folder_has_the_same_labels_and_names(tmp_path):
    pytest.importorskip("litdata")
    root = _folder(tmp_path / "d", {"a": 2, "b": 3})
    (tmp_path / "l.csv").write_text("".join(f"{s}/{i}.png,{'odd' if i % 2 else 'even'}\n"
                                            for s, n in (("a", 2), ("b", 3)) for i in range(n)))
    cfg = dict(name=str(root), labels=str(tmp_path / "l.csv"), stream_cache=str(tmp_path / "cache"), workers=0)
    memory = load_data(DataConfig(**cfg))
    streamed = load_data(DataConfig(**cfg, stream=True), allow_stream=True)
    assert streamed.labels.tolist() == memory.labels.tolist() == [0, 1, 0, 1, 0]
    assert streamed.info["class_names"] == memory.info["class_names"] == ["even", "odd"]
