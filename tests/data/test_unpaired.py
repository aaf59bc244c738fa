"""Two unpaired domains: CycleGAN's folder layout as one --data, or --data A --data-b B."""

import numpy as np
import pytest
from PIL import Image

import ganforge
from ganforge.config import Config, DataConfig, build
from ganforge.data.unpaired import load_domains, unpaired_folder
from ganforge.errors import GanforgeError

from ..conftest import quick_sets


def _layout(root, sizes={"trainA": (5, 12), "trainB": (7, 16), "testA": (2, 12), "testB": (3, 16)}):
    rng = np.random.default_rng(0)
    for sub, (n, side) in sizes.items():
        (root / sub).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8)).save(root / sub / f"{i}.png")
    return root


def _cfg(**kw):
    return build(Config, {"recipe": "cyclegan", **kw})


def test_cyclegan_folder_layout_gives_two_domains_of_their_own_sizes(tmp_path):
    root = _layout(tmp_path / "pair")
    a, b = load_domains(_cfg(data={"name": str(root)}))
    assert (len(a), a.shape, len(b), b.shape) == (5, (3, 12, 12), 7, (3, 16, 16))
    assert a.labels is None and b.labels is None
    a, b = load_domains(_cfg(data={"name": str(root), "split": "test", "image_size": [8, 8]}))
    assert (len(a), a.shape, len(b), b.shape) == (2, (3, 8, 8), 3, (3, 8, 8))
    with pytest.raises(GanforgeError, match="horse2zebra not found"):
        unpaired_folder(DataConfig(name="horse2zebra", root=str(tmp_path)))


def test_two_named_datasets_and_clear_errors(tmp_path):
    a, b = load_domains(_cfg(data={"name": "digits", "limit": 100}, data_b={"name": "digits", "limit": 30}))
    assert (len(a), len(b)) == (100, 30)
    (tmp_path / "flat").mkdir()
    with pytest.raises(GanforgeError, match="--data-b"):
        load_domains(_cfg(data={"name": "digits"}))
    with pytest.raises(GanforgeError, match="no trainB"):
        _layout(tmp_path / "half", {"trainA": (2, 8)})
        load_domains(_cfg(data={"name": str(tmp_path / "half")}))
    with pytest.raises(GanforgeError, match="one dataset"):  # --data-b for a one-domain recipe
        ganforge.train("dcgan", data="digits", data_b="digits", out=tmp_path / "r", steps=1, console=False,
                       set=quick_sets())


def test_a_two_domain_run_draws_batch_b_from_its_own_data(tmp_path):
    from ganforge.config import deep_merge, to_sets
    from ganforge.recipes.base import resolve_config
    from ganforge.registry import RECIPES
    from ganforge.training.loop import make_fabric
    from ganforge.training.run import TrainingRun

    over = deep_merge(RECIPES.get("cyclegan").test_overrides, {"train": {"batch_size": 4}})
    root = _layout(tmp_path / "pair", {"trainA": (6, 8), "trainB": (9, 16)})
    over = deep_merge(over, {"data": {"name": str(root), "image_size": None}, "data_b": None,
                             "recipe_args": {"identity": 0.0}, "nets": {"F": {"args": {"n_down": 1}}}})
    cfg = resolve_config("cyclegan", sets=to_sets(over) + ["train.threads=1", "recipe_args.identity=0.5"])
    run = TrainingRun(cfg, RECIPES.get("cyclegan"), make_fabric(cfg))
    xa, xb = run.ctx.batch("a").x, run.ctx.batch("b").x
    assert xa.shape == (4, 3, 8, 8) and xb.shape == (4, 3, 16, 16)
    assert xb.min() >= -1 and xb.max() <= 1
    assert tuple(run.raw["G"](xa).shape) == (4, 3, 16, 16) and tuple(run.raw["F"](xb).shape) == (4, 3, 8, 8)
    assert run.describe()["data_shape_b"] == [3, 16, 16]
    # the identity term between two sizes: b shown to G at A's size comes back at B's size
    assert run.raw["G"](run.raw["F"].resample(xb)).shape == xb.shape
    for _ in range(3):  # B's sampler runs its own epochs (9 images: 2 batches of 4 per epoch)
        run.ctx.batch("b")
    assert run.sources["b"].sampler.epoch == 1 and run.sampler.epoch == 0
    assert set(run.step(0, True)) >= {"g_identity", "g_cycle", "d_a", "d_b"}
