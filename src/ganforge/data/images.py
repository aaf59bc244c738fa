"""Named image datasets: sklearn's bundled 8×8 digits, and MNIST, Fashion-MNIST and
CIFAR-10 in torchvision's on-disk layout under the data root.

The files are read directly (idx / CIFAR python batches) so a read-only root works; when
they are missing, torchvision's dataset class downloads them where there is internet.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch

from ..config import DataConfig
from ..errors import GanforgeError
from ..registry import DATASETS
from .base import data_root, downloads_allowed
from .safe_pickle import load_restricted
from .tensor_data import TensorData


@DATASETS.register("digits")
def load_digits(cfg: DataConfig) -> TensorData:
    """scikit-learn's 1,797 8×8 handwritten digits (UCI optdigits test set), values 0..16."""
    try:
        from sklearn.datasets import load_digits as sk_digits
    except ImportError:  # pragma: no cover
        raise GanforgeError("the 'digits' dataset needs scikit-learn: pip install scikit-learn") from None
    bunch = sk_digits()
    x = np.round(bunch.images * (255.0 / 16.0)).astype(np.uint8)[:, None]
    return TensorData(torch.from_numpy(x), "image", "digits", torch.from_numpy(bunch.target).long(),
                      {"source": "sklearn.datasets.load_digits"})


