import pytest

from ganforge.config import Config, build, parse_set
from ganforge.errors import GanforgeError
from ganforge.recipes.base import resolve_config


def test_defaults_and_recipe_diff():
    cfg = resolve_config("gan")
    assert cfg.opt["G"].name == "sgd" and cfg.opt["G"].lr == 0.1 and cfg.train.batch_size == 100
    assert cfg.G.args["hidden"] == [1200, 1200] and cfg.D.args["pieces"] == 5
    digits = resolve_config("gan", overrides={"data": {"name": "digits"}})
    assert digits.G.args["hidden"] == [400, 400]  # dataset diff
    assert digits.D.args["hidden"] == [240, 240]


def test_set_parses_yaml_values_and_nested_keys():
    cfg = resolve_config("gan", sets=["train.steps=7", "opt_D.lr=1e-3", "G.args.hidden=[8, 8]", "train.compile=true"])
    assert cfg.train.steps == 7 and cfg.opt["D"].lr == pytest.approx(1e-3)
    assert cfg.G.args["hidden"] == [8, 8] and cfg.train.compile is True
    assert parse_set(["a.b=1", "a.c=x"]) == {"a": {"b": 1, "c": "x"}}


@pytest.mark.parametrize("sets, fragment", [
    (["train.stepz=3"], "unknown config key 'train.stepz' (did you mean 'train.steps'?)"),
    (["nonsense=1"], "unknown config key 'nonsense'"),
    (["train.steps=abc"], "must be an integer"),
    (["opt_G.lr=fast"], "must be a number"),
    (["loss=nope"], "unknown loss 'nope'; valid losses: energy, hinge, lsgan-binary"),
    (["g_objective=wasserstein"], "does not belong to loss 'minimax'"),
    (["train.precision=64"], "unknown precision"),
    (["train.matmul_precision=low"], "unknown train.matmul_precision 'low'; valid: highest, high, medium"),
    (["d_steps=0"], "d_steps and g_steps must be"),
    (["train.steps"], "expected KEY=VALUE"),
])
def test_bad_config_is_one_clear_error(sets, fragment):
    with pytest.raises(GanforgeError) as err:
        resolve_config("gan", sets=sets)
    assert fragment in str(err.value)


def test_unknown_recipe_lists_valid_ones():
    with pytest.raises(GanforgeError, match=r"unknown recipe 'gna'; valid recipes: .*gan"):
        resolve_config("gna")


def test_yaml_roundtrip(tmp_path):
    from ganforge.config import dump_yaml

    cfg = resolve_config("gan", sets=["train.steps=11", "d_steps=3", "update_order=alternating"])
    path = tmp_path / "c.yaml"
    path.write_text(dump_yaml(cfg))
    again = resolve_config(None, config_file=str(path))
    assert again == cfg
    assert build(Config, cfg.to_dict()) == cfg


def test_compile_with_a_double_backward_penalty_is_refused():
    """torch.compile's autograd takes no gradient of a gradient (seen on CUDA: "does not currently
    support double backward"), so a gradient penalty with --set train.compile=true is one clear error."""
    with pytest.raises(GanforgeError, match=r"train.compile with the gp penalty"):
        resolve_config("wgan-gp", sets=["train.compile=true"])
    assert resolve_config("wgan-gp", sets=["train.compile=true", "d_penalties.gp=0"]).train.compile


def test_stacked_mnist_takes_the_mnist_preset_where_a_recipe_has_none_of_its_own():
    from ganforge.recipes.base import resolve_config

    stacked = resolve_config("began", overrides={"data": {"name": "stacked-mnist"}})
    mnist = resolve_config("began", overrides={"data": {"name": "mnist"}})
    plain = resolve_config("began", overrides={"data": {"name": "cifar10"}})
    assert stacked.train.steps == mnist.train.steps != plain.train.steps
    assert stacked.G.args == mnist.G.args and stacked.data.name == "stacked-mnist"
    for recipe in ("dcgan", "lsgan", "wgan"):  # their MNIST networks drew black or blurred images there: 32×32
        assert resolve_config(recipe, overrides={"data": {"name": "stacked-mnist"}}).G.arch == "dcgan_generator"
        assert resolve_config(recipe, overrides={"data": {"name": "mnist"}}).G.arch == "infogan_generator"
    r3 = resolve_config("r3gan", overrides={"data": {"name": "stacked-mnist"}})  # r3gan has a stacked-mnist preset
    assert r3.conditional is False and r3.G.args != resolve_config("r3gan", overrides={"data": {"name": "mnist"}}).G.args


def test_every_recipe_has_a_laptop_length_on_mnist():
    """`ganforge train R --data mnist` with no flag must end within minutes on a laptop: no recipe may fall
    back to its paper's length (SAGAN's 1,000,000 steps, BigGAN's 125,000) on MNIST."""
    from ganforge.recipes.base import RECIPES

    lengths = {name: resolve_config(name, overrides={"data": {"name": "mnist"}}).train.steps for name in RECIPES}
    assert set(lengths) >= {"gan", "cgan", "acgan", "cgan-projection", "infogan", "sagan", "biggan", "r3gan"}
    # a step count stands in for minutes (the benchmark times them): the longest presets are MLPs whose steps are
    # cheap (ebgan's 40,000 at about 25 ms, cgan's 30,000), far below the papers' 125,000 to 1,000,000
    too_long = {name: steps for name, steps in lengths.items() if steps > 50_000}
    assert not too_long, f"MNIST presets at paper length: {too_long}"
    assert resolve_config("sagan").train.steps == 1_000_000  # the paper's length stays the recipe's own
