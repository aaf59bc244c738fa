"""``ganforge export``: every sampling recipe's exported network (ONNX in onnxruntime, TorchScript in a
fresh process without ganforge) gives what ``ganforge.load(RUN).sample`` gives, to 1e-4; the
plain-PyTorch snippet of docs/export.md loads G from the checkpoint; bad requests fail in one line."""

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

import ganforge
from ganforge.config import deep_merge, to_sets
from ganforge.errors import GanforgeError
from ganforge.exporting import export, sample_inputs
from ganforge.registry import RECIPES

from .conftest import quick_sets
from .tiny_run import one_error_line

ort = pytest.importorskip("onnxruntime", reason="pip install 'ganforge[export]' for the export tests")
pytest.importorskip("onnx", reason="pip install 'ganforge[export]' for the export tests")

# every recipe that samples (CycleGAN translates: refused, below), tiny networks, 2 steps. StyleGAN's
# maps are nearly constant over their pixels at first, where instance norm magnifies rounding
# (docs/export.md), so it trains a few steps with a fast EMA
SAMPLERS = [name for name in RECIPES.names() if not RECIPES.get(name).domains]
SETS = {"stylegan": {"train.ema_half_life": 8}}  # 0.5 per step at batch 8
STEPS = {"stylegan": 10}
N = 7  # not the batch the exporters traced with (4)


def _train(name: str, out: Path, steps: int = 2, **sets) -> Path:
    over = deep_merge({"train": {"batch_size": 8}}, RECIPES.get(name).test_overrides)
    ganforge.train(name, out=out, steps=steps, set=to_sets(over) + quick_sets(**{"train.ckpt_every": steps, **sets}),
                   console=False)
    return out


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """{recipe: (run dir, .onnx, .pt)} for every recipe that samples."""
    root = tmp_path_factory.mktemp("export")
    out = {}
    for name in SAMPLERS:
        run = _train(name, root / name, STEPS.get(name, 2), **SETS.get(name, {}))
        out[name] = (run, export(run, format="onnx", out=root / f"{name}.onnx") and root / f"{name}.onnx",
                     export(run, format="torchscript", out=root / f"{name}.pt") and root / f"{name}.pt")
    return out


def _cases(G):
    """(sample keywords) to compare: a default draw, and a fixed class / code where the run has them."""
    cases = [{"seed": 3}]
    if G.n_classes:
        cases.append({"seed": 4, "y": 2})
    if G.latent.codes:
        cases.append({"seed": 5, "codes": {G.latent.codes[0].name: 1}})
    return cases


def test_onnx_matches_sample(exported):
    assert {"gan", "dcgan", "cgan", "infogan", "sagan", "biggan", "pggan", "stylegan"} <= set(exported)  # each family
    for name, (run, onnx_file, _) in exported.items():
        G = ganforge.load(run)
        session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
        assert [i.name for i in session.get_inputs()] == list(sample_inputs(G, 1))
        for case in _cases(G):
            want = G.sample(N, **case).numpy()
            got = session.run(["x"], sample_inputs(G, N, **case))[0]
            assert got.shape == want.shape and np.abs(got - want).max() <= 1e-4, (name, case, np.abs(got - want).max())


def test_truncation_matches_sample(exported):
    """BigGAN's truncation trick (a resampling of z, fed as z) and StyleGAN's ψ (an input) give what sample gives."""
    G = ganforge.load(exported["biggan"][0])
    session = ort.InferenceSession(str(exported["biggan"][1]), providers=["CPUExecutionProvider"])
    inputs = sample_inputs(G, N, seed=6, truncation=0.5)
    assert np.abs(inputs["z"]).max() <= 0.5
    assert np.abs(session.run(["x"], inputs)[0] - G.sample(N, seed=6, truncation=0.5).numpy()).max() <= 1e-4

    G = ganforge.load(exported["stylegan"][0])
    session = ort.InferenceSession(str(exported["stylegan"][1]), providers=["CPUExecutionProvider"])
    untruncated = session.run(["x"], sample_inputs(G, N, seed=7))[0]
    G.G.truncation_psi = 0.7
    inputs = sample_inputs(G, N, seed=7)
    assert np.all(inputs["psi"] == np.float32(0.7))
    got, want = session.run(["x"], inputs)[0], G.sample(N, seed=7).numpy()
    assert np.abs(got - want).max() <= 1e-4 and np.abs(got - untruncated).max() > 1e-3


FRESH = textwrap.dedent("""
    import sys
    import numpy as np
    import torch
    torch.set_num_threads(1)
    for pt, inputs, out in zip(*[iter(sys.argv[1:])] * 3):
        arrays = np.load(inputs)
        G = torch.jit.load(pt)
        with torch.no_grad():
            x = G(*[torch.from_numpy(arrays[k]) for k in arrays.files])
        np.save(out, x.numpy())
    assert not any(m == "ganforge" or m.startswith("ganforge.") for m in sys.modules), "ganforge was imported"
""")


