"""The growing recipes' schedule (PGGAN, StyleGAN): the image clock, the phases, the optimiser
reset when a phase begins, and an exact resume in the middle of a fade."""

import json
import math

import pytest
import torch

import ganforge
from ganforge.errors import GanforgeError
from ganforge.recipes.base import resolve_config
from ganforge.recipes.pggan import growth_at
from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint

from ..conftest import quick_sets

# digits at 16×16 (levels 4, 8, 16), 4 images a step; stabilise 4 images, fade over 16:
# steps 0, 1: 4×4; steps 2-4: 8×8 fading in (α = 0.25, 0.5, 0.75); steps 5, 6: 8×8; steps 7, 8: 16×16 fading in
TINY = {"pggan": ["z_dim=8", "G.args.fmap_base=32", "G.args.fmap_max=8", "D.args.fmap_base=32", "D.args.fmap_max=8",
                  "train.ema_decay=0.9"],
        "stylegan": ["z_dim=8", "train.ema_half_life=40",
                     "G.args.fmap_base=32", "G.args.fmap_max=8", "G.args.w_dim=8", "G.args.mapping_layers=2",
                     "D.args.fmap_base=32", "D.args.fmap_max=8", "recipe_args.start_resolution=4"]}
GROW = ["train.batch_size=4", "recipe_args.stabilise_images=4", "recipe_args.fade_images=16",
        "data.image_size=[16, 16]"]


def test_growth_schedule():
    kw = dict(levels=4, start_level=0, stabilise=10, fade=20)
    assert growth_at(0, **kw) == (0.0, 0)
    assert growth_at(10, **kw) == (0.0, 0)  # the stabilising phase ends; α = 0 adds nothing yet
    assert growth_at(15, **kw) == (0.25, 1)
    assert growth_at(30, **kw) == (1.0, 2)
    assert growth_at(55, **kw) == (1.75, 3)
    assert growth_at(90, **kw) == (3.0, 6)
    assert growth_at(10**9, **kw) == (3.0, 6)  # fully grown: one last phase
    assert growth_at(0, levels=4, start_level=1, stabilise=10, fade=20) == (1.0, 0)  # StyleGAN starts at 8×8
    assert growth_at(5, levels=4, start_level=0, stabilise=0, fade=0) == (3.0, 0)  # no growing


def _train(recipe, out, steps, **kw):
    sets = TINY[recipe] + GROW + quick_sets(**{"train.ckpt_every": 3, "train.log_every": 1})
    return ganforge.train(recipe, data="digits", steps=steps, out=out, set=sets, console=False, **kw)


@pytest.mark.parametrize("recipe", ["pggan", "stylegan"])
def test_resume_in_the_middle_of_a_fade_is_bitwise(recipe, tmp_path):
    _train(recipe, tmp_path / "once", 9)
    _train(recipe, tmp_path / "twice", 3)  # stops after step 2, at α = 0.25 of the 8×8 fade
    mid = load_checkpoint(latest_checkpoint(tmp_path / "twice"))
    assert float(mid["G"]["progress"]) == 0.25 and float(mid["D"]["progress"]) == 0.25
    ganforge.train(recipe, steps=9, out=tmp_path / "twice", resume=True, console=False)
    a = load_checkpoint(latest_checkpoint(tmp_path / "once"))
    b = load_checkpoint(latest_checkpoint(tmp_path / "twice"))
    assert a["step"] == b["step"] == 9
    for net in ("G", "D", "G_ema"):
        for k in a[net]:
            assert torch.equal(a[net][k], b[net][k]), f"{net}.{k}"
    for k in a["recipe_state"]:
        assert torch.equal(a["recipe_state"][k], b["recipe_state"][k]), k
    assert int(a["recipe_state"]["images"]) == 36 and float(a["G"]["progress"]) == 1.5
    assert float(a["G_ema"]["progress"]) == 1.5  # the EMA network follows the schedule


