"""The trainer's seams: EMA, recipe state, regularisers with an interval, lr schedules, stats."""

import json

import pytest
import torch

import ganforge
from ganforge.config import OptimConfig, deep_merge, to_sets
from ganforge.errors import GanforgeError
from ganforge.penalties import PENALTIES
from ganforge.recipes.base import register_recipe, resolve_config
from ganforge.registry import RECIPES
from ganforge.training import stats
from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint
from ganforge.training.ema import EMA
from ganforge.training.schedules import LR_SCHEDULES

from ..conftest import quick_sets
from ..tiny_run import once_and_resumed

TINY = ["G.args.hidden=[32, 32]", "D.args.hidden=[16, 16]", "z_dim=8", "train.batch_size=20"]


def test_ema_matches_its_formula():
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 2)
    ema = EMA(net, decay=0.9, start=1)
    before = [p.detach().clone() for p in net.parameters()]
    ema.update(net, 1)  # step ≤ start: a copy
    for e, p in zip(ema.net.parameters(), before):
        assert torch.equal(e, p)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
    ema.update(net, 2)  # θ_ema = 0.9·θ_ema + 0.1·θ
    for e, old, new in zip(ema.net.parameters(), before, net.parameters()):
        torch.testing.assert_close(e, 0.9 * old + 0.1 * new, rtol=1e-6, atol=1e-7)
        assert not e.requires_grad


def test_ema_half_life_in_images():
    """StyleGAN's Gs_beta = 0.5^(minibatch / (G_smoothing_kimg · 1000)): 0.99889 at 16, 0.99558 at 64."""
    net = torch.nn.Linear(3, 2)
    ema = EMA(net, decay=None, half_life=10_000)
    assert ema.decay_for(16) == pytest.approx(0.998891, abs=1e-6)
    assert ema.decay_for(64) == pytest.approx(0.995573, abs=1e-6)
    ema.update(net, 1, images=10_000)  # one update of 10k images: the old weights keep half
    with pytest.raises(GanforgeError, match="both set"):
        EMA(net, decay=0.9, half_life=10_000)
    with pytest.raises(GanforgeError, match="> 0"):
        EMA(net, decay=None, half_life=0)


@pytest.mark.parametrize("buffers", ["copy", "average"])
def test_ema_copies_or_averages_the_batch_norm_statistics(buffers):
    """StyleGAN2-ADA copies G's buffers into its EMA; BigGAN-PyTorch averages them with the weights."""
    net = torch.nn.BatchNorm1d(3)
    ema = EMA(net, decay=0.9, start=0, buffers=buffers)
    with torch.no_grad():
        net.running_mean.fill_(1.0)
        net.num_batches_tracked.fill_(7)
    ema.update(net, 1)
    expected = 0.1 if buffers == "average" else 1.0
    torch.testing.assert_close(ema.net.running_mean, torch.full((3,), expected))
    assert int(ema.net.num_batches_tracked) == 7  # integer buffers are copied either way
    assert resolve_config("biggan").train.ema_buffers == "average"


def test_ema_survives_resume_bitwise_and_is_what_load_uses(tmp_path):
    sets = TINY + ["train.ema_decay=0.9", "train.ema_start=3"] + quick_sets(**{"train.ckpt_every": 10})
    a, b = once_and_resumed("gan", tmp_path, steps=20, stop=10, sets=sets)
    for k in a["G_ema"]:
        assert torch.equal(a["G_ema"][k], b["G_ema"][k]), k
    assert any(not torch.equal(a["G_ema"][k], a["G"][k]) for k in a["G"])  # an average, not a copy
    G = ganforge.load(tmp_path / "once")
    for k, v in G.G.state_dict().items():
        assert torch.equal(v, a["G_ema"][k])
    assert json.loads((tmp_path / "once" / "run.json").read_text())["ema"] is True


@pytest.fixture
def counting_recipe():
    """A recipe with a step counter in its state, incremented after every G update."""
    base = RECIPES.get("gan")

    def bump(ctx):
        ctx.state["count"] += 1
        ctx.report("count", ctx.state["count"])

    def players(cfg):
        ps = base.make_players(cfg)
        ps[1].after_update = bump
        return ps

    from dataclasses import replace

    rec = replace(base, name="test-counter", players=players,
                  initial_state=lambda cfg: {"count": torch.zeros((), dtype=torch.float64)})
    register_recipe(rec)
    yield rec.name
    RECIPES._items.pop(rec.name)


def test_recipe_state_survives_resume_bitwise(tmp_path, counting_recipe):
    sets = TINY + ["g_steps=2", "update_order=alternating"] + quick_sets(**{"train.ckpt_every": 7})
    a, b = once_and_resumed(counting_recipe, tmp_path, steps=14, stop=7, sets=sets)
    assert a["recipe_state"]["count"].item() == b["recipe_state"]["count"].item() == 28  # 14 steps × 2 G updates
    for net in ("G", "D"):
        for k in a[net]:
            assert torch.equal(a[net][k], b[net][k])
    recs = [json.loads(x) for x in open(tmp_path / "once" / "metrics.jsonl")]
    assert recs[-1]["count"] == pytest.approx(sum(range(21, 29)) / 8)  # the mean of steps 11-14's reports


