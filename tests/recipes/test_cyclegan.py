"""CycleGAN: its loss terms against their formulas, the image pool, the learning-rate schedule,
resume with the pools, and ``ganforge translate``."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import ganforge
from ganforge.cli import main
from ganforge.config import deep_merge, to_sets
from ganforge.errors import GanforgeError
from ganforge.penalties.cycle import cycle_loss, identity_loss, semantic_loss
from ganforge.recipes.base import resolve_config
from ganforge.recipes.cyclegan import classifier_specs
from ganforge.recipes.image_pool import pool_query
from ganforge.registry import RECIPES
from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint
from ganforge.training.optim import schedule_values
from ganforge.training.schedules import at_step

from ..conftest import quick_sets


def test_cycle_and_identity_losses_are_mean_absolute_errors():
    a, b = torch.tensor([[0.0, 1.0], [2.0, -1.0]]), torch.tensor([[1.0, 1.0, 1.0]])
    rec_a, rec_b = torch.tensor([[1.0, 1.0], [0.0, 0.0]]), torch.tensor([[0.0, 0.5, 4.0]])
    # (|1| + 0 + |−2| + |1|)/4 + (1 + 0.5 + 3)/3
    assert cycle_loss(real_a=a, rec_a=rec_a, real_b=b, rec_b=rec_b).item() == pytest.approx(1.0 + 1.5)
    assert identity_loss(real_a=a, same_a=rec_a, real_b=b, same_b=rec_b).item() == pytest.approx(2.5)
    assert cycle_loss(real_a=a, rec_a=a, real_b=b, rec_b=b).item() == 0.0


def test_recipe_weights_follow_the_paper_and_the_authors_code():
    cfg = resolve_config("cyclegan")
    assert cfg.recipe_args == {"lambda_cycle": 10.0, "identity": 0.5, "pool_size": 50, "semantic": 0.0,
                               "classifier_a": None, "classifier_b": None}  # the semantic term is an option, off
    assert (cfg.G.args, cfg.nets["F"].args) == ({"ngf": 64, "n_blocks": 9, "n_down": 2},) * 2
    assert cfg.D.args == cfg.nets["D_A"].args == {"ndf": 64, "n_layers": 3}
    assert cfg.data.image_size == [256, 256] and cfg.train.batch_size == 1 and cfg.loss == "lsgan-binary"
    for opt in (cfg.opt["G"], cfg.opt["D"]):
        assert (opt.lr, opt.betas, opt.schedule, opt.lr_min) == (2e-4, [0.5, 0.999], "linear", 0.0)
        assert opt.decay_start == 0.5 and at_step(opt.decay_start, cfg.train.steps) * 2 == cfg.train.steps  # 100 + 100
    digits = resolve_config("cyclegan", overrides={"data": {"name": "mnist"}})
    assert digits.data_b.name == "digits" and digits.recipe_args["identity"] == 0.5


def test_pool_fills_then_swaps_with_probability_half():
    torch.manual_seed(0)
    pool = torch.zeros(0)
    for i in range(50):  # filling: every image is stored and returned
        out, pool = pool_query(pool, torch.full((1, 1, 2, 2), float(i)))
        assert out.item() == pytest.approx(i) if out.numel() == 1 else torch.all(out == i)
    assert pool.shape == (50, 1, 2, 2) and sorted(pool[:, 0, 0, 0].tolist()) == list(range(50))
    swapped, n = 0, 4000
    for i in range(n):
        new = torch.full((1, 1, 2, 2), 1000.0 + i)
        out, pool = pool_query(pool, new)
        assert pool.shape[0] == 50  # never more than 50
        if out[0, 0, 0, 0] != new[0, 0, 0, 0]:
            swapped += 1
            assert (pool == new[0]).flatten(1).all(1).any()  # the new image took the returned one's place
    assert abs(swapped / n - 0.5) < 4 * (0.25 / n) ** 0.5  # binomial(4000, ½) within 4σ
    out, same = pool_query(pool, torch.ones(3, 1, 2, 2), capacity=0)
    assert torch.equal(out, torch.ones(3, 1, 2, 2)) and same is pool


def test_linear_decay_reaches_zero_at_the_last_epoch():
    steps = 200 * 1334
    cfg = resolve_config("cyclegan")
    assert cfg.train.steps == steps
    lr = [schedule_values(cfg.opt["G"], 0, step=s, total_steps=steps)[0]
          for s in (0, steps // 2 - 1, steps // 2, steps * 3 // 4, steps - 1334, steps - 1, steps)]
    assert lr[0] == lr[1] == lr[2] == 2e-4  # constant for the first 100 epochs
    assert lr[3] == pytest.approx(1e-4)
    assert lr[4] == pytest.approx(2e-4 / 100)  # the last epoch starts at lr/100 …
    assert lr[5] == pytest.approx(2e-4 / (steps // 2)) and lr[6] == 0.0  # … and ends at 0


TINY = deep_merge({"train": {"batch_size": 2}}, RECIPES.get("cyclegan").test_overrides)


def _train(out, steps, *extra, resume=False):
    return ganforge.train("cyclegan", out=out, steps=steps, resume=resume, console=False,
                          set=to_sets(TINY) + quick_sets(**{"train.ckpt_every": 2}) + list(extra))


def test_resume_restores_the_pools_and_domain_b_sampler(tmp_path):
    end = ["opt_G.decay_end=4", "opt_D.decay_end=4"]  # one lr schedule for the 2-step and the 4-step run
    _train(tmp_path / "straight", 4, *end)
    _train(tmp_path / "split", 2, *end)
    mid = load_checkpoint(latest_checkpoint(tmp_path / "split"))
    assert mid["recipe_state"]["pool_a"].shape == (3, 1, 8, 8)  # pool_size 3, full after 2 steps of 2 images
    assert "sampler_b" in mid
    _train(tmp_path / "split", 4, *end, resume=True)
    a, b = (load_checkpoint(latest_checkpoint(tmp_path / d)) for d in ("straight", "split"))
    for key in ("pool_a", "pool_b"):
        assert torch.equal(a["recipe_state"][key], b["recipe_state"][key])
    for net in ("G", "F", "D", "D_A"):
        for k in a[net]:
            assert torch.equal(a[net][k], b[net][k]), (net, k)
    assert torch.equal(a["sampler_b"]["perm"], b["sampler_b"]["perm"])


def test_translate_cli_npy_and_folder(tmp_path):
    _train(tmp_path / "run", 2)
    x = np.random.default_rng(0).random((3, 1, 8, 8)).astype(np.float32)
    np.save(tmp_path / "in.npy", x)
    runner = CliRunner()
    r = runner.invoke(main, ["translate", str(tmp_path / "run"), "--input", str(tmp_path / "in.npy"), "--direction",
                             "b2a", "--out", str(tmp_path / "out.npy")])
    assert r.exit_code == 0, r.output
    y = np.load(tmp_path / "out.npy")
    assert y.shape == (3, 1, 8, 8) and y.min() >= 0 and y.max() <= 1
    r = runner.invoke(main, ["translate", str(tmp_path / "run"), "--input", str(tmp_path / "in.npy"), "--out",
                             str(tmp_path / "pngs")])
    assert r.exit_code == 0 and sorted(p.name for p in (tmp_path / "pngs").iterdir())[0] == "000000.png"
    r = runner.invoke(main, ["translate", str(tmp_path / "run"), "--input", str(tmp_path / "pngs"), "--out",
                             str(tmp_path / "back.npy")])
    assert r.exit_code == 0 and np.load(tmp_path / "back.npy").shape == (3, 1, 8, 8)
    np.save(tmp_path / "bad.npy", np.zeros((2, 1, 28, 28), np.float32))
    r = runner.invoke(main, ["translate", str(tmp_path / "run"), "--input", str(tmp_path / "bad.npy"), "--out",
                             str(tmp_path / "x.npy")])
    assert r.exit_code != 0 and "source domain's shape" in r.output
    with pytest.raises(GanforgeError, match="translate"):
        ganforge.load(tmp_path / "run").sample(2)
    meta = json.loads((tmp_path / "run" / "run.json").read_text())
    assert meta["domains"]["G"] == ["a", "b"] and meta["data_shape_b"] == [1, 8, 8]


def test_bad_settings_are_refused():
    with pytest.raises(GanforgeError, match="decay_start=200 is not before the last step"):
        resolve_config("cyclegan", sets=["train.steps=100", "opt.G.decay_start=200"])
    with pytest.raises(GanforgeError, match="a share of the run between 0 and 1"):
        resolve_config("cyclegan", sets=["opt.G.decay_start=1.5"])


def test_the_decay_follows_the_run_length_a_user_chooses():
    """The presets decay over the second half of whatever --steps says (it once stopped at 3,000 steps of
    the 6,000-step preset with a decay_start nobody had set)."""
    for steps in (3000, 400):
        cfg = resolve_config("cyclegan", overrides={"data": {"name": "mnist"}}, sets=[f"train.steps={steps}"])
        for opt in cfg.opt.values():
            assert at_step(opt.decay_start, steps) == steps // 2
    with pytest.raises(GanforgeError, match="simultaneous"):
        resolve_config("cyclegan", sets=["update_order=alternating"])
    with pytest.raises(GanforgeError, match="pool_size"):
        resolve_config("cyclegan", sets=["recipe_args.pool_size=2.5"])


def test_translate_never_replaces_or_merges_the_inputs(tmp_path):
    """--out inside (or equal to) --input is refused; inputs that share a stem get distinct outputs;
    NaN pixels are refused rather than passed through the range check."""
    from PIL import Image

    from ganforge.translate import output_names

    _train(tmp_path / "run", 2)
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for name in ("a.png", "a.jpg", "sub/a.png", "b.png"):
        Image.fromarray(np.full((8, 8), 128, np.uint8)).save(folder / name)
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    runner = CliRunner()
    for out in (folder, folder / "translated"):
        r = runner.invoke(main, ["translate", str(tmp_path / "run"), "--input", str(folder), "--out", str(out)])
        assert r.exit_code != 0 and "choose an --out outside it" in r.output
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before
    r = runner.invoke(main, ["translate", str(tmp_path / "run"), "--input", str(folder), "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "o").iterdir())) == 4
    assert output_names(["a.png", "a.jpg", "sub/a.png", "b.png"]) == ["a_png", "a_jpg", "sub_a_png", "b"]
    bad = np.full((2, 1, 8, 8), np.nan, np.float32)
    np.save(tmp_path / "nan.npy", bad)
    r = runner.invoke(main, ["translate", str(tmp_path / "run"), "--input", str(tmp_path / "nan.npy"), "--out",
                             str(tmp_path / "n.npy")])
    assert r.exit_code != 0 and "NaN" in r.output


def test_semantic_loss_reads_each_translation_with_its_target_domains_classifier():
    """CE(f_B(G(a)), argmax f_A(a)) + CE(f_A(F(b)), argmax f_B(b)): labels from the reals, gradient to the fakes."""
    w = torch.tensor([[1.0, -1.0], [-1.0, 1.0]])  # f(x) = x @ w: class 0 when x0 > x1

    def f_a(x):
        return x @ w

    def f_b(x):
        return 2 * (x @ w)

    real_a, real_b = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]])  # classes 0 and 1
    fake_b = torch.tensor([[0.0, 1.0]], requires_grad=True)  # read as 1 by f_b: the class is lost
    fake_a = torch.tensor([[0.0, 1.0]], requires_grad=True)  # read as 1 by f_a: kept
    loss = semantic_loss(f_a=f_a, f_b=f_b, real_a=real_a, fake_b=fake_b, real_b=real_b, fake_a=fake_a)
    ce = torch.nn.functional.cross_entropy
    want = ce(f_b(fake_b.detach()), torch.tensor([0])) + ce(f_a(fake_a.detach()), torch.tensor([1]))
    assert loss.item() == pytest.approx(want.item())
    loss.backward()
    assert fake_b.grad[0, 0] < 0 < fake_b.grad[0, 1]  # descent moves G(a) toward class 0
    assert fake_a.grad.abs().sum() < fake_b.grad.abs().sum()


def test_semantic_option_trains_through_two_classifiers_and_refuses_a_missing_one(tmp_path):
    sets = ["recipe_args.semantic=1.0", "recipe_args.classifier_a=digits", "recipe_args.classifier_b=digits"]
    _train(tmp_path / "run", 2, *sets)
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["g_semantic"] > 0  # logged beside the paper's terms
    with pytest.raises(GanforgeError, match="classifier_b: no classifier ships for horse2zebra's second domain"):
        resolve_config("cyclegan", sets=["recipe_args.semantic=1.0", "recipe_args.classifier_a=mnist"])
    # unset, they are the ones shipped for the two named datasets
    cfg = resolve_config("cyclegan", overrides={"data": {"name": "mnist"}}, sets=["recipe_args.semantic=1.0"])
    assert classifier_specs(cfg) == ("mnist", "digits")
    with pytest.raises(GanforgeError, match="neither a shipped one"):
        resolve_config("cyclegan", sets=["recipe_args.semantic=1.0", "recipe_args.classifier_a=mnist",
                                         f"recipe_args.classifier_b={tmp_path / 'none.safetensors'}"])
    with pytest.raises(GanforgeError, match="semantic must be"):
        resolve_config("cyclegan", sets=["recipe_args.semantic=-1"])
