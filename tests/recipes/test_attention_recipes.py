"""SAGAN and BigGAN runs: EMA vs raw G in load/sample, exact resume with the EMA, truncation at
sampling time, the paper settings, and unconditional training on an unlabelled folder."""

import numpy as np
import pytest
import torch
import yaml
from click.testing import CliRunner
from PIL import Image

import ganforge
from ganforge.cli import main
from ganforge.config import deep_merge, to_sets
from ganforge.errors import GanforgeError
from ganforge.recipes.base import resolve_config
from ganforge.registry import RECIPES
from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint

from ..conftest import quick_sets


def tiny(name: str, **extra) -> list[str]:
    return to_sets(deep_merge(RECIPES.get(name).test_overrides, extra)) + quick_sets(**{"train.ckpt_every": 3})


@pytest.fixture(scope="module")
def biggan_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("biggan") / "run"
    ganforge.train("biggan", out=out, steps=6, set=tiny("biggan"), console=False)
    return out


def test_ema_differs_from_raw_and_is_what_sample_uses(biggan_run, tmp_path):
    state = load_checkpoint(latest_checkpoint(biggan_run))
    assert any(not torch.equal(state["G_ema"][k], state["G"][k]) for k in state["G"] if state["G"][k].is_floating_point())
    ema, raw = ganforge.load(biggan_run), ganforge.load(biggan_run, ema=False)
    assert ema.ema and not raw.ema
    for k, v in ema.G.state_dict().items():
        assert torch.equal(v, state["G_ema"][k])
    for k, v in raw.G.state_dict().items():
        assert torch.equal(v, state["G"][k])
    runner = CliRunner()
    for flags, G in (([], ema), (["--no-ema"], raw)):
        out = tmp_path / f"s{len(flags)}.npy"
        res = runner.invoke(main, ["sample", str(biggan_run), "--n", "6", "--seed", "2", "--out", str(out), *flags])
        assert res.exit_code == 0, res.output
        assert np.array_equal(np.load(out), G.sample(6, seed=2).numpy())
    assert not np.array_equal(np.load(tmp_path / "s0.npy"), np.load(tmp_path / "s1.npy"))


def test_truncation_when_sampling(biggan_run):
    G = ganforge.load(biggan_run)
    plain = G.sample(8, seed=0, y=1)
    squeezed = G.sample(8, seed=0, y=1, truncation=1e-4)  # z ≈ 0: every sample of a class alike
    assert (squeezed - squeezed[:1]).abs().max() < 1e-3 < (plain - plain[:1]).abs().max()
    G2 = ganforge.load(biggan_run, truncation=1e-4)  # the default of sample()
    assert torch.equal(G2.sample(8, seed=0, y=1), squeezed)
    res = CliRunner().invoke(main, ["sample", str(biggan_run), "--truncation", "0", "--out", "x.npy"])
    assert res.exit_code != 0 and "threshold" in res.output and "Traceback" not in res.output


def test_biggan_resumes_exactly_with_its_ema(biggan_run, tmp_path):
    sets = tiny("biggan")
    ganforge.train("biggan", out=tmp_path / "r", steps=3, set=sets, console=False)
    ganforge.train("biggan", out=tmp_path / "r", steps=6, resume=True, console=False)
    a, b = load_checkpoint(latest_checkpoint(biggan_run)), load_checkpoint(latest_checkpoint(tmp_path / "r"))
    for net in ("G", "D", "G_ema"):
        for k in a[net]:
            assert torch.equal(a[net][k], b[net][k]), (net, k)


def test_paper_settings_resolve():
    s = resolve_config("sagan", overrides={"data": {"name": "faces"}})  # a folder: the paper's sizes
    assert (s.opt["D"].lr, s.opt["G"].lr, tuple(s.opt["D"].betas), s.d_steps) == (4e-4, 1e-4, (0.0, 0.9), 1)
    assert s.G.spectral_norm and s.D.spectral_norm and s.loss == "hinge" and s.G.args["ch"] == 256
    b = resolve_config("biggan", overrides={"data": {"name": "faces"}})
    assert (b.opt["D"].lr, b.opt["G"].lr, tuple(b.opt["G"].betas), b.d_steps, b.train.batch_size) == (2e-4, 2e-4, (0.0, 0.999), 4, 50)
    assert (b.train.ema_decay, b.train.ema_start, b.g_penalties) == (0.9999, 1000, {"ortho": 1e-4})
    assert b.G.args["hier"] and b.G.args["shared_dim"] == 128
    cpu = resolve_config("biggan", overrides={"data": {"name": "cifar10"}})
    assert cpu.G.args["ch"] == 32 and cpu.train.ema_decay == 0.995  # the documented CPU preset
    for gray, steps, ema in (("mnist", 5000, 0.995), ("fashion-mnist", 3500, None)):  # Fashion: the raw G samples
        g = resolve_config("biggan", overrides={"data": {"name": gray}})
        assert g.train.ema_decay == ema and g.train.steps == steps and g.G.args["ch"] == 16
    m, f = (resolve_config("biggan", overrides={"data": {"name": d}}) for d in ("mnist", "fashion-mnist"))
    assert (m.opt["D"].lr, m.opt["G"].lr, f.opt["D"].lr, f.opt["G"].lr) == (4e-4, 4e-4, 2e-4, 2e-4)
    # the projection cGAN as its authors' released CIFAR-10 config and code; AC-GAN's 50,000 mini-batches
    p = resolve_config("cgan-projection")
    assert (p.G.args["init"], p.D.args["init"], p.D.args["head_bias"]) == ("glorot", "glorot", False)
    assert p.recipe_args["dequantize"] and p.train.steps == 50_000 and resolve_config("acgan").train.steps == 50_000


def test_unlabelled_folder_trains_unconditionally(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(8):
        Image.fromarray(rng.integers(0, 255, (16, 16), dtype=np.uint8)).save(folder / f"{i}.png")
    sets = [s for s in tiny("sagan") if not s.startswith("data.name")]
    ganforge.train("sagan", data=str(folder), out=tmp_path / "run", steps=2, set=sets, console=False)
    cfg = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert cfg["conditional"] is False
    G = ganforge.load(tmp_path / "run")
    assert G.n_classes is None and G.sample(3, seed=0).shape == (3, 1, 16, 16)
    with pytest.raises(GanforgeError, match="needs class labels"):  # recipes without the switch still refuse
        ganforge.train("cgan-projection", data=str(folder), out=tmp_path / "p", steps=1,
                       set=to_sets(RECIPES.get("cgan-projection").test_overrides) + quick_sets(), console=False)
