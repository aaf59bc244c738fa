"""The `gan` recipe against the released 2014 code (goodfeli/adversarial mnist.yaml + pylearn2):
noise U[−√3, √3], output bias from the marginals clipped at 1e-7, MNIST train[0:50000], the
released schedule's values at given updates, and the data.split slice syntax it relies on."""

import math
import os

import pytest
import torch

import ganforge.recipes  # noqa: F401
from ganforge.config import DataConfig
from ganforge.data import load_data
from ganforge.data.base import parse_split
from ganforge.errors import GanforgeError
from ganforge.models.base import sample_noise
from ganforge.models.mlp import MLPGenerator
from ganforge.recipes.base import resolve_config
from ganforge.registry import RECIPES
from ganforge.training.optim import schedule_values

DATA = os.environ.get("GANFORGE_TEST_DATA")


def test_released_noise_is_uniform_with_unit_variance():
    cfg = resolve_config("gan")
    assert cfg.z_dist == "uniform-unit-variance" and cfg.z_dim == 100
    z = sample_noise(200_000, 1, cfg.z_dist, generator=torch.Generator().manual_seed(0))
    assert z.min() >= -math.sqrt(3) and z.max() <= math.sqrt(3)
    assert z.min() < -1.7 and z.max() > 1.7  # beyond U[−1, 1]
    assert z.var().item() == pytest.approx(1.0, abs=0.01)


def test_output_bias_from_the_marginals_clipped_at_1e7():
    cfg = resolve_config("gan")
    G = MLPGenerator(z_dim=4, out_shape=(1, 2, 2), hidden=[3], **{k: v for k, v in cfg.G.args.items() if k != "hidden"})
    G.init_from_data(torch.tensor([0.0, 0.25, 0.5, 1.0]))
    expected = [math.log(1e-7 / (1 - 1e-7)), math.log(0.25 / 0.75), 0.0]
    assert G.out.bias.tolist()[:3] == pytest.approx(expected, abs=1e-3)
    assert G.out.bias[0].item() < -16  # pylearn2's clip, not 1e-3 (−6.9)
    assert G.out.bias[3].item() > 15.9  # 1 − 1e-7 in float32 (as pylearn2's float32 means): 15.94


def test_a_linear_output_starts_at_the_data_mean():
    # the 1-D toy preset's G (its linear-output form of init_sigmoid_bias_from_marginals)
    G = MLPGenerator(z_dim=1, out_shape=(2,), hidden=[3], out_activation="linear", out_bias_from_data=True)
    G.init_from_data(torch.tensor([4.0, -1.5]))
    assert G.out.bias.tolist() == [4.0, -1.5]
    off = MLPGenerator(z_dim=1, out_shape=(2,), hidden=[3], out_activation="linear", out_bias_from_data=False)
    before = off.out.bias.clone()
    off.init_from_data(torch.tensor([4.0, -1.5]))
    assert torch.equal(off.out.bias, before)


def test_mnist_preset_trains_on_the_first_50000():
    cfg = resolve_config("gan")
    assert cfg.data.name == "mnist" and cfg.data.split == "train[0:50000]"
    assert resolve_config("gan", sets=["data.name=digits"]).data.split == "train"
    assert cfg.update_order == "simultaneous" and cfg.train.batch_size == 100


@pytest.mark.parametrize("updates, lr, momentum", [
    (0, 0.1, 0.5), (500, 0.1 / 1.000004**500, 0.5), (62_750, 0.1 / 1.000004**62_750, 0.6),
    (125_000, 0.1 / 1.000004**125_000, 0.7), (10**7, 1e-6, 0.7)])
def test_released_schedule_values(updates, lr, momentum):
    """ExponentialDecay(1.000004, min 1e-6) per update; MomentumAdjustor 0.5 → 0.7 over epochs
    1 → 250 of 500 updates. D: the released code's rate is half G's (−V instead of 0.5·BCE); the MNIST
    preset runs D at G's rate (a listed deviation: at the released rate too many seeds collapse)."""
    cfg = resolve_config("gan")
    got_lr, got_m = schedule_values(cfg.opt["G"], updates)
    assert got_lr == pytest.approx(lr, rel=1e-9) and got_m == pytest.approx(momentum, abs=1e-12)
    d_lr, d_m = schedule_values(cfg.opt["D"], updates)
    assert d_lr == pytest.approx(lr, rel=1e-9) and d_m == pytest.approx(momentum, abs=1e-12)
    released = resolve_config("gan", sets=["opt.D.lr=0.05"])
    d_lr, _ = schedule_values(released.opt["D"], updates)
    assert d_lr == pytest.approx(max(lr / 2, 1e-6), rel=1e-9)
    assert any("twice the released code's rate" in d for d in RECIPES.get("gan").deviations)


