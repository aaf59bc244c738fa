"""The small MNIST-family classifier whose features and softmax serve the metrics on digits
and clothes, where an ImageNet Inception network measures the wrong thing (``metrics.classifier``
re-exports this module), and that recipes may use frozen (CycleGAN's semantic-consistency option).

Three 3×3 convolutions with batch norm and two dense layers (≈262k parameters, 1.05 MB):
conv 1→32 (28×28) → pool (14) → conv 32→64 (14) → pool (7) → conv 64→64 (5)
→ dense 1600→128 (ReLU: the *features*) → dropout → dense 128→10 (the *logits*).

Weights for MNIST, Fashion-MNIST and scikit-learn's 8×8 digits (read at 28×28, upsampled the way
the metrics resize every image) ship in ``ganforge/metrics/weights/*.safetensors`` and
are reproduced by ``scripts/train_classifier.py`` (same seed → same weights on one machine).

CIFAR-10 has its own small VGG-style network (``CifarClassifier``, ≈356k parameters, 1.4 MB):
three blocks of two 3×3 conv–BN–ReLU layers (32, 64, 128 channels) each followed by 2×2 max-pool
(32 → 16 → 8 → 4), a 2×2 average pool, dense 512→128 (ReLU: the *features*) → dense 128→10. It
serves FID/KID/PR on CIFAR-10 offline (``cifar10-cnn``); Inception stays the comparable choice.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import GanforgeError

# the shipped weights: package data of ganforge.metrics (a folder, read by path: this layer imports no metrics)
WEIGHTS = Path(__file__).resolve().parents[1] / "metrics" / "weights"
# dataset name → file inside ganforge/metrics/weights
SHIPPED = {"mnist": "mnist-cnn.safetensors", "fashion-mnist": "fashion-mnist-cnn.safetensors",
           "digits": "digits-cnn.safetensors", "cifar10": "cifar10-cnn.safetensors"}
FEATURE_DIM = 128
IMAGE_SIZE = (28, 28)


class DigitClassifier(nn.Module):
    """A small CNN for 28×28 gray images.

    Input: x [N, 1, 28, 28] in [0, 1]. ``features(x)`` → [N, 128] (penultimate, after ReLU);
    ``forward(x)`` → logits [N, n_classes].
    """

    image_size, channels = IMAGE_SIZE, 1

    def __init__(self, n_classes: int = 10, feature_dim: int = FEATURE_DIM, dropout: float = 0.5) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Flatten(), nn.Linear(64 * 5 * 5, feature_dim), nn.ReLU(),
        )
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(feature_dim, n_classes)

    def features(self, x: Tensor) -> Tensor:
        return self.body((x - 0.5) / 0.5)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.drop(self.features(x)))


class CifarClassifier(nn.Module):
    """A small VGG-style CNN for 32×32 RGB images (CIFAR-10).

    Input: x [N, 3, 32, 32] in [0, 1], normalised inside by CIFAR-10's channel mean and std.
    ``features(x)`` → [N, 128] (penultimate, after ReLU); ``forward(x)`` → logits [N, n_classes].
    """

    image_size, channels = (32, 32), 3
    MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)  # CIFAR-10 training set, per channel

    def __init__(self, n_classes: int = 10, feature_dim: int = FEATURE_DIM, widths=(32, 64, 128)) -> None:
        super().__init__()
        layers, c_in = [], 3
        for w in widths:
            for _ in range(2):
                layers += [nn.Conv2d(c_in, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU()]
                c_in = w
            layers.append(nn.MaxPool2d(2))
        self.body = nn.Sequential(*layers, nn.AvgPool2d(2), nn.Flatten(), nn.Linear(c_in * 4, feature_dim), nn.ReLU())
        self.head = nn.Linear(feature_dim, n_classes)
        self.register_buffer("mean", torch.tensor(self.MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(self.STD).view(1, 3, 1, 1), persistent=False)

    def features(self, x: Tensor) -> Tensor:
        return self.body((x - self.mean) / self.std)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))


def to_classifier_input(x: Tensor, image_size, channels) -> Tensor:
    """Images [N, C, H, W] in [0, 1] brought to a classifier's channels (luma for 1 from 3, repeated for 3 from
    1) and size (bilinear, antialiased, clamped to [0, 1]); differentiable. The metrics' ``prepare`` and
    CycleGAN's semantic term both read images through it."""
    if channels is not None and x.shape[1] != channels:
        if channels == 1 and x.shape[1] == 3:
            x = (x * x.new_tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
        elif channels == 3 and x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        else:
            raise GanforgeError(f"cannot convert {x.shape[1]}-channel images to {channels} channels")
    if image_size is not None and tuple(x.shape[2:]) != tuple(image_size):
        x = F.interpolate(x, size=tuple(image_size), mode="bilinear", antialias=True, align_corners=False)
        x = x.clamp(0, 1)
    return x


# the architecture a weights file names in its metadata ("arch"); files without one are digit CNNs
ARCHITECTURES = {"digit-cnn": DigitClassifier, "cifar-vgg": CifarClassifier}


def weights_path(dataset: str) -> Path:
    if dataset not in SHIPPED:
        raise GanforgeError(f"no shipped classifier for {dataset!r}; shipped: {', '.join(sorted(SHIPPED))}")
    path = WEIGHTS / SHIPPED[dataset]
    if not path.is_file():
        raise GanforgeError(
            f"the classifier weights {path} are missing from the installation; reinstall ganforge or "
            f"recreate them with `python scripts/train_classifier.py --dataset {dataset} --data-root DIR`"
        )
    return path


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@lru_cache(maxsize=4)
def load_classifier(dataset: str) -> tuple[nn.Module, dict]:
    """The shipped classifier for ``dataset`` in eval mode, and its metadata (accuracy, seed,
    sha256 of the weights file)."""
    return _load(weights_path(dataset))


def load_classifier_file(spec: str) -> tuple[nn.Module, dict]:
    """A classifier named by a shipped dataset (``mnist``, ``digits``, …) or by the path of a weights
    file that ``scripts/train_classifier.py --out PATH`` wrote; frozen, in eval mode."""
    if spec in SHIPPED:
        return load_classifier(spec)
    path = Path(spec).expanduser()
    if not path.is_file():
        raise GanforgeError(f"classifier {spec!r} is neither a shipped one ({', '.join(sorted(SHIPPED))}) nor a weights "
                            f"file; write one with `python scripts/train_classifier.py --dataset D --out PATH`")
    return _load_file(str(path.resolve()))


@lru_cache(maxsize=4)
def _load_file(path: str) -> tuple[nn.Module, dict]:
    return _load(Path(path))


def _load(path: Path) -> tuple[nn.Module, dict]:
    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = dict(f.metadata() or {})
        info = json.loads(meta.get("ganforge", "{}"))
        model = ARCHITECTURES[info.get("arch", "digit-cnn")](n_classes=int(info.get("n_classes", 10)))
        model.load_state_dict(load_file(str(path)))
    except (SafetensorError, RuntimeError, KeyError, ValueError) as e:
        raise GanforgeError(f"{path} is not a classifier written by scripts/train_classifier.py ({e})") from None
    model.eval().requires_grad_(False)
    info["sha256"] = file_sha256(path)
    info["file"] = path.name
    return model, info

