"""EBGAN and BEGAN as recipes: BEGAN's k_t is controlled, logged and resumed exactly; EBGAN's
margin and pulling-away term reach the losses; the recipe arguments are checked."""

import json

import pytest
import torch

import ganforge
from ganforge.config import deep_merge, to_sets
from ganforge.errors import GanforgeError
from ganforge.recipes import resolve_config
from ganforge.registry import RECIPES

from ..conftest import quick_sets
from ..tiny_run import once_and_resumed


def _sets(name, **extra):
    over = deep_merge({"train": {"batch_size": 8}}, RECIPES.get(name).test_overrides)
    return to_sets(over) + quick_sets(**extra)


@pytest.mark.parametrize("order", ["simultaneous", "alternating"])
def test_began_k_resumes_exactly_and_follows_its_update(tmp_path, order):
    sets = _sets("began", **{"train.ckpt_every": 3, "train.log_every": 1}) + ["recipe_args.lambda_k=0.05",
                                                                                f"update_order={order}"]
    a, b = once_and_resumed("began", tmp_path, steps=6, stop=3, sets=sets, data=None)
    assert torch.equal(a["recipe_state"]["k"], b["recipe_state"]["k"])
    for net in ("G", "D"):
        for key in a[net]:
            assert torch.equal(a[net][key], b[net][key]), (net, key)
    recs = [json.loads(line) for line in open(tmp_path / "once" / "metrics.jsonl")]
    assert recs[0]["k"] == 0.0  # k_0
    for prev, cur in zip(recs, recs[1:]):  # log_every 1: each record is one step's k_t, L(x), L(G(z))
        expected = min(max(prev["k"] + 0.05 * (0.5 * prev["energy_real"] - prev["energy_fake"]), 0.0), 1.0)
        assert cur["k"] == pytest.approx(expected, abs=1e-6)
        assert prev["m_global"] == pytest.approx(prev["energy_real"] + abs(0.5 * prev["energy_real"]
                                                                           - prev["energy_fake"]), rel=1e-5)
    assert a["recipe_state"]["k"].item() == pytest.approx(
        min(max(recs[-1]["k"] + 0.05 * (0.5 * recs[-1]["energy_real"] - recs[-1]["energy_fake"]), 0), 1), abs=1e-6)


def test_ebgan_reports_margin_and_pulling_away(tmp_path):
    sets = _sets("ebgan", **{"train.log_every": 2})
    ganforge.train("ebgan", out=tmp_path / "pt", steps=2, set=sets + ["recipe_args.margin=1e6"], console=False)
    rec = json.loads(open(tmp_path / "pt" / "metrics.jsonl").readline())
    assert rec["fakes_below_margin"] == 1.0  # every fake is inside a huge margin
    assert 0 < rec["pulling_away"] <= 1 and rec["g_pt"] == pytest.approx(0.1 * rec["pulling_away"], rel=1e-5)
    ganforge.train("ebgan", out=tmp_path / "plain", steps=2, set=sets + ["recipe_args.pt_weight=0"], console=False)
    rec = json.loads(open(tmp_path / "plain" / "metrics.jsonl").readline())
    assert "pulling_away" not in rec and "g_pt" not in rec


@pytest.mark.parametrize("recipe, sets, match", [
    ("ebgan", ["recipe_args.marg=3"], "has no argument 'marg'; valid: margin, pt_weight"),
    ("ebgan", ["recipe_args.margin=abc"], "must be a number"),
    ("ebgan", ["recipe_args.margin=-1"], "margin must be > 0"),
    ("began", ["recipe_args.gamma=1.5"], r"must be in \[0, 1\]"),
    ("began", ["d_steps=2"], "d_steps"),
    ("began", ["opt_D.decay_every=0"], "decay_every ≥ 1"),
])
def test_recipe_arguments_are_checked(recipe, sets, match):
    with pytest.raises(GanforgeError, match=match):
        resolve_config(recipe, sets=sets)


@pytest.mark.parametrize("data", ["mnist", "fashion-mnist"])
def test_began_mnist_preset_is_the_public_mnist_began(data):
    """hwalsuklee's BEGAN.py: InfoGAN's G, the one-conv auto-encoder, D then G, Adam β1 0.5, G at 5× D's lr, γ 0.75."""
    cfg = resolve_config("began", sets=[f"data.name={data}"])
    assert (cfg.G.arch, cfg.D.arch, cfg.update_order) == ("infogan_generator", "began_small_discriminator", "alternating")
    assert cfg.G.args == {"n_categorical": 0, "n_continuous": 0} and cfg.z_dim == 62 and cfg.z_dist == "uniform"
    assert cfg.opt["G"].lr == 5 * cfg.opt["D"].lr == 1e-3 and cfg.opt["D"].betas == cfg.opt["G"].betas == [0.5, 0.999]
    assert cfg.recipe_args["gamma"] == 0.75 and cfg.train.batch_size == 64 and cfg.data.image_size is None
    # its energy is each example's L2 norm averaged: √64 = 8 times that code's ‖X − D(X)‖ / B, so λ_k is 0.001 / 8
    assert cfg.D.args["energy"] == "l2" and cfg.recipe_args["lambda_k"] == pytest.approx(0.001 / 8)
    paper = resolve_config("began", sets=["data.name=digits"])  # no preset there: the paper's networks, together
    assert (paper.G.arch, paper.update_order, paper.recipe_args["gamma"]) == ("began_generator", "simultaneous", 0.5)


def test_energy_loss_is_refused_by_other_recipes():
    with pytest.raises(GanforgeError, match="recipes that do: began, ebgan"):
        resolve_config("dcgan", sets=["loss=energy"])
    assert resolve_config("ebgan", sets=["recipe_args.margin=20"]).recipe_args == {"margin": 20, "pt_weight": 0.1}


@pytest.mark.parametrize("data", ["mnist", "fashion-mnist"])
def test_ebgan_cpu_preset_is_a_point_of_the_paper_grid_with_its_lr_decayed_over_the_second_half(data):
    from ganforge.training.schedules import LR_SCHEDULES

    cfg = resolve_config("ebgan", sets=[f"data.name={data}"])
    paper = resolve_config("ebgan", sets=["data.name=digits"])  # no preset there: the recipe's own defaults
    assert paper.G.args["hidden"] == [1600] * 4  # Fig. 9's network, at a constant lr
    fixed = LR_SCHEDULES.get(paper.opt["G"].schedule)
    end = paper.train.steps
    assert fixed(paper.opt["G"], step=end, total_steps=end, updates=end) == paper.opt["G"].lr
    hidden = cfg.G.args["hidden"]
    assert len(hidden) == 4 and hidden[0] in (400, 800, 1600, 3200) and len(set(hidden)) == 1  # sizeG of the grid
    assert cfg.D.args["hidden"] == [1024] and cfg.recipe_args == {"margin": 10.0, "pt_weight": 0.1}
    steps = cfg.train.steps
    for player in ("D", "G"):
        opt = cfg.opt[player]
        assert opt.lr == 1e-3
        schedule = LR_SCHEDULES.get(opt.schedule)  # the preset's own schedule, whatever its name
        lr = [schedule(opt, step=s, total_steps=steps, updates=s) for s in (0, steps // 2, 3 * steps // 4, steps)]
        assert lr == pytest.approx([1e-3, 1e-3, 5e-4, 0.0])