def test_split_slices():
    assert parse_split("train") == ("train", None, None)
    assert parse_split("train[0:50000]") == ("train", 0, 50000)
    assert parse_split("train[50000:]") == ("train", 50000, None)
    full = load_data(DataConfig(name="digits"))
    part = load_data(DataConfig(name="digits", split="train[100:200]"))
    assert torch.equal(part.x, full.x[100:200]) and torch.equal(part.labels, full.labels[100:200])
    assert part.info["split"] == "train[100:200]"
    with pytest.raises(GanforgeError, match="selects no examples"):
        load_data(DataConfig(name="digits", split="train[5000:]"))
    with pytest.raises(GanforgeError, match=r"NAME\[LO:HI\]"):
        load_data(DataConfig(name="digits", split="train[a:b]"))


@pytest.mark.skipif(not DATA, reason="GANFORGE_TEST_DATA not set")
def test_mnist_train_slices():
    a = load_data(DataConfig(name="mnist", root=DATA, split="train[0:50000]"))
    b = load_data(DataConfig(name="mnist", root=DATA, split="train[50000:60000]"))
    assert len(a) == 50000 and len(b) == 10000
    full = load_data(DataConfig(name="mnist", root=DATA, split="train"))
    assert torch.equal(b.x[:5], full.x[50000:50005])


def test_gan_modern_mnist_preset_runs_long_and_decays_its_lr_over_the_second_half():
    """40,000 steps at 1e-3, then linearly to 0 by the last step (and by the last of whatever --steps gives); other
    data keep the recipe's own schedule."""
    for steps in (40_000, 1_000):
        cfg = resolve_config("gan-modern", sets=["data.name=mnist", f"train.steps={steps}"])
        for player in ("D", "G"):
            got = [schedule_values(cfg.opt[player], s, step=s, total_steps=steps)[0]
                   for s in (0, steps // 2, 3 * steps // 4, steps)]
            assert got == pytest.approx([1e-3, 1e-3, 5e-4, 0.0], abs=1e-12)
    assert resolve_config("gan-modern", sets=["data.name=mnist"]).train.steps == 40_000
    assert resolve_config("gan-modern", sets=["data.name=digits"]).opt["G"].schedule != "linear"


def test_modern_mnist_preset_is_a_deeper_g_with_an_ema_and_leaves_the_defaults_alone():
    """gan-modern's MNIST preset: G 800-800-800-800 (EBGAN's MNIST generator), lr 1e-3 decaying over the second half
    of 40,000 steps, an EMA of G; Fashion-MNIST's: the same G, a constant 5e-4 for 35,000 steps, a slower EMA that
    also averages G's batch-norm statistics, D's minibatch standard deviation; data without a preset keep the 2014 G
    (1200-1200) and no EMA."""
    fashion = resolve_config("gan-modern", overrides={"data": {"name": "fashion-mnist"}})
    for steps in (35_000, 1_000):
        cfg = resolve_config("gan-modern", sets=["data.name=fashion-mnist", f"train.steps={steps}"])
        for player in ("D", "G"):
            got = [schedule_values(cfg.opt[player], s, step=s, total_steps=steps)[0] for s in (0, steps // 2, steps)]
            assert got == pytest.approx([5e-4] * 3, abs=1e-12)
    assert (fashion.train.steps, fashion.train.ema_decay, fashion.train.ema_start) == (35_000, 0.9995, 2000)
    assert fashion.train.ema_buffers == "average"
    assert fashion.D.args["minibatch_std"] == 4 and fashion.G.args["hidden"] == [800] * 4
    cfg = resolve_config("gan-modern", overrides={"data": {"name": "mnist"}})
    assert cfg.G.args["hidden"] == [800] * 4 and cfg.G.args["batch_norm"] is True
    assert (cfg.train.steps, cfg.train.ema_decay, cfg.train.ema_start) == (40_000, 0.999, 2000)
    assert cfg.opt["G"].lr == cfg.opt["D"].lr == 1e-3 and cfg.opt["G"].decay_start == 0.5
    assert cfg.train.ema_buffers == "copy"
    assert "minibatch_std" not in cfg.D.args
    base = resolve_config("gan-modern", overrides={"data": {"name": "cifar10"}})
    assert base.G.args["hidden"] == [1200, 1200] and base.train.ema_decay is None
    # the preset's G builds and draws images of MNIST's size
    G = MLPGenerator(z_dim=8, out_shape=(1, 28, 28), **{k: v for k, v in cfg.G.args.items() if k != "out_bias_from_data"})
    assert G(torch.randn(4, 8)).shape == (4, 1, 28, 28)