@pytest.fixture
def counting_penalty():
    calls = []

    def penalty(*, real, **_):
        calls.append(1)
        return real.sum() * 0.0

    PENALTIES.register("test-count", penalty)
    yield calls
    PENALTIES._items.pop("test-count")


def test_regulariser_every_4_runs_on_exactly_those_updates(tmp_path, counting_penalty):
    sets = TINY + ["d_penalties.test-count={weight: 1.0, every: 4}", "d_steps=2", "update_order=alternating"] + quick_sets()
    ganforge.train("gan", data="digits", steps=9, out=tmp_path / "r", set=sets, console=False)
    # 18 D updates (0..17): the penalty runs at updates 0, 4, 8, 12, 16
    assert len(counting_penalty) == 5
    counting_penalty.clear()
    ganforge.train("gan", data="digits", steps=3, out=tmp_path / "s", set=TINY + ["d_penalties.test-count=1"] + quick_sets(),
                   console=False)
    assert len(counting_penalty) == 3


def test_bad_regulariser_spec_is_refused():
    from ganforge.errors import GanforgeError
    from ganforge.recipes.base import resolve_config

    with pytest.raises(GanforgeError, match="every: K"):
        resolve_config("gan", sets=["d_penalties.gp={weight: 1, every: 0}"])
    with pytest.raises(GanforgeError, match="unknown penalty"):
        resolve_config("gan", sets=["g_penalties.nope=1"])
    with pytest.raises(GanforgeError, match="unknown lr schedule"):
        resolve_config("gan", sets=["opt_G.schedule=sawtooth"])


def test_lr_schedules_values():
    exp = OptimConfig(lr=0.1, lr_decay=1.00004, lr_min=1e-6)
    assert LR_SCHEDULES.get("exponential")(exp, updates=0, step=0, total_steps=10) == 0.1
    assert LR_SCHEDULES.get("exponential")(exp, updates=1000, step=0, total_steps=10) == pytest.approx(0.1 / 1.00004**1000)
    assert LR_SCHEDULES.get("exponential")(exp, updates=10**7, step=0, total_steps=10) == 1e-6
    lin = OptimConfig(lr=2e-4, schedule="linear", decay_start=100)
    f = LR_SCHEDULES.get("linear")
    assert f(lin, updates=0, step=50, total_steps=200) == 2e-4
    assert f(lin, updates=0, step=100, total_steps=200) == 2e-4
    assert f(lin, updates=0, step=150, total_steps=200) == pytest.approx(1e-4)
    assert f(lin, updates=0, step=200, total_steps=200) == pytest.approx(0.0)
    half = OptimConfig(lr=2e-4, schedule="linear", decay_start=0.5)  # a share of the run: follows its length
    assert f(half, updates=0, step=100, total_steps=200) == f(half, updates=0, step=1000, total_steps=2000) == 2e-4
    assert f(half, updates=0, step=150, total_steps=200) == f(half, updates=0, step=1500, total_steps=2000)
    wgan_gp = OptimConfig(lr=1e-4, schedule="linear")  # lr·(1 − t/T)
    assert f(wgan_gp, updates=0, step=25, total_steps=100) == pytest.approx(0.75e-4)
    assert LR_SCHEDULES.get("constant")(exp, updates=10**6, step=0, total_steps=1) == 0.1
    halve = OptimConfig(lr=1e-4, schedule="step", lr_decay=2.0, decay_every=100, lr_min=2e-5)  # BEGAN (carpedm20)
    f = LR_SCHEDULES.get("step")
    assert [f(halve, updates=0, step=s, total_steps=10**6) for s in (0, 99, 100, 250)] == [1e-4, 1e-4, 5e-5, 2.5e-5]
    assert f(halve, updates=0, step=300, total_steps=10**6) == 2e-5  # floored


def test_linear_schedule_reaches_the_optimiser(tmp_path):
    sets = TINY + ["opt_G.schedule=linear", "opt_G.name=adam", "opt_G.lr=0.001", "opt_G.lr_min=0", "opt_G.momentum_final=null",
                   "train.log_every=5"] + quick_sets(**{"train.log_every": 5})
    ganforge.train("gan", data="digits", steps=10, out=tmp_path / "r", set=sets, console=False)
    recs = [json.loads(x) for x in open(tmp_path / "r" / "metrics.jsonl")]
    # the lr logged at step 5 is the one applied for the update of step index 4: 0.001 · (1 − 4/10)
    assert recs[0]["lr_G"] == pytest.approx(0.001 * 0.6)
    assert recs[1]["lr_G"] == pytest.approx(0.001 * 0.1)


def test_report_outside_a_step_is_a_no_op():
    stats.report("x", 1.0)
    with stats.collecting() as sink:
        stats.report("x", torch.tensor(2.0))
        stats.report("x", 3.0)
    assert [float(v) for v in sink["x"]] == [2.0, 3.0]


def test_old_top_level_spectral_norm_key_still_loads():
    from ganforge.config import Config, build

    cfg = build(Config, {"recipe": "sngan", "spectral_norm": True})
    assert cfg.D.spectral_norm and not cfg.G.spectral_norm