def test_torchscript_in_a_fresh_process_matches_sample(exported, tmp_path):
    args, want = [], {}
    for name, (run, _, pt_file) in exported.items():
        G = ganforge.load(run)
        for i, case in enumerate(_cases(G)):
            inputs = tmp_path / f"{name}-{i}.npz"
            np.savez(inputs, **sample_inputs(G, N, **case))  # keeps the input order
            want[(name, i)] = G.sample(N, **case).numpy()
            args += [str(pt_file), str(inputs), str(tmp_path / f"{name}-{i}.npy")]
    subprocess.run([sys.executable, "-I", "-c", FRESH, *args], check=True, timeout=300,
                   env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    for (name, i), x in want.items():
        got = np.load(tmp_path / f"{name}-{i}.npy")
        assert got.shape == x.shape and np.abs(got - x).max() <= 1e-4, (name, i, np.abs(got - x).max())


def test_cards_describe_the_export(exported):
    for name, (run, onnx_file, pt_file) in exported.items():
        card = json.loads(Path(str(onnx_file) + ".card.json").read_text(encoding="utf-8"))
        G = ganforge.load(run)
        assert card["recipe"] == name and card["paper"]["citation"] == RECIPES.get(name).paper
        assert card["run"]["step"] == G.step and card["run"]["weights"] == ("EMA of G" if G.ema else "G")
        assert [i["name"] for i in card["inputs"]] == list(sample_inputs(G, 1))
        assert card["outputs"][0]["shape"] == ["N", *G.meta["data_shape"]] and card["outputs"][0]["range"] == [0, 1]
        assert card["check"]["within_1e-4"] and card["versions"]["torch"] == torch.__version__
        assert card["versions"]["onnxruntime"] == ort.__version__ and card["bytes"] == onnx_file.stat().st_size
        assert json.loads(Path(str(pt_file) + ".card.json").read_text(encoding="utf-8"))["format"] == "torchscript"
    assert exported["biggan"][0] and json.loads(Path(str(exported["biggan"][1]) + ".card.json").read_text())[
        "run"]["weights"] == "EMA of G"
    growth = json.loads(Path(str(exported["pggan"][1]) + ".card.json").read_text())["network"]["growth"]
    assert set(growth) >= {"progress", "resolution", "fade_in_alpha"}


def test_export_leaves_the_loaded_generator_as_it_was(exported, tmp_path):
    run = exported["biggan"][0]  # spectral norm: torch's remove_parametrizations would break the original
    G = ganforge.load(run)
    before = G.sample(3, seed=0)
    from ganforge.exporting import Sampler

    Sampler(G)
    assert torch.equal(G.sample(3, seed=0), before)


def test_points_run_exports(tmp_path):
    run = tmp_path / "ring"
    ganforge.train("gan-modern", data="ring-2d", steps=2, out=run, console=False,
                   set=quick_sets(**{"train.ckpt_every": 2}))
    card = export(run, out=tmp_path / "ring.onnx")
    assert card["outputs"][0]["shape"] == ["N", 2] and card["outputs"][0]["range"] is None
    G = ganforge.load(run)
    got = ort.InferenceSession(str(tmp_path / "ring.onnx")).run(["x"], sample_inputs(G, N, seed=1))[0]
    assert np.abs(got - G.sample(N, seed=1).numpy()).max() <= 1e-4


def test_metrics_of_the_run_go_into_the_card(exported, tmp_path):
    run = exported["dcgan"][0]
    cards = [{"metric": "fid", "value": 40.0, "generated": {"step": 1}},
             {"metric": "fid", "value": 30.0, "std": 0.5, "std_kind": "std over 10 splits", "generated": {"step": 2}},
             {"metric": "kid", "value": 0.01}]
    (run / "eval.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cards) + "not json\n")
    card = export(run, out=tmp_path / "m.pt")
    assert card["metrics"] == cards[1:]


def test_plain_pytorch_snippet_of_the_docs(exported, tmp_path):
    doc = (Path(__file__).parents[1] / "docs" / "export.md").read_text(encoding="utf-8")
    snippet = re.search(r"<!-- snippet: plain-pytorch -->\n```python\n(.*?)```", doc, re.S).group(1)
    for name in ("dcgan", "biggan"):  # plain, and spectral norm with an EMA
        run, onnx_file, _ = exported[name]
        scope = {}
        exec(snippet.replace('"dcgan.onnx.card.json"', repr(str(onnx_file) + ".card.json")), scope)
        G_plain, trained = scope["G"], ganforge.load(run)
        lat = trained.latent.sample(5, generator=torch.Generator().manual_seed(0))
        args = trained.latent.g_args(lat)
        with torch.no_grad():
            assert torch.equal(G_plain(*args), trained.G(*args)), name


def test_bad_requests_fail_in_one_line(exported, tmp_path):
    run, onnx_file, _ = exported["dcgan"]
    one_error_line(["export", run, "--format", "tflite", "--out", tmp_path / "g.tflite"], "unknown export format",
                   "onnx, torchscript")
    one_error_line(["export", run, "--out", onnx_file], "exists", "never overwrites")
    one_error_line(["export", run, "--format", "onnx", "--out", tmp_path / "g.pt"], "*.onnx")
    one_error_line(["export", run, "--out", tmp_path / "g.bin"], ".onnx or .pt")
    one_error_line(["export", run, "--out", tmp_path / "no" / "g.onnx"], "does not exist")
    one_error_line(["export", tmp_path, "--out", tmp_path / "g.onnx"], "not a ganforge run directory")
    (tmp_path / "g2.pt.card.json").write_text("{}")
    one_error_line(["export", run, "--out", tmp_path / "g2.pt"], "g2.pt.card.json exists")
    assert not (tmp_path / "g2.pt").exists()
    cyclegan = _train("cyclegan", tmp_path / "cyclegan", 2, **{"train.batch_size": 2})
    one_error_line(["export", cyclegan, "--out", tmp_path / "c.onnx"], "cyclegan run", "ganforge translate")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".onnx", ".pt", ".json")) == ["g2.pt.card.json"]


def test_missing_onnx_is_one_clear_error(exported, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(GanforgeError, match=r"pip install 'ganforge\[export\]'"):
        export(exported["dcgan"][0], out=tmp_path / "g.onnx")
    assert not (tmp_path / "g.onnx").exists()
