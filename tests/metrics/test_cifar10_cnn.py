"""cifar10-cnn: the shipped CIFAR-10 classifier whose features serve FID/KID/PR on CIFAR-10 offline."""

import importlib.util
import os

import pytest
import torch

from ganforge.metrics import features as feats

DATA = os.environ.get("GANFORGE_TEST_DATA")


def test_cifar10_cnn_loads_and_names_itself():
    from ganforge.metrics.classifier import CifarClassifier, load_classifier, weights_path

    model, info = load_classifier("cifar10")
    assert isinstance(model, CifarClassifier) and info["arch"] == "cifar-vgg" and info["dataset"] == "cifar10"
    assert info["test_accuracy"] >= 0.70 and weights_path("cifar10").stat().st_size < 2_000_000
    net = feats.get_feature_net("cifar10-cnn")
    out = net.extract(torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8))
    assert out["features"].shape == (6, 128) and out["probs"].shape == (6, 10)
    card = net.card()
    assert card["name"] == "cifar10-cnn" and card["channels"] == 3 and card["image_size"] == [32, 32]
    assert card["classifier_test_accuracy"] == info["test_accuracy"]


def test_cifar10_defaults_to_cifar10_cnn_without_inception_weights(monkeypatch, tmp_path):
    monkeypatch.setattr(feats, "inception_weights_file", lambda: tmp_path / "absent.pth")
    assert feats.default_feature_name("cifar10") == "cifar10-cnn"
    assert feats.default_feature_name("mnist") == "mnist-cnn" and feats.default_feature_name("celeba") == "inception-v3"
    weights = tmp_path / "w.pth"
    weights.write_bytes(b"x")
    monkeypatch.setattr(feats, "inception_weights_file", lambda: weights)
    expected = "inception-v3" if importlib.util.find_spec("torch_fidelity") else "cifar10-cnn"
    assert feats.default_feature_name("cifar10") == expected


@pytest.mark.skipif(not DATA, reason="set GANFORGE_TEST_DATA to the shared data root (CIFAR-10 JPEG zips) to run")
def test_cifar10_cnn_accuracy_on_test_images_matches_its_metadata():
    """Every fifth test image (2,000, 200 per class): within 3 points of the stated accuracy."""
    from ganforge.config import DataConfig
    from ganforge.data import load_data
    from ganforge.metrics.classifier import load_classifier

    test = load_data(DataConfig(name="cifar10", root=DATA, split="test"))
    x, y = test.x[::5], test.labels[::5]
    model, info = load_classifier("cifar10")
    with torch.no_grad():
        pred = torch.cat([model(xb.float() / 255).argmax(1) for xb in x.split(500)])
    acc = (pred == y).float().mean().item()
    assert acc == pytest.approx(info["test_accuracy"], abs=0.03)