def test_simultaneous_update_takes_both_gradients_before_either_step():
    """update_order=simultaneous: G's gradient is taken through D's weights *before* D's update,
    on the same samples (the 2014 GAN's released code); alternating takes it after."""
    from ganforge.recipes.base import resolve_config
    from ganforge.training.loop import make_fabric
    from ganforge.training.run import TrainingRun

    sets = TINY + ["D.args.dropout_input=0", "D.args.dropout_hidden=0", "D.args.init_range=0.1", "opt_D.momentum=0", "opt_G.momentum=0",
                   "opt_D.momentum_final=null", "opt_G.momentum_final=null", "opt_D.lr_decay=1", "opt_G.lr_decay=1"]
    results = {}
    for order in ("simultaneous", "alternating"):
        cfg = resolve_config("gan", sets=sets + [f"update_order={order}", "data.name=digits"])
        run = TrainingRun(cfg, RECIPES.get("gan"), make_fabric(cfg))
        G, D = run.raw["G"], run.raw["D"]
        g0 = {k: v.clone() for k, v in G.state_dict().items()}
        d0 = {k: v.clone() for k, v in D.state_dict().items()}
        sampler_state, noise_state = run.sampler.state_dict(), run.noise_gen.get_state()
        run.step(0, False)
        g_after = [p.detach().clone() for p in G.parameters()]
        # the same minibatch and noise, by hand, with the weights from before the step
        run.sampler.load_state_dict(sampler_state)
        run.noise_gen.set_state(noise_state)
        G.load_state_dict(g0)
        D.load_state_dict(d0)
        real, z = run.ctx.real(), run.ctx.noise()
        fake = G(z)
        logits = D(torch.cat([real, fake]))
        g_loss = torch.nn.functional.softplus(-logits[20:]).mean()
        grads = torch.autograd.grad(g_loss, list(G.parameters()))
        expected = [p - cfg.opt["G"].lr * g for p, g in zip(G.parameters(), grads)]
        moved = torch.cat([(a - p0.detach()).flatten() for a, p0 in zip(g_after, G.parameters())]).norm()
        off = torch.cat([(a - e).flatten() for a, e in zip(g_after, expected)]).norm()
        results[order] = float((off / moved).detach())
    assert results["simultaneous"] < 1e-4
    assert results["alternating"] > 100 * results["simultaneous"]  # alternating: fresh noise, D's new weights


def test_d_steps_boost_counts_critic_updates(tmp_path):
    """WGAN's released schedule, scaled down: 3 D updates while G has made < 2 updates and at every
    4th G update, else 1. G's counts before steps 0..5 are 0..5 → 3, 3, 1, 1, 3, 1 = 12 D updates."""
    over = deep_merge({"train": {"batch_size": 8}}, RECIPES.get("wgan").test_overrides)
    sets = to_sets(over) + quick_sets() + ["d_steps=1", "d_steps_boost={d_steps: 3, first: 2, every: 4}"]
    ganforge.train("wgan", out=tmp_path / "r", steps=6, set=sets, console=False)
    state = load_checkpoint(latest_checkpoint(tmp_path / "r"))
    assert state["updates"] == {"D": 12, "G": 6}
    with pytest.raises(GanforgeError, match="d_steps_boost"):
        resolve_config("wgan", sets=["d_steps_boost.d_steps=0"])
    assert resolve_config("wgan").recipe_args["d_steps_boost"] == {"d_steps": 100, "first": 25, "every": 500}


@pytest.mark.parametrize("sn", ["parametrizations", "hooks"])
def test_ema_average_copies_spectral_norm_vectors(sn):
    """Outside training torch's spectral norm divides by uᵀWv with the stored u and v: an average of vectors
    that flipped sign would shrink σ and blow the layer up, so the EMA copies them while it averages BN stats."""
    from torch.nn.utils import parametrizations, spectral_norm

    torch.manual_seed(0)
    wrap = parametrizations.spectral_norm if sn == "parametrizations" else spectral_norm
    net = torch.nn.Sequential(wrap(torch.nn.Linear(4, 3)), torch.nn.BatchNorm1d(3))
    ema = EMA(net, decay=0.5, start=0, buffers="average")
    u_name = "0.parametrizations.weight.0._u" if sn == "parametrizations" else "0.weight_u"
    with torch.no_grad():
        live = dict(net.named_buffers())
        live[u_name].neg_()  # the power iteration's sign flipped: averaging would give a zero vector
        live["1.running_mean"].fill_(1.0)
    ema.update(net, 1)
    mine = dict(ema.net.named_buffers())
    torch.testing.assert_close(mine[u_name], live[u_name])  # copied
    assert float(mine[u_name].norm()) == pytest.approx(1.0, abs=1e-5)
    torch.testing.assert_close(mine["1.running_mean"], torch.full((3,), 0.5))  # averaged
    x = torch.randn(5, 4)
    net.eval()
    torch.testing.assert_close(ema.net.eval()[0](x), net[0](x))  # same weights here: the EMA layer equals the live one
