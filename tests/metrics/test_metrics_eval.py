"""The registry, the runner and `ganforge eval`: every registered metric runs through the same
interface and every number leaves with a complete protocol card."""

import json
import math
import os

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch import nn

from ganforge.cli import main
from ganforge.errors import GanforgeError
from ganforge.metrics.features import FeatureNet
from ganforge.metrics.runner import EvalContext, EvalOptions, SampleSet, card_for, load_dataset_set
from ganforge.registry import METRICS

CARD_KEYS = {"metric", "value", "std", "std_kind", "n_generated", "n_reference", "generated", "reference",
             "feature_net", "image_size", "resizing", "quantize", "params", "seeds", "versions", "seconds", "created"}
DATA = os.environ.get("GANFORGE_TEST_DATA")
needs_data = pytest.mark.skipif(not DATA, reason="set GANFORGE_TEST_DATA to the shared data root (MNIST) to run")


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANFORGE_CACHE", str(tmp_path / "cache"))


def tiny_net() -> FeatureNet:
    torch.manual_seed(0)
    body = nn.Sequential(nn.Flatten(), nn.Linear(64, 12), nn.Tanh())
    head = nn.Linear(12, 10)

    def fn(x):
        f = body(x)
        return f, head(f)

    return FeatureNet("tiny", fn, "0" * 64, (8, 8), 1)


def image_context() -> EvalContext:
    ref = load_dataset_set("digits", split="test", data_root=None, n=120)
    g = torch.Generator().manual_seed(1)
    gen = SampleSet(torch.rand(100, 1, 8, 8, generator=g), torch.randint(0, 10, (100,), generator=g), {"images": "x"})
    opts = EvalOptions(n=100, splits=4, kid_subsets=5, kid_subset_size=50, parzen_validation=200,
                       parzen_sigmas=(0.1, 0.3, 1.0), train_set="digits")
    return EvalContext(gen, ref, tiny_net(), opts)


def points_context() -> EvalContext:
    ref = load_dataset_set("ring-2d", split="train", data_root=None, n=200)
    gen = SampleSet(torch.from_numpy(np.random.default_rng(0).normal(size=(150, 2))).float(), None, {"images": "pts"})
    return EvalContext(gen, ref, "identity", EvalOptions(n=150))


@pytest.mark.parametrize("name", METRICS.names())
def test_every_registered_metric_runs_and_carries_a_card(name):
    spec = METRICS.get(name)
    ctx = points_context() if "modes" in spec.needs else image_context()
    results = spec.compute(ctx)
    assert results
    for result in results:
        assert math.isfinite(result.value)
        card = json.loads(json.dumps(card_for(result, ctx, spec, 0.1), default=str))
        assert CARD_KEYS <= set(card)
        assert card["n_generated"] == len(ctx.gen.x) and card["n_reference"] == len(ctx.ref.x)
        if "features" in spec.needs or "probs" in spec.needs:
            assert card["feature_net"]["name"] == ctx.feature_net.name


def test_unknown_metric_and_missing_labels_fail_clearly(tmp_path):
    np.save(tmp_path / "x.npy", np.random.default_rng(0).random((50, 1, 8, 8), dtype=np.float32))
    result = CliRunner().invoke(main, ["eval", "--images", str(tmp_path / "x.npy"), "--reference", "digits",
                                       "--metrics", "fid,bogus"])
    assert result.exit_code == 2
    assert "unknown metric 'bogus'" in result.output and "fid" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["eval", "--images", str(tmp_path / "x.npy"), "--reference", "digits",
                                       "--metrics", "cacc", "--features", "identity"])
    assert result.exit_code == 2 and "--labels" in result.output
    result = CliRunner().invoke(main, ["eval", "--images", str(tmp_path / "x.npy"), "--reference", "digits",
                                       "--metrics", "class_spread", "--features", "identity"])
    assert result.exit_code == 2 and "spread within each class" in result.output and "--labels" in result.output


def test_inception_offline_names_the_file_and_where_to_put_it(monkeypatch, tmp_path):
    from ganforge.metrics import features

    monkeypatch.setenv("GANFORGE_INCEPTION_WEIGHTS", str(tmp_path / "nowhere" / features.INCEPTION_FILE))
    try:
        import torch_fidelity  # noqa: F401
    except ImportError:
        with pytest.raises(GanforgeError, match=r"pip install 'ganforge\[inception\]'"):
            features.get_feature_net("inception-v3")
        return

    def offline(*a, **k):
        raise OSError("network is unreachable")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(GanforgeError) as err:
        features.get_feature_net("inception-v3")
    msg = str(err.value)
    assert features.INCEPTION_FILE in msg and str(tmp_path / "nowhere") in msg and "network is unreachable" in msg


