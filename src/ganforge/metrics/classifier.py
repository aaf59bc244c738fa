"""The small MNIST-family classifier whose features and softmax serve the metrics on digits
and clothes, where an ImageNet Inception network measures the wrong thing.

Three 3×3 convolutions with batch norm and two dense layers (≈262k parameters, 1.05 MB):
conv 1→32 (28×28) → pool (14) → conv 32→64 (14) → pool (7) → conv 64→64 (5)
→ dense 1600→128 (ReLU: the *features*) → dropout → dense 128→10 (the *logits*).

Weights for MNIST, Fashion-MNIST and scikit-learn's 8×8 digits (read at 28×28, upsampled the way
the metrics resize every image) ship in ``ganforge/metrics/weights/*.safetensors`` and
are reproduced by ``scripts/train_classifier.py`` (same seed → same weights on one machine).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from torch import Tensor, nn

from ..errors import GanforgeError

# dataset name → file inside ganforge/metrics/weights
SHIPPED = {"mnist": "mnist-cnn.safetensors", "fashion-mnist": "fashion-mnist-cnn.safetensors",
           "digits": "digits-cnn.safetensors"}
FEATURE_DIM = 128
IMAGE_SIZE = (28, 28)


class DigitClassifier(nn.Module):
    """A small CNN for 28×28 gray images.

    Input: x [N, 1, 28, 28] in [0, 1]. ``features(x)`` → [N, 128] (penultimate, after ReLU);
    ``forward(x)`` → logits [N, n_classes].
    """

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


def weights_path(dataset: str) -> Path:
    if dataset not in SHIPPED:
        raise GanforgeError(f"no shipped classifier for {dataset!r}; shipped: {', '.join(sorted(SHIPPED))}")
    path = Path(str(resources.files("ganforge.metrics") / "weights" / SHIPPED[dataset]))
    if not path.is_file():
        raise GanforgeError(
            f"the classifier weights {path} are missing from the installation; reinstall ganforge or "
            f"recreate them with `python scripts/train_classifier.py --dataset {dataset} --data-root DIR`"
        )
    return path


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@lru_cache(maxsize=4)
def load_classifier(dataset: str) -> tuple[DigitClassifier, dict]:
    """The shipped classifier for ``dataset`` in eval mode, and its metadata (accuracy, seed,
    sha256 of the weights file)."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    path = weights_path(dataset)
    with safe_open(str(path), framework="pt") as f:
        meta = dict(f.metadata() or {})
    info = json.loads(meta.get("ganforge", "{}"))
    model = DigitClassifier(n_classes=int(info.get("n_classes", 10)))
    model.load_state_dict(load_file(str(path)))
    model.eval().requires_grad_(False)
    info["sha256"] = file_sha256(path)
    info["file"] = path.name
    return model, info
