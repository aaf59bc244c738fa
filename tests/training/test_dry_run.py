"""--dry-run counts what the run does: a player whose update count varies (WGAN's critic boost:
100 critic updates for G's first 25 updates and every 500th, else 5) is followed step by step."""

import pytest

import ganforge
from ganforge.config import deep_merge, to_sets
from ganforge.registry import RECIPES
from ganforge.training.loop import update_schedule
from ganforge.training.players import Player, Simultaneous


def _player(name, repeats, repeats_at=None):
    return Player(name, (name,), None, repeats, repeats_at=repeats_at)


def test_schedule_follows_a_count_that_varies():
    boost = _player("D", 5, repeats_at=lambda ctx: 100 if ctx.updates["G"] < 25 or ctx.updates["G"] % 500 == 0 else 5)
    s = update_schedule([boost, _player("G", 1)], 1000)
    assert s["typical"] == {"D": 5, "G": 1}
    assert s["total"] == {"D": 26 * 100 + 974 * 5, "G": 1000}  # G updates 0-24 and 500 boosted


def test_schedule_of_fixed_counts_and_a_simultaneous_group():
    assert update_schedule([_player("D", 2), _player("G", 1)], 7)["total"] == {"D": 14, "G": 7}
    group = Simultaneous([_player("D", 1), _player("G", 1)], step=None)
    assert update_schedule([group], 3) == {"typical": {"D+G": 1}, "total": {"D+G": 3}}


@pytest.mark.parametrize("recipe", ["wgan"])
def test_dry_run_reports_the_typical_step_not_the_first(recipe, capsys):
    rec = RECIPES.get(recipe)
    sets = to_sets(deep_merge({"train": {"batch_size": 8}}, rec.test_overrides)) + ["train.threads=1"]
    info = ganforge.train(recipe, steps=600, set=sets, dry_run=True, console=False)
    assert info["updates_per_step"] == {"D": 5, "G": 1} and info["updates_first_step"] == {"D": 100, "G": 1}
    assert info["updates_run"] == {"D": 26 * 100 + 574 * 5, "G": 600}
    # the first step's FLOPs are 100 critic updates' and one G update's, a typical step's 5 and 1: the
    # difference is 95 critic updates, and G's share is what remains of either
    per_d = (info["flops_first_step"] - info["flops_per_step"]) / 95
    per_g = info["flops_per_step"] - 5 * per_d
    assert per_d > 0 and per_g > 0 and info["flops_first_step"] == pytest.approx(100 * per_d + per_g)
    out = capsys.readouterr().out
    assert "(5 D + 1 G updates" in out and "the first step (100 D + 1 G updates)" in out