def test_inception_without_torch_fidelity_says_how_to_install(monkeypatch):
    import sys

    from ganforge.metrics import features

    monkeypatch.setitem(sys.modules, "torch_fidelity.feature_extractor_inceptionv3", None)
    with pytest.raises(GanforgeError, match="torch-fidelity"):
        features.get_feature_net("inception-v3")


def test_eval_of_a_trained_run_end_to_end(tmp_path):
    import ganforge

    run = tmp_path / "run"
    ganforge.train("gan", data="digits", steps=20, out=run, batch_size=32, console=False,
                   set=["train.ckpt_every=20", "train.sample_every=1000", "train.log_every=10"])
    result = CliRunner().invoke(main, ["eval", str(run), "--metrics", "fid,kid,pr,dc,parzen", "--n", "300",
                                       "--features", "identity", "--kid-subsets", "5", "--kid-subset-size", "100"])
    assert result.exit_code == 0, result.output
    cards = [json.loads(line) for line in (run / "eval.jsonl").read_text().splitlines()]
    assert [c["metric"] for c in cards] == ["fid", "kid", "precision", "recall", "density", "coverage", "parzen"]
    for c in cards:
        assert c["generated"]["step"] == 20 and c["generated"]["sample_seed"] == 0
        assert c["reference"]["dataset"] == "digits" and c["n_generated"] == 300
    assert cards[0]["feature_net"]["name"] == "identity" and cards[-1]["feature_net"] is None


def test_shipped_classifiers_are_small_and_load():
    from ganforge.metrics.classifier import SHIPPED, load_classifier, weights_path

    for dataset in SHIPPED:
        path = weights_path(dataset)
        assert path.stat().st_size < 2_000_000
        model, info = load_classifier(dataset)
        assert len(info["sha256"]) == 64 and info["dataset"] == dataset
        x = torch.rand(4, model.channels, *model.image_size)
        assert model.features(x).shape == (4, 128) and model(x).shape == (4, 10)


@needs_data
@pytest.mark.parametrize("dataset, floor", [("mnist", 0.99), ("fashion-mnist", 0.90)])
def test_shipped_classifier_accuracy_on_the_test_split(dataset, floor):
    from ganforge.config import DataConfig
    from ganforge.data import load_data
    from ganforge.metrics.classifier import load_classifier

    test = load_data(DataConfig(name=dataset, root=DATA, split="test"))
    model, _ = load_classifier(dataset)
    with torch.no_grad():
        pred = torch.cat([model(xb.float() / 255).argmax(1) for xb in test.x.split(2000)])
    assert (pred == test.labels).float().mean().item() >= floor


@needs_data
def test_eval_images_against_mnist_uses_the_cache(tmp_path):
    from ganforge.config import DataConfig
    from ganforge.data import load_data

    train = load_data(DataConfig(name="mnist", root=DATA, split="train"))
    np.save(tmp_path / "real.npy", (train.x[:400].float() / 255).numpy())
    args = ["eval", "--images", str(tmp_path / "real.npy"), "--reference", "mnist:test", "--data-root", DATA,
            "--n", "400", "--metrics", "fid,kid,is,pr,dc", "--kid-subsets", "10", "--kid-subset-size", "200",
            "--out", str(tmp_path / "e.jsonl")]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    cards = [json.loads(line) for line in (tmp_path / "e.jsonl").read_text().splitlines()]
    assert len(cards) == 14
    a, b = cards[:7], cards[7:]
    assert a[0]["feature_timings"]["reference_cache"]["hit"] is False
    assert b[0]["feature_timings"]["reference_cache"]["hit"] is True
    assert [c["value"] for c in a] == [c["value"] for c in b]
    fid = a[0]
    assert fid["feature_net"]["name"] == "mnist-cnn" and fid["reference"]["split"] == "test"
    assert fid["reference"]["selection"] == "[0:400] of 10000" and fid["resizing"] == "none"
    # real digits scored by the digit classifier: a high classifier score, near the reference's own
    score = next(c for c in a if c["metric"] == "classifier_score")
    assert score["value"] > 8.0 and abs(score["value"] - score["params"]["reference_value"]) < 1.0
    precision = next(c for c in a if c["metric"] == "precision")
    assert precision["value"] > 0.6


