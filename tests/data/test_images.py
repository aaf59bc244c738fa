import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.config import DataConfig
from ganforge.data import BatchSampler, load_data
from ganforge.errors import GanforgeError


def test_digits_bundled():
    d = load_data(DataConfig(name="digits"))
    assert d.x.shape == (1797, 1, 8, 8) and d.x.dtype == torch.uint8 and d.x.max() == 255
    assert d.labels.shape == (1797,)
    x = d.to_model(d.x[:4], (-1.0, 1.0))
    assert x.min() >= -1 and x.max() <= 1 and x.dtype == torch.float32


def test_folder_and_zip_resize(tmp_path):
    folder = tmp_path / "f"
    for cls in ("cats", "dogs"):
        (folder / cls).mkdir(parents=True)
        for i in range(2):
            rgb = np.random.default_rng(i).integers(0, 255, (20, 30, 3), dtype=np.uint8)
            Image.fromarray(rgb).save(folder / cls / f"{i}.jpg")
    d = load_data(DataConfig(name=str(folder), image_size=[16, 16]))
    assert d.x.shape == (4, 3, 16, 16) and d.labels.tolist() == [0, 0, 1, 1]
    z = tmp_path / "f.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in sorted(folder.rglob("*.jpg")):
            zf.write(p, p.relative_to(folder))
    dz = load_data(DataConfig(name=str(z), image_size=[16, 16], channels=1))
    assert dz.x.shape == (4, 1, 16, 16)


def test_sampler_ranks_partition_the_global_batch():
    one = BatchSampler(50, 10, seed=3)
    r0, r1 = BatchSampler(50, 10, rank=0, world=2, seed=3), BatchSampler(50, 10, rank=1, world=2, seed=3)
    for _ in range(12):  # crosses epoch boundaries
        assert torch.equal(one.next(), torch.cat([r0.next(), r1.next()]))
    with pytest.raises(GanforgeError, match="fewer than the batch size"):
        BatchSampler(5, 10)


def test_mnist_and_fashion_from_shared(shared_data):
    m = load_data(DataConfig(name="mnist", root=str(shared_data), split="test"))
    assert m.x.shape == (10000, 1, 28, 28) and m.labels.bincount().tolist()[0] == 980
    f = load_data(DataConfig(name="fashion-mnist", root=str(shared_data), split="test", limit=100))
    assert f.x.shape == (100, 1, 28, 28)


def test_unknown_split():
    with pytest.raises(GanforgeError, match="unknown split"):
        load_data(DataConfig(name="mnist", split="valid", root="/nonexistent"))


def test_cifar10_from_a_jpeg_zip(tmp_path):
    """Without the python batches, `cifar10` reads ROOT/cifar10_jpeg/cifar10_jpeg_SPLIT.zip, labels in
    CIFAR's class order, images ordered by index within the class, then class (classes interleaved)."""
    import io

    folder = tmp_path / "cifar10_jpeg"
    folder.mkdir()
    colours = {("ship", "0001"): 200, ("airplane", "0000"): 10, ("ship", "0000"): 150, ("truck", "0000"): 90}
    with zipfile.ZipFile(folder / "cifar10_jpeg_test.zip", "w") as zf:
        for (cls, idx), value in colours.items():
            buf = io.BytesIO()
            Image.fromarray(np.full((32, 32, 3), value, np.uint8)).save(buf, format="JPEG", quality=95)
            zf.writestr(f"test/{cls}/{idx}.jpg", buf.getvalue())
        zf.writestr("train/ship/0000.jpg", b"corrupt, and of the other split")
    data = load_data(DataConfig(name="cifar10", root=str(tmp_path), split="test"))
    assert data.x.shape == (4, 3, 32, 32) and data.x.dtype == torch.uint8
    assert data.labels.tolist() == [0, 8, 9, 8]  # airplane 0000, ship 0000, truck 0000, ship 0001
    assert [int(v) for v in data.x[:, 0, 16, 16]] == pytest.approx([10, 150, 90, 200], abs=3)
    with zipfile.ZipFile(folder / "cifar10_jpeg_train.zip", "w") as zf:
        zf.writestr("train/ship/0000.jpg", b"not a JPEG")
    with pytest.raises(GanforgeError, match="cannot read .*cifar10_jpeg_train.zip"):
        load_data(DataConfig(name="cifar10", root=str(tmp_path), split="train"))
    with zipfile.ZipFile(folder / "cifar10_jpeg_train.zip", "w") as zf:
        zf.writestr("readme.txt", "not CIFAR")
    with pytest.raises(GanforgeError, match="no train/CLASS/NNNN.jpg"):
        load_data(DataConfig(name="cifar10", root=str(tmp_path), split="train"))
