"""Players and optimisers by name, any number: a recipe adds a third player with its own
optimiser settings (``opt.<player>``) without touching the trainer; the old ``opt_G`` / ``opt_D``
and ``d_steps_boost`` keys still load; no player or recipe name is written into training/."""

import re
from dataclasses import replace
from pathlib import Path

import pytest
import torch

import ganforge
from ganforge.config import Config, build
from ganforge.errors import GanforgeError
from ganforge.recipes.base import register_recipe, resolve_config
from ganforge.recipes.steps import standard_d_step, standard_g_step
from ganforge.registry import RECIPES
from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint
from ganforge.training.players import Player

from ..conftest import quick_sets

TINY = ["G.args.hidden=[16]", "D.args.hidden=[8]", "z_dim=4", "train.batch_size=16"]


def _encoder_step(ctx):
    """E learns to recover z from G(z) (an encoder beside the game, as BiGAN-style recipes have)."""
    lat = ctx.latent()
    with torch.no_grad():
        fake = ctx.generate(lat)
    return {"recon": (ctx.nets["E"](fake.flatten(1)) - lat["z"]).pow(2).mean()}


@pytest.fixture
def three_players():
    base = RECIPES.get("gan")

    def players(cfg):
        return [Player("D", ("D",), standard_d_step, cfg.d_steps), Player("G", ("G",), standard_g_step, cfg.g_steps),
                Player("E", ("E",), _encoder_step, 2)]

    rec = replace(base, name="test-encoder", players=players,
                  defaults={**base.defaults, "update_order": "alternating",
                            "nets": {"E": {"arch": "mlp_generator", "args": {"hidden": [8], "out_activation": "linear",
                                                                   "out_bias_from_data": False}}}},
                  dataset_defaults={}, network_args=lambda name, nets: {"z_dim": 64, "out_shape": (4,)} if name == "E" else {})
    register_recipe(rec)
    yield rec.name
    RECIPES._items.pop(rec.name)


def test_a_third_player_with_its_own_optimiser(tmp_path, three_players):
    sets = TINY + quick_sets() + ["opt.E.name=adam", "opt.E.lr=0.003"]
    cfg = resolve_config(three_players, sets=sets, overrides={"data": {"name": "digits"}})
    assert cfg.optimizer("E").lr == 0.003 and cfg.optimizer("E").name == "adam"
    res = ganforge.train(three_players, data="digits", steps=3, out=tmp_path / "r", set=sets, console=False)
    state = load_checkpoint(latest_checkpoint(tmp_path / "r"))
    assert state["updates"] == {"D": 3, "G": 3, "E": 6}
    assert state["opt_E"]["param_groups"][0]["lr"] == 0.003 and "exp_avg" in next(iter(state["opt_E"]["state"].values()))
    assert "e_loss" in res["last"] and res["last"]["lr_E"] == 0.003
    # an optimiser entry that names no player is refused, with the players' entries listed
    with pytest.raises(GanforgeError, match=r"opt\.Q: recipe 'test-encoder' has no player 'Q'.*opt\.E"):
        ganforge.train(three_players, data="digits", steps=1, out=tmp_path / "q", set=sets + ["opt.Q.lr=0.1"],
                       console=False)


def test_old_optimiser_and_boost_keys_still_load():
    old = build(Config, {"recipe": "wgan", "opt_G": {"lr": 1e-3}, "opt_D": {"name": "sgd"},
                         "d_steps_boost": {"d_steps": 7, "first": 1, "every": 9}})
    assert old.opt["G"].lr == 1e-3 and old.opt["D"].name == "sgd"
    assert old.recipe_args["d_steps_boost"] == {"d_steps": 7, "first": 1, "every": 9}
    # old and new keys given in different layers merge
    cfg = resolve_config("gan", sets=["opt_G.lr=0.5", "opt.D.lr=0.25"])
    assert (cfg.opt["G"].lr, cfg.opt["D"].lr, cfg.opt["G"].name) == (0.5, 0.25, "sgd")
    assert resolve_config("wgan", sets=["d_steps_boost=null"]).recipe_args["d_steps_boost"] is None
    assert "d_steps_boost" not in resolve_config("dcgan", sets=["d_steps_boost=null"]).recipe_args


def test_no_player_or_recipe_name_in_the_trainer():
    """training/ is the machinery: it reads players, optimisers and data sources by the names a
    recipe gives them. (Network names such as ctx.G / ctx.D are a step's conveniences, not players.)"""
    training = Path(ganforge.__file__).parent / "training"
    recipe_names = set(RECIPES.names())
    for path in sorted(training.glob("*.py")):
        text = path.read_text()
        assert not re.search(r'"opt_[A-Z]\w*"|opt_G|opt_D', text), path.name
        assert not re.search(r'\[\s*"D"\s*,\s*"G"\s*\]|\[\s*"G"\s*,\s*"D"\s*\]', text), path.name
        assert "d_steps_boost" not in text and "image_pool" not in text, path.name
        quoted = set(re.findall(r'"([a-z][a-z0-9-]+)"', text))
        assert not quoted & recipe_names, (path.name, quoted & recipe_names)


def test_an_old_run_directory_resumes_and_samples(tmp_path):
    """A run whose config.yaml has the old keys (opt_G, opt_D, d_steps_boost) resumes and loads."""
    import yaml

    run = tmp_path / "old"
    sets = TINY + quick_sets(**{"train.ckpt_every": 2})
    ganforge.train("gan", data="digits", steps=2, out=run, set=sets, console=False)
    cfg = yaml.safe_load((run / "config.yaml").read_text())
    opt = cfg.pop("opt")
    cfg.update(opt_G=opt["G"], opt_D=opt["D"], d_steps_boost=None)
    (run / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    res = ganforge.train("gan", data="digits", steps=4, out=run, resume=True, set=["opt_G.lr=0.1"], console=False)
    assert res["step"] == 4
    assert ganforge.load(run).sample(3).shape == (3, 1, 8, 8)