def test_shipped_digits_classifier_reads_the_held_out_digits():
    """digits-cnn: trained on sklearn's 8×8 digits with index % 5 != 0; the 360 held-out images,
    brought to 28×28 as the metrics bring generated images, are read correctly (≥ 98%)."""
    from ganforge.config import DataConfig
    from ganforge.data import load_data
    from ganforge.metrics.classifier import IMAGE_SIZE, load_classifier
    from ganforge.metrics.features import default_feature_name, prepare

    data = load_data(DataConfig(name="digits"))
    held = torch.arange(len(data.x)) % 5 == 0
    model, info = load_classifier("digits")
    with torch.no_grad():
        pred = model(prepare(data.x[held], IMAGE_SIZE, 1)).argmax(1)
    assert (pred == data.labels[held]).float().mean().item() >= 0.98
    assert info["dataset"] == "digits" and default_feature_name("digits") == "digits-cnn"


def test_class_coverage_counts_confident_reads_and_the_rarest_class():
    from ganforge.metrics.conditional import class_coverage_from_probs

    probs = np.array([[0.95, 0.05, 0.0], [0.97, 0.03, 0.0], [0.05, 0.92, 0.03], [0.5, 0.3, 0.2]])
    share, rarest = class_coverage_from_probs(probs)
    assert (share.metric, rarest.metric) == ("confident_share", "smallest_class_share")
    assert share.value == 0.75  # the fourth sample is read with p 0.5
    assert rarest.value == 0.0 and share.params["class_hist"] == [0.6667, 0.3333, 0.0]


def test_blank_images_count_as_read_by_no_class():
    """A blank image is no digit, whatever the classifier says: the shipped digit classifiers read an all-black
    image as a confident class, so without the flatness check a G that draws nothing scored 'every sample
    confident, one class'."""
    from ganforge.config import DataConfig
    from ganforge.data import load_data
    from ganforge.metrics.classifier import IMAGE_SIZE, load_classifier
    from ganforge.metrics.conditional import (
        class_coverage_from_probs,
        confident_conditional_accuracy,
        flat_images,
        typical_pixel_std,
    )
    from ganforge.metrics.features import prepare

    real = load_data(DataConfig(name="digits")).x[:200]
    g = torch.Generator().manual_seed(0)
    blank = torch.zeros(100, 1, 8, 8) + 0.002 * torch.rand(100, 1, 8, 8, generator=g)  # black, a trace of noise
    x = torch.cat([real.float() / 255, blank])
    typical = typical_pixel_std(real)
    flat = flat_images(x, typical)
    assert typical > 0.2 and not flat[:200].any() and flat[200:].all()
    model, _ = load_classifier("digits")
    with torch.no_grad():
        probs = model(prepare(x, IMAGE_SIZE, 1)).softmax(1).numpy()
    assert (probs[200:].max(1) >= 0.9).mean() > 0.5  # the blind spot the check is for
    naive, _ = class_coverage_from_probs(probs)
    share, rarest = class_coverage_from_probs(probs, unread=flat)
    assert share.value <= (probs[:200].max(1) >= 0.9).sum() / 300 < naive.value
    assert share.params["flat_images"] == 100 and sum(share.params["class_hist"]) == pytest.approx(1.0, abs=1e-3)
    labels = np.full(300, 1)
    cacc, _ = confident_conditional_accuracy(probs, labels, unread=flat)
    assert cacc.value <= 200 / 300


def test_eval_classes_reads_a_blank_generator_as_no_digit(tmp_path):
    np.save(tmp_path / "blank.npy", np.zeros((200, 1, 8, 8), dtype=np.float32))
    out = tmp_path / "e.jsonl"
    result = CliRunner().invoke(main, ["eval", "--images", str(tmp_path / "blank.npy"), "--reference", "digits",
                                       "--n", "200", "--metrics", "classes", "--out", str(out)])
    assert result.exit_code == 0, result.output
    share = next(json.loads(line) for line in out.read_text().splitlines() if '"confident_share"' in line)
    assert share["value"] == 0.0 and share["params"]["flat_images"] == 200