def test_optimisers_restart_when_a_phase_begins(tmp_path):
    _train("pggan", tmp_path / "run", 9)
    state = load_checkpoint(latest_checkpoint(tmp_path / "run"))
    # phases began at steps 2 (fade), 5 (8×8) and 7 (fade to 16×16): Adam has taken 2 steps since
    for opt in ("opt_D", "opt_G"):
        steps = {float(s["step"]) for s in state[opt]["state"].values()}
        assert steps == {2.0}, (opt, steps)
    sets = TINY["pggan"] + GROW + ["recipe_args.reset_optimizers=false"] + quick_sets(**{"train.ckpt_every": 9})
    ganforge.train("pggan", data="digits", steps=9, out=tmp_path / "keep", set=sets, console=False)
    kept = load_checkpoint(latest_checkpoint(tmp_path / "keep"))
    # without the reset the oldest moments go back to step 0 (newer blocks started when they entered)
    assert max(float(s["step"]) for s in kept["opt_D"]["state"].values()) == 9.0


def test_growing_recipes_refuse_bad_schedules():
    with pytest.raises(GanforgeError, match="start_resolution"):
        ganforge.train("pggan", data="digits", steps=1, dry_run=True, set=TINY["pggan"] + ["recipe_args.start_resolution=6"],
                       console=False)
    with pytest.raises(GanforgeError, match="image_size"):
        ganforge.train("pggan", data="digits", steps=1, dry_run=True, set=TINY["pggan"] + ["data.image_size=[16, 8]"],
                       console=False)


def test_drift_penalty_is_the_mean_square_of_the_real_scores():
    from ganforge.penalties import PENALTIES

    drift = PENALTIES.get("drift")
    assert drift(real_logits=torch.tensor([1.0, -2.0, 3.0]), fake_logits=torch.zeros(3)).item() == pytest.approx(14 / 3)
    assert drift.player == "D"


@pytest.mark.parametrize("recipe", ["pggan", "stylegan"])
def test_fades_train_under_bf16_mixed(recipe, tmp_path):
    """Under autocast a fade's two paths can differ in dtype (bf16 skip, fp32 block output):
    StyleGAN's D stopped at its first fade with "expected dtype BFloat16 for `end`" (seen on an
    H200 first, and on the CPU)."""
    res = _train(recipe, tmp_path / "r", 4, precision="bf16-mixed")  # steps 2-3 fade 8×8 in
    assert res["step"] == 4 and math.isfinite(res["last"]["d_loss"])


def test_stylegan_ema_half_life_follows_the_minibatch_of_each_resolution(tmp_path, monkeypatch):
    """StyleGAN's Gs_beta = 0.5^(minibatch / 10k images): the per-step decay changes with the minibatch
    of the resolution being trained (here 4 images a step at 4², 2 from 8² on)."""
    from ganforge.training.ema import EMA

    seen = []
    update = EMA.update

    def spy(self, net, step, images=None):
        seen.append((images, self.decay_for(images)))
        return update(self, net, step, images=images)

    monkeypatch.setattr(EMA, "update", spy)
    sets = TINY["stylegan"] + GROW + ["recipe_args.minibatch={8: 2, 16: 2}"] + quick_sets()
    ganforge.train("stylegan", data="digits", steps=6, out=tmp_path / "run", set=sets, console=False)
    # steps 0 and 1 at 4² (4 images each), then the 8² fade serves 2 a step
    assert [n for n, _ in seen] == [4, 4, 2, 2, 2, 2]
    for n, d in seen:
        assert d == pytest.approx(0.5 ** (n / 40))
    # the authors' G_smoothing_kimg = 10 on data without a CPU preset
    assert resolve_config("stylegan", sets=["data.name=faces"]).train.ema_half_life == 10_000


def test_r1_on_faded_reals_weighs_a_lower_level_by_its_share_of_the_pixels():
    """The authors feed D reals up-sampled to the final size R, so R1's gradient is taken there: at a
    level of resolution r the penalty is (r/R)² of R1 on the r×r image D's level sees. At 32² in a 1024²
    run γ = 10 acts as ≈ 0.01 (StyleGAN2-ADA's CIFAR-10 value); on data whose final size is 32² it is 10."""
    from ganforge.models.progressive import ProgressiveDiscriminator, upscale2d

    torch.manual_seed(0)
    D = ProgressiveDiscriminator(in_shape=(1, 16, 16), fmap_base=32, fmap_max=8, mbstd_group_size=4, blur=True)
    D.set_progress(1.0)  # the 8×8 level, stable
    low = torch.randn(3, 1, 8, 8, requires_grad=True)
    (g_low,) = torch.autograd.grad(D(upscale2d(low, 2)).sum(), low)
    full = upscale2d(low.detach(), 2).requires_grad_(True)
    (g_full,) = torch.autograd.grad(D(full).sum(), full)
    r1_full, r1_low = g_full.pow(2).sum(), g_low.pow(2).sum()
    torch.testing.assert_close(r1_full, r1_low * (8 / 16) ** 2, rtol=1e-4, atol=1e-8)