def read_idx(path: Path) -> np.ndarray:
    """An idx file (MNIST's format), gzipped or not → numpy array."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
        ndim = raw[3]
        dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
        return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    except (OSError, ValueError, IndexError, EOFError) as err:
        raise GanforgeError(f"cannot read {path}: {err}; replace the file with a good copy") from None


_IDX = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _find(raw: Path, stem: str) -> Path | None:
    for candidate in (raw / stem, raw / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _check_split(split: str, valid=("train", "test")) -> None:
    if split not in valid:
        raise GanforgeError(f"unknown split {split!r}; valid: {', '.join(valid)} (--set data.split=NAME)")


def _load_mnist_like(cfg: DataConfig, folder: str, tv_class: str, name: str) -> TensorData:
    _check_split(cfg.split)
    root = data_root(cfg)
    raw = root / folder / "raw"
    img_stem, lbl_stem = _IDX[cfg.split]
    if _find(raw, img_stem) is None or _find(raw, lbl_stem) is None:
        _download(tv_class, root, cfg.split, expected=f"{raw}/{img_stem}.gz and {lbl_stem}.gz")
    images, labels = read_idx(_find(raw, img_stem)), read_idx(_find(raw, lbl_stem))
    x = torch.from_numpy(images.copy())[:, None]
    return TensorData(x, "image", name, torch.from_numpy(labels.astype(np.int64)),
                      {"source": str(raw), "split": cfg.split})


def _download(tv_class: str, root: Path, split: str, expected: str) -> None:
    if not downloads_allowed():
        raise GanforgeError(f"{tv_class} not found under {root} (the data root recorded in the run directory); put "
                            f"the files at {expected} or pass the right --data-root (ganforge never downloads into "
                            f"a root it read from a run directory)")
    try:
        import torchvision.datasets as tvd

        getattr(tvd, tv_class)(str(root), train=(split == "train"), download=True)
    except Exception as err:  # offline, read-only root, ...
        msg = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise GanforgeError(
            f"{tv_class} not found under {root} and the download failed ({msg}); put the files at "
            f"{expected} (torchvision's layout) and pass that root with --data-root"
        ) from None


@DATASETS.register("mnist")
def load_mnist(cfg: DataConfig) -> TensorData:
    """MNIST (LeCun et al.), 60k train / 10k test, 28×28 gray."""
    return _load_mnist_like(cfg, "MNIST", "MNIST", "mnist")


@DATASETS.register("fashion-mnist")
def load_fashion_mnist(cfg: DataConfig) -> TensorData:
    """Fashion-MNIST (Xiao et al., 2017), 60k train / 10k test, 28×28 gray."""
    return _load_mnist_like(cfg, "FashionMNIST", "FashionMNIST", "fashion-mnist")


@DATASETS.register("cifar10")
def load_cifar10(cfg: DataConfig) -> TensorData:
    """CIFAR-10 (Krizhevsky, 2009), 50k train / 10k test, 32×32 RGB, torchvision's layout
    (ROOT/cifar-10-batches-py/data_batch_1..5, test_batch), or, where those are absent, a zip of
    JPEG files ROOT/cifar10_jpeg/cifar10_jpeg_{train,test}.zip (members SPLIT/CLASS/NNNN.jpg)."""
    _check_split(cfg.split)
    root = data_root(cfg)
    folder = root / "cifar-10-batches-py"
    names = [f"data_batch_{i}" for i in range(1, 6)] if cfg.split == "train" else ["test_batch"]
    if not all((folder / n).is_file() for n in names):
        for jpeg_zip in (root / "cifar10_jpeg" / f"cifar10_jpeg_{cfg.split}.zip", root / f"cifar10_jpeg_{cfg.split}.zip"):
            if jpeg_zip.is_file():
                return _load_cifar10_jpeg_zip(jpeg_zip, cfg.split)
        _download("CIFAR10", root, cfg.split,
                  expected=f"{folder}/{names[0]} (or a JPEG zip at {root}/cifar10_jpeg/cifar10_jpeg_{cfg.split}.zip)")
    xs, ys = [], []
    for n in names:
        try:
            with open(folder / n, "rb") as f:
                batch = load_restricted(f)
            xs.append(np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
            ys.append(np.asarray(batch["labels"], dtype=np.int64))
        except Exception as err:
            raise GanforgeError(f"cannot read {folder / n}: {' '.join(str(err).split())}; replace it with a good "
                                f"copy of the CIFAR-10 python batch") from None
    return TensorData(torch.from_numpy(np.concatenate(xs)), "image", "cifar10",
                      torch.from_numpy(np.concatenate(ys)), {"source": str(folder), "split": cfg.split})


CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def _load_cifar10_jpeg_zip(path: Path, split: str) -> TensorData:
    """CIFAR-10 re-encoded as JPEG in a zip (members SPLIT/CLASS/NNNN.jpg, NNNN the image's index
    within its class in the original order). Images come ordered by that index, then class
    (airplane 0000, automobile 0000, …, truck 0000, airplane 0001, …), so that any prefix — the
    first n images an evaluation takes — holds the classes in equal shares: the same set as the
    python batches, not their order. JPEG is lossy: a card built on it names the source, and
    figures are comparable only with the same files."""
    import io
    import zipfile

    from PIL import Image

    index = {c: i for i, c in enumerate(CIFAR10_CLASSES)}
    try:
        with zipfile.ZipFile(path) as zf:
            members = sorted((p[2], index[p[1]], n) for n in zf.namelist()
                             if len(p := n.split("/")) == 3 and p[0] == split and p[1] in index and p[2].endswith(".jpg"))
            if not members:
                raise GanforgeError(f"{path} holds no {split}/CLASS/NNNN.jpg members; is it the CIFAR-10 JPEG zip?")
            x = np.empty((len(members), 32, 32, 3), np.uint8)
            for i, (_, _, name) in enumerate(members):
                with Image.open(io.BytesIO(zf.read(name))) as im:
                    x[i] = np.asarray(im.convert("RGB"))
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise GanforgeError(f"cannot read {path}: {err}; replace it with a good copy") from None
    labels = torch.tensor([c for _, c, _ in members], dtype=torch.int64)
    return TensorData(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(), "image", "cifar10", labels,
                      {"source": str(path), "split": split, "format": "jpeg-zip"})


STACKED_SIZES = {"train": 60_000, "test": 10_000}  # stacked images per split unless data.args.n says otherwise


@DATASETS.register("stacked-mnist")
def load_stacked_mnist(cfg: DataConfig) -> TensorData:
    """Stacked MNIST (Metz et al., 2017; VEEGAN, Srivastava et al., 2017; PacGAN, Lin et al., 2018):
    three MNIST digits of the split, drawn independently and uniformly, as the R, G and B channels
    of one 28×28 image; its class is 100·d_R + 10·d_G + d_B, one of 1,000 modes. Built from the
    MNIST files under the data root, ``data.args.n`` images (default 60,000 train / 10,000 test)
    drawn with ``data.args.seed`` (default 0; the test split adds 1)."""
    args = dict(cfg.args or {})
    unknown = set(args) - {"n", "seed"}
    if unknown:
        raise GanforgeError(f"stacked-mnist takes data.args.n and data.args.seed, not {', '.join(sorted(unknown))}")
    mnist = _load_mnist_like(cfg, "MNIST", "MNIST", "mnist")
    n, seed = args.get("n", STACKED_SIZES.get(cfg.split, 60_000)), args.get("seed", 0)
    for key, value, least in (("n", n, 1), ("seed", seed, 0)):
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise GanforgeError(f"data.args.{key} for stacked-mnist must be a whole number ≥ {least}, got {value!r}")
    gen = torch.Generator().manual_seed(seed + (cfg.split == "test"))
    idx = torch.randint(0, len(mnist), (n, 3), generator=gen)
    x = mnist.x[:, 0][idx]  # [n, 3, 28, 28]: one digit per channel
    digits = mnist.labels[idx]
    labels = digits[:, 0] * 100 + digits[:, 1] * 10 + digits[:, 2]
    return TensorData(x, "image", "stacked-mnist", labels,
                      {"source": mnist.info["source"], "split": cfg.split, "stacked": 3, "n_modes": 1000,
                       "seed": seed + (cfg.split == "test")})
