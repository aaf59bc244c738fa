"""Input that used to be accepted and give a silently wrong result is refused in one clear line:
a complex array as images, a fractional class, a negative pulling-away weight, and a CycleGAN-layout
folder passed beside --data-b (read as a plain folder, it poured both domains into one)."""

import numpy as np
import pytest
from PIL import Image

import ganforge
from ganforge.config import Config, build
from ganforge.data.unpaired import load_domains
from ganforge.errors import GanforgeError
from ganforge.metrics.inputs import load_npy
from ganforge.recipes.base import resolve_config


def test_a_complex_array_is_not_images(tmp_path):
    np.save(tmp_path / "c.npy", np.ones((2, 1, 8, 8), np.complex64))
    with pytest.raises(GanforgeError, match="complex"):
        load_npy(tmp_path / "c.npy", "--images")


def test_a_fractional_class_is_refused(tmp_path):
    from ganforge.config import deep_merge, to_sets
    from ganforge.registry import RECIPES

    from ..conftest import quick_sets

    over = deep_merge({"train": {"batch_size": 16}}, RECIPES.get("cgan").test_overrides)
    ganforge.train("cgan", out=tmp_path / "run", steps=2, set=to_sets(over) + quick_sets(**{"train.ckpt_every": 2}),
                   console=False)
    G = ganforge.load(tmp_path / "run")
    assert G.sample(2, y=3).shape[0] == 2 and G.sample(2, y=3.0).shape[0] == 2
    for bad in (2.5, [1, 2.5], True):
        with pytest.raises(GanforgeError, match="whole class indices"):
            G.sample(2, y=bad)


def test_a_negative_pulling_away_weight_is_refused():
    with pytest.raises(GanforgeError, match="pt_weight must be ≥ 0"):
        resolve_config("ebgan", sets=["recipe_args.pt_weight=-0.1"])


def test_a_cyclegan_layout_folder_beside_data_b_is_refused(tmp_path):
    for sub in ("trainA", "trainB"):
        (tmp_path / "pair" / sub).mkdir(parents=True)
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "pair" / sub / "0.png")
    cfg = build(Config, {"recipe": "cyclegan", "data": {"name": str(tmp_path / "pair")}, "data_b": {"name": "digits"}})
    with pytest.raises(GanforgeError, match="CycleGAN's layout.*without --data-b"):
        load_domains(cfg)
    cfg = build(Config, {"recipe": "cyclegan", "data": {"name": "digits"}, "data_b": {"name": str(tmp_path / "pair")}})
    with pytest.raises(GanforgeError, match="pair/trainB"):
        load_domains(cfg)