def test_pggan_pads_mnist_as_its_authors_do():
    cfg = resolve_config("pggan", sets=["data.name=mnist"])
    assert (cfg.data.fit, cfg.data.image_size) == ("centre", [32, 32])  # dataset_tool.py: 28² zero-padded to 32²


def test_pggan_mnist_preset_halves_the_widths_to_train_longer_at_32():
    """MNIST's, Fashion-MNIST's and Stacked MNIST's preset: the authors' width rule at fmap_base 256 (64, 64, 32, 16
    channels at 4² … 32²), 14,000 steps with a lazy penalty (10,000 on Stacked MNIST); CIFAR-10's keeps fmap_base 512 and
    4,000 steps, the paper setting 8192 / 512."""
    from ganforge.models.progressive import feature_maps

    mnist = resolve_config("pggan", sets=["data.name=mnist"])
    nf = feature_maps(mnist.G.args["fmap_base"], 1.0, mnist.G.args["fmap_max"])
    assert [nf(stage) for stage in (1, 2, 3, 4)] == [64, 64, 32, 16] and mnist.D.args["fmap_base"] == 256
    assert mnist.train.steps == 14000 and mnist.train.batch_size == 16
    for data, steps in (("fashion-mnist", 14000), ("stacked-mnist", 10000)):
        cfg = resolve_config("pggan", sets=[f"data.name={data}"])
        assert (cfg.G.args, cfg.D.args, cfg.train.steps) == (mnist.G.args, mnist.D.args, steps)
    cfg = resolve_config("pggan", sets=["data.name=cifar10"])
    assert (cfg.G.args["fmap_base"], cfg.D.args["fmap_base"], cfg.train.steps) == (512, 512, 4000)
    paper = resolve_config("pggan")
    assert paper.data.name == "cifar10" and resolve_config("pggan", sets=["data.name=faces"]).G.args["fmap_base"] == 8192


def test_pggan_digit_presets_take_the_gradient_penalty_lazily():
    """MNIST and Fashion-MNIST: λ = 10 on every 4th D step at 4× the weight and Adam's lr at 0.003 (listed deviations);
    Stacked MNIST, CIFAR-10 and the paper setting keep the penalty on every step and the paper's 0.001, with the drift
    term unchanged everywhere."""
    from ganforge.penalties import regulariser_schedule
    from ganforge.registry import RECIPES

    for data, every in (("mnist", 4), ("fashion-mnist", 4), ("stacked-mnist", 1), ("cifar10", 1), ("faces", 1)):
        cfg = resolve_config("pggan", sets=[f"data.name={data}"])
        assert regulariser_schedule("gp", cfg.d_penalties["gp"]) == (10.0, every)
        assert cfg.d_penalties["drift"] == 0.001
        lr = 0.003 if every == 4 else 0.001  # the digit presets' rate; the paper's elsewhere
        assert (cfg.optimizer("G").lr, cfg.optimizer("D").lr) == (lr, lr)
    assert any("every 4th D step" in d and "lr 0.003" in d for d in RECIPES.get("pggan").deviations)


def test_stylegan_cpu_presets_demodulate_and_the_paper_setting_keeps_adain():
    """With AdaIN every MNIST run drew one shape; the CPU presets use StyleGAN2's demodulation (a listed
    deviation), resize the digits to 32² (zero-padding scored worse), and grow to 32² by step 800 of their 4,000."""
    from ganforge.registry import RECIPES

    for data, steps in (("mnist", 12000), ("fashion-mnist", 12000), ("cifar10", 4000)):
        cfg = resolve_config("stylegan", sets=[f"data.name={data}"])
        assert (cfg.G.args["style"], cfg.data.fit, cfg.data.image_size, cfg.train.steps) == ("demod", "crop", [32, 32], steps)
    assert "style" not in resolve_config("stylegan", sets=["data.name=faces"]).G.args  # v1: AdaIN
    assert resolve_config("stylegan", sets=["data.name=mnist", "G.args.style=adain"]).G.args["style"] == "adain"
    assert any("demodulation" in d for d in RECIPES.get("stylegan").deviations)


