"""Settings chosen from the data (recipes/auto.py): each choice with its reason, the user's own
settings win, and the resolved config reloads as it is."""

import dataclasses

import numpy as np
import pytest
import yaml
from PIL import Image

import ganforge.api  # noqa: F401  (registers recipes, models, datasets)
from ganforge.config import Config, build, dump_yaml
from ganforge.errors import GanforgeError
from ganforge.recipes.auto import Choice, Choices, fit_to_data, r1_weight
from ganforge.recipes.base import resolve_config
from ganforge.runs.launch import _resolve


def _rgb_folder(root, n=12, size=(36, 20)):
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (*size, 3), dtype=np.uint8)).save(root / f"{i:02d}.png")
    return root


def test_no_recipe_chooses_everything_with_a_reason_and_reloads(tmp_path):
    folder = _rgb_folder(tmp_path / "imgs")
    cfg, lines = _resolve(None, config=None, sets=["G.args.ngf=8", "D.args.ndf=8"], flags={"data": {"name": str(folder)}})
    assert cfg.recipe == "dcgan" and cfg.data.image_size == [36, 20] and cfg.data.channels == 3
    assert cfg.data.mirror is True and cfg.train.batch_size == 2  # ≥ 4 batches in 12 images
    keys = [line.split(":")[0] for line in lines]
    assert keys == ["recipe", "data.image_size", "data.channels", "train.batch_size", "augment", "data.mirror"]
    assert all(" — " in line for line in lines)
    assert build(Config, yaml.safe_load(dump_yaml(cfg))) == cfg  # nothing chosen silently: the file is the run


def test_your_settings_win_and_are_named(tmp_path):
    folder = _rgb_folder(tmp_path / "imgs")
    cfg, lines = _resolve(None, config=None, sets=["G.args.ngf=8", "D.args.ndf=8", "data.mirror=false"],
                          flags={"data": {"name": str(folder)}, "train": {"batch_size": 3}})
    assert cfg.train.batch_size == 3 and cfg.data.mirror is False
    assert any(line.startswith("train.batch_size: 3 (your setting; chosen: 2") for line in lines)


def test_augment_is_written_only_where_the_config_has_it():
    found = Choices("dcgan", None, [Choice("augment", "ada", "small"), Choice("data.mirror", True, "rgb")])
    assert found.diff({"data"}) == {"data": {"mirror": True}}
    assert found.diff({"data", "augment"}) == {"augment": "ada", "data": {"mirror": True}}
    has = "augment" in {f.name for f in dataclasses.fields(Config)}
    assert found.diff({f.name for f in dataclasses.fields(Config)}).get("augment") == ("ada" if has else None)


def test_r1_weight_follows_stylegan2_ada():
    assert r1_weight(5.0, [32, 32], 64) == pytest.approx(0.0002 * 32 * 32 / 64 / 2)
    assert r1_weight({"weight": 5, "every": 16}, [64, 64], 32) == {"weight": pytest.approx(0.0128), "every": 16}
    assert r1_weight(None, [64, 64], 32) is None


def test_any_recipe_on_a_folder_gets_a_size_its_g_takes(tmp_path):
    folder = _rgb_folder(tmp_path / "imgs", size=(30, 30))
    cfg, lines = fit_to_data(resolve_config("dcgan", sets=[f"data.name={folder}"]))
    assert cfg.data.image_size == [28, 28] and "30×30 (H×W) → 28×28, scaled" in lines[0]
    cfg, lines = fit_to_data(resolve_config("gan", sets=[f"data.name={folder}"]))  # an MLP takes any size
    assert cfg.data.image_size is None and lines == []
    with pytest.raises(GanforgeError, match="with no recipe"):
        _resolve(None, config=None, sets=[], flags={"data": {"name": "digits"}})


def test_a_preset_known_not_to_work_yet_says_so_when_a_run_starts(monkeypatch):
    """A recipe's known limit on a dataset (Recipe.known_limits) is among the first lines a user reads when such a run
    starts; data without such a note prints none."""
    from ganforge.registry import RECIPES

    monkeypatch.setitem(RECIPES.get("began").known_limits, "mnist", "x does not draw digits yet (docs/y.md)")
    _, lines = _resolve("began", config=None, sets=[], flags={"data": {"name": "mnist"}})
    (note,) = [line for line in lines if line.startswith("note:")]
    assert note == "note: x does not draw digits yet (docs/y.md)"
    _, lines = _resolve("began", config=None, sets=[], flags={"data": {"name": "digits"}})
    assert not any(line.startswith("note:") for line in lines)
