"""The memorisation share: copies of training images are counted, new draws from the same law
are counted as often as held-out real data, and the card says against what."""

import numpy as np
import pytest
import torch

from ganforge.errors import GanforgeError
from ganforge.metrics.memorisation import memorisation, nearest
from ganforge.metrics.runner import EvalOptions, evaluate


def test_nearest_finds_the_closest_row_and_can_skip_itself():
    base = torch.tensor([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]])
    d, i = nearest(torch.tensor([[0.9, 0.1], [5.0, 5.0]]), base)
    assert i.tolist() == [1, 2] and d[1] == 0
    d, i = nearest(base, base, skip=torch.arange(3))
    assert i.tolist() == [1, 0, 1] and d[0] == pytest.approx(1.0)


def test_copies_count_and_fresh_draws_match_held_out_data():
    g = torch.Generator().manual_seed(0)
    train, held_out, fresh = (torch.randn(n, 16, generator=g) for n in (3000, 500, 500))
    copies = train[:300] + 1e-3 * torch.randn(300, 16, generator=g)
    out = memorisation(copies, train, held_out=held_out)
    assert out.value == 1.0 and out.metric == "memorised_pixels"
    assert out.params["closest_pairs"][0]["training"] < 300
    new = memorisation(fresh, train, held_out=held_out)
    assert new.value == pytest.approx(new.params["reference_value"], abs=0.05)
    assert new.value < 0.2
    half = memorisation(torch.cat([copies[:250], fresh[:250]]), train, held_out=held_out)
    assert half.value == pytest.approx(0.5 + 0.5 * new.value, abs=0.06)


def test_eval_memo_against_the_training_set(tmp_path):
    from sklearn.datasets import load_digits

    x = np.round(load_digits().images * (255 / 16)).astype(np.uint8)[:, None]
    np.save(tmp_path / "copies.npy", x[:200])
    cards = evaluate(images=tmp_path / "copies.npy", reference="digits", metrics="memo", features="identity",
                     out=tmp_path / "e.jsonl", options=EvalOptions(n=200, train_set="digits", use_cache=False))
    assert [c["metric"] for c in cards] == ["memorised_pixels", "memorised_features"]
    assert all(c["value"] == 1.0 for c in cards)  # every image is a training image
    assert cards[0]["params"]["training_set"]["dataset"] == "digits"
    with pytest.raises(GanforgeError, match="--train-set"):
        evaluate(images=tmp_path / "copies.npy", reference="digits", metrics="memo", features="identity",
                 out=tmp_path / "e.jsonl", options=EvalOptions(n=200, use_cache=False))


def test_a_run_is_compared_with_its_own_training_data(tmp_path):
    from tests.tiny_run import tiny_run

    run = tiny_run(tmp_path / "run", steps=2)
    cards = evaluate(run_dir=run, metrics="memo", features="identity", options=EvalOptions(n=100, use_cache=False))
    assert cards[0]["generated"]["trained_on"] == "digits:train"
    assert cards[0]["params"]["training_set"]["dataset"] == "digits"
    assert 0.0 <= cards[0]["value"] <= 1.0 and "reference_value" in cards[0]["params"]


def test_a_run_on_the_first_n_images_is_compared_with_those_n(tmp_path):
    from tests.tiny_run import tiny_run

    run = tiny_run(tmp_path / "run", steps=2, **{"data.limit": 300})
    cards = evaluate(run_dir=run, metrics="memo", features="identity", options=EvalOptions(n=100, use_cache=False))
    assert cards[0]["generated"]["trained_on_first"] == 300
    assert cards[0]["params"]["training_set"]["selection"].startswith("[0:300]")


def test_the_closest_pairs_are_drawn_beside_the_cards_and_shown_in_the_report(tmp_path):
    from PIL import Image
    from tests.tiny_run import tiny_run

    from ganforge.viewers.report import write_report

    run = tiny_run(tmp_path / "run", steps=2)
    evaluate(run_dir=run, metrics="memo", features="identity", options=EvalOptions(n=100, use_cache=False))
    with Image.open(run / "eval.memo-pairs.png") as im:
        assert im.width > im.height  # two rows of eight
    html = write_report(run).read_text()
    assert "the samples nearest to a training image" in html


def test_a_run_on_a_resized_folder_is_compared_with_its_images_as_it_saw_them(tmp_path):
    """A folder trained at another size (or aspect ratio) is measured against its images brought to that
    size by the run's data.fit: identity features of 8×6 samples against 12×10 files would not compare."""
    from PIL import Image
    from tests.conftest import quick_sets
    from tests.tiny_run import TINY

    import ganforge

    folder = tmp_path / "imgs"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(30):
        Image.fromarray(rng.integers(0, 256, (12, 10), dtype=np.uint8)).save(folder / f"{i:02d}.png")
    run = tmp_path / "run"
    ganforge.train("gan", data=str(folder), steps=2, out=run, console=False,
                   set=TINY + quick_sets(**{"data.image_size": "[8,6]", "data.fit": "pad", "train.batch_size": 10}))
    cards = evaluate(run_dir=run, metrics="memo", features="identity", options=EvalOptions(n=40, use_cache=False))
    assert cards[1]["params"]["n_training"] == 30 and 0.0 <= cards[1]["value"] <= 1.0


def test_a_named_dataset_is_compared_at_the_size_the_run_trained_at(tmp_path):
    from tests.tiny_run import tiny_run

    run = tiny_run(tmp_path / "run", steps=2, **{"data.image_size": "[12,12]"})
    cards = evaluate(run_dir=run, metrics="memo", features="identity", options=EvalOptions(n=50, use_cache=False))
    assert cards[0]["reference"]["as_trained"]["image_size"] == [12, 12]
    assert cards[0]["n_reference"] > 0