def test_stylegan_digit_presets_halve_the_widths_shorten_the_mapping_and_keep_the_papers_ema():
    """MNIST's and Fashion-MNIST's preset: fmap_base 256 in G and D, R1 on every 16th D step at 16× the weight (the same
    γ on average), 4 and 2 mapping layers (StyleGAN2-ADA's small-data configs use 2), the paper's EMA half-life of 10k
    images, StyleGAN2's lr of 0.002 and 12,000 steps; the other CPU presets keep R1 at every step (v1), 8 mapping layers,
    the 0.9 EMA and v1's lr, the paper all of its own."""
    from ganforge.registry import RECIPES

    for data, layers in (("mnist", 4), ("fashion-mnist", 2)):
        cfg = resolve_config("stylegan", sets=[f"data.name={data}"])
        assert (cfg.G.args["fmap_base"], cfg.D.args["fmap_base"], cfg.G.args["mapping_layers"]) == (256, 256, layers)
        assert cfg.d_penalties["r1"] == {"weight": 5.0, "every": 16}
        assert (cfg.train.ema_decay, cfg.train.ema_half_life, cfg.train.steps) == (None, 10_000, 12000)
        assert (cfg.optimizer("G").lr, cfg.optimizer("D").lr) == (0.002, 0.002)  # StyleGAN2's
    cpu = resolve_config("stylegan", sets=["data.name=cifar10"])
    assert (cpu.optimizer("G").lr, cpu.optimizer("D").lr) == (0.001, 0.001)  # v1's below 128²
    assert (cpu.d_penalties["r1"], cpu.G.args["fmap_base"], cpu.G.args["mapping_layers"]) == (5.0, 512, 8)
    assert (cpu.train.ema_decay, cpu.train.ema_half_life) == (0.9, None)
    paper = resolve_config("stylegan", sets=["data.name=faces"])
    assert (paper.d_penalties["r1"], paper.G.args["fmap_base"], paper.G.args["mapping_layers"]) == (5.0, 8192, 8)
    assert paper.train.ema_half_life == 10_000
    deviations = RECIPES.get("stylegan").deviations
    assert any("lazy R1" in d and "fmap_base 256" in d and "4 layers (MNIST) or 2" in d and "lr of 0.002" in d
               for d in deviations)


def test_in_training_evaluation_of_a_grown_pggan(tmp_path):
    """The evaluation scores D on minibatches of the training size: PGGAN's stddev groups of 16 do
    not divide its 100 samples (or the reals), so one 100-sample pass stopped the run."""
    run = tmp_path / "run"
    ganforge.train("pggan", data="digits", steps=12, out=run,
                   set=TINY["pggan"] + GROW + ["train.batch_size=16", "D.args.mbstd_group_size=16"]
                   + quick_sets(**{"train.eval_every": 12, "train.eval_samples": 100}), console=False)
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    (evaluation,) = [r for r in records if "health" in r]
    assert evaluation["step"] == 12 and math.isfinite(evaluation["d_separation"])


@pytest.mark.parametrize("data", ["mnist", "fashion-mnist", "cifar10"])
def test_pggan_cpu_ema_starts_when_the_last_level_is_fully_in(data):
    """The CPU presets' EMA copies G until 32² has faded in, so it never averages weights of two resolutions."""
    cfg = resolve_config("pggan", sets=[f"data.name={data}"])
    a, batch = cfg.recipe_args, cfg.train.batch_size
    levels = int(math.log2(cfg.data.image_size[0] // a["start_resolution"])) + 1
    sched = dict(levels=levels, start_level=0, stabilise=a["stabilise_images"], fade=a["fade_images"])
    start = cfg.train.ema_start
    assert 0 < start < cfg.train.steps and cfg.train.ema_decay == 0.995
    assert growth_at(start * batch, **sched)[0] == levels - 1
    assert growth_at((start - 1) * batch, **sched)[0] < levels - 1
