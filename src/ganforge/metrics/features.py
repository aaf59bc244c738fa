"""Feature networks: the maps from images to vectors that FID, KID, precision/recall,
density/coverage and the Inception Score are computed on.

A ``FeatureNet`` wraps any ``nn.Module`` with what the protocol card must record: its name,
the sha256 of its weights, the image size it sees and how inputs are brought to it.

- ``mnist-cnn`` / ``fashion-mnist-cnn`` / ``digits-cnn``: the small shipped classifiers (classifier.py);
  128-d penultimate features, 10-way softmax. Inputs: gray 28×28.
- ``cifar10-cnn``: the small shipped CIFAR-10 classifier (classifier.py, VGG-style); 128-d
  penultimate features, 10-way softmax. Inputs: RGB 32×32. FID/KID/PR on CIFAR-10 offline; its
  numbers compare only with other cifar10-cnn numbers, never with Inception FIDs.
- ``inception-v3``: torch-fidelity's port of the TF InceptionV3 used by the FID/IS papers;
  2048-d pool3 features, 1008-way softmax of the unbiased logits. Needs ``torch-fidelity``
  and its weights file (downloaded on first use where there is internet).
- ``identity``: the flattened input itself (toy points, tests).
- any ``nn.Module`` mapping [N, C, H, W] in [0, 1] to [N, D]: ``FeatureNet.from_module``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import Tensor, nn

from ..errors import GanforgeError
from ..models.classifier import to_classifier_input

INCEPTION_FILE = "weights-inception-2015-12-05-6726825d.pth"
INCEPTION_URL = "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/" + INCEPTION_FILE


@dataclass
class FeatureNet:
    """A feature network and its protocol facts.

    ``fn(x)`` takes x [B, C, H, W] float32 in [0, 1], already converted to ``channels`` and
    ``image_size``, and returns (features [B, D], logits [B, K] or None).
    """

    name: str
    fn: Callable[[Tensor], tuple[Tensor, Tensor | None]]
    weights_sha256: str | None = None
    image_size: tuple[int, int] | None = None  # None: inputs are used at their own size
    channels: int | None = None
    resizing: str = "bilinear, antialiased (torch.nn.functional.interpolate)"
    layer: str = "penultimate"
    info: dict = field(default_factory=dict)

    @staticmethod
    def from_module(module: nn.Module, *, name: str | None = None, image_size=None, channels=None,
                    layer: str = "output") -> "FeatureNet":
        """Any module mapping images [N, C, H, W] in [0, 1] to vectors [N, D] (no softmax)."""
        module.eval()
        digest = hashlib.sha256()
        for key, value in sorted(module.state_dict().items()):
            digest.update(key.encode())
            digest.update(value.detach().cpu().contiguous().numpy().tobytes())
        return FeatureNet(name or f"module:{type(module).__name__}", lambda x: (module(x).flatten(1), None),
                          digest.hexdigest(), tuple(image_size) if image_size else None, channels, layer=layer)

    def card(self) -> dict:
        return {"name": self.name, "weights_sha256": self.weights_sha256, "layer": self.layer,
                "image_size": list(self.image_size) if self.image_size else None, "channels": self.channels,
                "resizing": self.resizing, **self.info}

    @torch.no_grad()
    def extract(self, images, *, batch_size: int = 500, quantize: bool = True) -> dict[str, Tensor]:
        """images: [N, C, H, W] uint8 (0..255) or float in [0, 1] (tensor or ndarray), or
        points [N, D]. Returns {"features": [N, D] float32, "probs": [N, K] float64 or absent}."""
        x = as_tensor(images)
        feats, probs = [], []
        for chunk in x.split(batch_size):
            chunk = prepare(chunk, self.image_size, self.channels, quantize=quantize)
            f, logits = self.fn(chunk)
            feats.append(f.float())
            if logits is not None:
                probs.append(torch.softmax(logits.double(), dim=1))
        out = {"features": torch.cat(feats) if feats else torch.zeros(0)}
        if probs:
            out["probs"] = torch.cat(probs)
        return out


def as_tensor(images) -> Tensor:
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(np.ascontiguousarray(images))
    if not isinstance(images, Tensor):
        raise GanforgeError(f"expected images as a tensor or NumPy array, got {type(images).__name__}")
    return images


def prepare(x: Tensor, image_size, channels, *, quantize: bool = True) -> Tensor:
    """A batch → float32 in [0, 1], 8-bit quantised (as if saved as PNG, so generated and real
    images take the same path), channel-converted and resized."""
    if x.dtype == torch.uint8:
        x = x.float() / 255.0
    else:
        x = x.float()
        if x.dim() == 4 and (x.min() < -1e-3 or x.max() > 1 + 1e-3):
            raise GanforgeError(
                f"images must be uint8 or float in [0, 1]; got values in [{x.min():.3g}, {x.max():.3g}]"
            )
        if quantize and x.dim() == 4:
            x = torch.round(x.clamp(0, 1) * 255.0) / 255.0
    if x.dim() != 4:
        return x.flatten(1)
    return to_classifier_input(x, image_size, channels)


def classifier_net(dataset: str) -> FeatureNet:
    from .classifier import load_classifier

    model, info = load_classifier(dataset)

    def fn(x: Tensor):
        f = model.features(x)
        return f, model.head(f)

    return FeatureNet(f"{dataset}-cnn", fn, info["sha256"], tuple(model.image_size), model.channels,
                      layer="penultimate (128-d, post-ReLU)",
                      info={"classifier_test_accuracy": info.get("test_accuracy"), "file": info.get("file")})


def identity_net() -> FeatureNet:
    return FeatureNet("identity", lambda x: (x.flatten(1), None), None, None, None, resizing="none",
                      layer="input, flattened")


def inception_weights_file() -> Path:
    """Where the InceptionV3 weights are looked for: $GANFORGE_INCEPTION_WEIGHTS, else torch
    hub's checkpoint folder (where torch-fidelity's download puts them)."""
    env = os.environ.get("GANFORGE_INCEPTION_WEIGHTS")
    if env:
        return Path(env).expanduser()
    return Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_FILE


def inception_net() -> FeatureNet:
    try:
        from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
    except ImportError:
        raise GanforgeError(
            "the inception-v3 features need torch-fidelity: pip install 'ganforge[inception]' "
            "(or use --features mnist-cnn / fashion-mnist-cnn for the MNIST family)"
        ) from None
    path = inception_weights_file()
    if not path.is_file():
        try:  # torch-fidelity's own download into torch hub's cache; fails fast offline
            torch.hub.download_url_to_file(INCEPTION_URL, str(path), progress=False)
        except Exception as err:  # noqa: BLE001  (any network or disk failure means the same thing)
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise GanforgeError(
                f"InceptionV3 weights not found and the download failed ({reason}); provide the file "
                f"{INCEPTION_FILE} (torch-fidelity's InceptionV3, 91 MB, from {INCEPTION_URL}) at {path}, "
                f"or point GANFORGE_INCEPTION_WEIGHTS at it"
            ) from None
    model = FeatureExtractorInceptionV3("inception-v3-compat", ["2048", "logits_unbiased"],
                                        feature_extractor_weights_path=str(path))
    model.eval()

    def fn(x: Tensor):
        # torch-fidelity takes uint8 RGB and resizes to 299×299 itself (TF1-compatible bilinear)
        f, logits = model((x * 255).round().to(torch.uint8))
        return f, logits

    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return FeatureNet("inception-v3", fn, sha, None, 3, layer="pool3 (2048-d); softmax of logits_unbiased",
                      resizing="torch-fidelity: bilinear to 299×299, TensorFlow-1 compatible",
                      info={"implementation": "torch-fidelity FeatureExtractorInceptionV3"})


FEATURE_NETS = {
    "mnist-cnn": lambda: classifier_net("mnist"),
    "fashion-mnist-cnn": lambda: classifier_net("fashion-mnist"),
    "digits-cnn": lambda: classifier_net("digits"),
    "cifar10-cnn": lambda: classifier_net("cifar10"),
    "inception-v3": inception_net,
    "identity": identity_net,
}


def default_feature_name(dataset: str | None, kind: str = "image") -> str:
    """The feature network a reference dataset is measured with unless the user names one."""
    if kind != "image":
        return "identity"
    if dataset in ("mnist", "fashion-mnist", "digits"):
        return f"{dataset}-cnn"
    if dataset == "cifar10" and not inception_available():
        return "cifar10-cnn"  # offline: the shipped CIFAR-10 classifier (the card names it)
    return "inception-v3"


def inception_available() -> bool:
    """Whether inception-v3 runs here without a download: torch-fidelity importable and its
    weights file present."""
    import importlib.util

    return importlib.util.find_spec("torch_fidelity") is not None and inception_weights_file().is_file()


def get_feature_net(spec) -> FeatureNet:
    """A name from FEATURE_NETS, a FeatureNet, or any nn.Module (images in [0, 1] → vectors)."""
    if isinstance(spec, FeatureNet):
        return spec
    if isinstance(spec, nn.Module):
        return FeatureNet.from_module(spec)
    if spec not in FEATURE_NETS:
        raise GanforgeError(f"unknown feature network {spec!r}; valid: {', '.join(sorted(FEATURE_NETS))}")
    with torch.random.fork_rng(devices=[]):  # layers' default init must not draw from a training's global stream
        return FEATURE_NETS[spec]()