def test_eval_images_like_a_run_matches_the_runs_own_eval(tmp_path):
    """--images X --like RUN: the reference is brought to the size RUN was trained at, so saved samples of
    the run score what the run itself scores; without --like the 8×8 reference does not fit them."""
    import ganforge
    from ganforge.runs.load import load

    run = tmp_path / "run"
    ganforge.train("gan", data="digits", steps=10, out=run, batch_size=32, console=False,
                   set=["data.image_size=[16,16]", "train.ckpt_every=10", "train.sample_every=1000"])
    x = load(run).sample(200, seed=0)
    assert tuple(x.shape[-2:]) == (16, 16)
    np.save(tmp_path / "x.npy", x.numpy())
    common = ["--metrics", "fid", "--n", "200", "--features", "identity"]
    own = CliRunner().invoke(main, ["eval", str(run), *common, "--out", str(tmp_path / "own.jsonl")])
    assert own.exit_code == 0, own.output
    liked = CliRunner().invoke(main, ["eval", "--images", str(tmp_path / "x.npy"), "--like", str(run), *common,
                                      "--out", str(tmp_path / "like.jsonl")])
    assert liked.exit_code == 0, liked.output
    fid_own, fid_like = (json.loads((tmp_path / f).read_text().splitlines()[0])["value"]
                         for f in ("own.jsonl", "like.jsonl"))
    assert fid_like == pytest.approx(fid_own, rel=1e-4)
    unsized = CliRunner().invoke(main, ["eval", "--images", str(tmp_path / "x.npy"), "--reference", "digits",
                                        *common, "--out", str(tmp_path / "plain.jsonl")])
    assert unsized.exit_code != 0 and "same kind and size" in unsized.output
    both = CliRunner().invoke(main, ["eval", str(run), "--like", str(run), *common])
    assert both.exit_code != 0 and "--like RUN goes with --images" in both.output


def test_a_run_that_centred_its_data_is_read_cut_back_to_the_native_size(tmp_path):
    """data.fit=centre (PGGAN's MNIST: 28² in a 32² frame): the feature network reads every set cut back to
    the native size, so the data come back exactly and what G draws in the margins is not read; scaling the
    whole frame instead would shrink and blur the digit."""
    import ganforge
    from ganforge.config import DataConfig
    from ganforge.data.base import load_data
    from ganforge.data.fit import fit_uint8

    run = tmp_path / "run"
    ganforge.train("gan", data="digits", steps=2, out=run, batch_size=16, console=False,
                   set=["data.image_size=[12,12]", "data.fit=centre", "train.ckpt_every=2", "train.sample_every=1000"])
    real = load_data(DataConfig(name="digits")).x[:300]
    x = fit_uint8(real, [12, 12], "centre").clone()
    x[:, :, :2] = torch.randint(0, 256, x[:, :, :2].shape, dtype=torch.uint8)  # strokes in the top margin
    np.save(tmp_path / "x.npy", x.numpy())
    common = ["--metrics", "fid", "--n", "300", "--features", "identity", "--out", str(tmp_path / "e.jsonl")]
    out = CliRunner().invoke(main, ["eval", "--images", str(tmp_path / "x.npy"), "--like", str(run), *common])
    assert out.exit_code == 0, out.output
    card = json.loads((tmp_path / "e.jsonl").read_text().splitlines()[0])
    assert card["value"] == pytest.approx(0.0, abs=1e-4)  # the same 300 digits once the margins are cut
    assert card["resizing"].startswith("cut back to 8×8")
    np.save(tmp_path / "x.npy", np.roll(x.numpy(), 3, axis=2))  # the margin noise now inside the digits' box
    assert CliRunner().invoke(main, ["eval", "--images", str(tmp_path / "x.npy"), "--like", str(run),
                                     *common]).exit_code == 0
    moved = json.loads((tmp_path / "e.jsonl").read_text().splitlines()[1])
    assert moved["value"] > 1.0


def test_class_spread_is_near_zero_for_one_image_per_class_and_near_one_for_data_like_samples():
    from ganforge.metrics.conditional import class_spread_from_features

    gen = torch.Generator().manual_seed(0)
    centres = torch.randn(3, 6, generator=gen) * 5
    ref_y = torch.arange(600) % 3
    ref = centres[ref_y] + torch.randn(600, 6, generator=gen) * torch.tensor([1.0, 2.0, 3.0])[ref_y, None]
    y = torch.arange(300) % 3
    alike = centres[y] + torch.randn(300, 6, generator=gen) * torch.tensor([1.0, 2.0, 3.0])[y, None]
    one_each = centres[y] + 1e-3 * torch.randn(300, 6, generator=gen)
    varied = class_spread_from_features(alike, y, ref, ref_y)
    collapsed = class_spread_from_features(one_each, y, ref, ref_y)
    assert 0.8 < varied["class_spread"] < 1.25 and set(varied["per_class"]) == {0, 1, 2}
    assert collapsed["class_spread"] < 0.01
    # the overall spread cannot see it: the collapsed samples still span the three classes
    assert one_each.var(0).sum() > 0.5 * ref.var(0).sum()
    half = torch.where((y == 1)[:, None], one_each, alike)  # one class collapsed: the lowest names it
    assert class_spread_from_features(half, y, ref, ref_y)["class_spread_worst"] == 1
    assert class_spread_from_features(alike[:1], y[:1], ref, ref_y) == {}  # one sample a class: nothing to read
    with pytest.raises(ValueError, match="labels"):
        class_spread_from_features(alike, y[:10], ref, ref_y)
