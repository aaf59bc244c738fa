"""The command line: the main commands work, bad input is one clear line and exit code 2."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image


def ganforge(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "ganforge.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def _one_clear_line(res, *fragments):
    assert res.returncode == 2, res.stderr
    lines = [x for x in res.stderr.strip().splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.stderr
    for f in fragments:
        assert f in lines[0], lines[0]


def test_list_shows_recipes():
    res = ganforge("list")
    assert res.returncode == 0
    assert "gan" in res.stdout and "Goodfellow" in res.stdout and "2014" in res.stdout and "mnist" in res.stdout


def test_train_sample_roundtrip(tmp_path):
    run = tmp_path / "run"
    res = ganforge("train", "gan", "--data", "digits", "--steps", "6", "--out", str(run), "--set", "train.log_every=3",
                   "--set", "G.args.hidden=[16]", "--set", "D.args.hidden=[8]")
    assert res.returncode == 0, res.stderr
    for f in ("config.yaml", "run.json", "metrics.jsonl", "samples/step_000006.png"):
        assert (run / f).is_file(), f
    assert "step 3/6" in res.stdout  # plain progress lines when not a TTY
    res = ganforge("sample", str(run), "--n", "10", "--out", str(tmp_path / "s.npy"))
    assert res.returncode == 0, res.stderr
    x = np.load(tmp_path / "s.npy")
    assert x.shape == (10, 1, 8, 8) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    res = ganforge("sample", str(run), "--n", "9", "--out", str(tmp_path / "g.png"))
    assert res.returncode == 0 and Image.open(tmp_path / "g.png").size[0] > 8
    # the saved config reloads as --config
    res = ganforge("train", "--config", str(run / "config.yaml"), "--dry-run")
    assert res.returncode == 0 and "FLOPs per training step" in res.stdout


def test_dry_run_prints_config_params_and_flops():
    res = ganforge("train", "gan", "--data", "digits", "--dry-run")
    assert res.returncode == 0, res.stderr
    assert "recipe: gan" in res.stdout and "G parameters: 226,464" in res.stdout
    assert "GFLOP" in res.stdout


def test_unknown_recipe():
    _one_clear_line(ganforge("train", "dcgna", "--data", "digits"), "unknown recipe 'dcgna'", "valid recipes:", "gan")


def test_unknown_set_key():
    _one_clear_line(ganforge("train", "gan", "--data", "digits", "--set", "train.lr=3"), "unknown config key 'train.lr'")


def test_unknown_model_argument():
    _one_clear_line(ganforge("train", "gan", "--data", "digits", "--set", "G.args.depth=3", "--dry-run"),
                    "unknown argument 'depth'", "valid G.args keys")


def test_missing_data_root(tmp_path):
    _one_clear_line(ganforge("train", "gan", "--data", "mnist", "--data-root", str(tmp_path / "none"), "--dry-run"),
                    "MNIST not found under", "--data-root")


def test_missing_data_path(tmp_path):
    _one_clear_line(ganforge("train", "gan", "--data", str(tmp_path / "nope"), "--dry-run"), "does not exist")


def test_corrupt_image_in_folder(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.full((12, 12), 40 * i, np.uint8)).save(folder / f"{i}.png")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    _one_clear_line(ganforge("train", "gan", "--data", str(folder), "--dry-run"), "corrupt or unreadable image",
                    "broken.png")


def test_mixed_sizes_need_image_size(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.fromarray(np.zeros((12, 12), np.uint8)).save(folder / "a.png")
    Image.fromarray(np.zeros((10, 14), np.uint8)).save(folder / "b.png")
    _one_clear_line(ganforge("train", "gan", "--data", str(folder), "--dry-run"), "data.image_size")


def test_existing_run_dir_needs_resume(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "x").write_text("x")
    _one_clear_line(ganforge("train", "gan", "--data", "digits", "--out", str(tmp_path / "r")), "--resume")


@pytest.mark.parametrize("args, fragment", [
    (["sample", "/nonexistent/run"], "not a ganforge run directory"),
    (["train", "gan", "--data", "digits", "--config", "/nonexistent.yaml"], "does not exist"),
])
def test_other_bad_paths(args, fragment):
    _one_clear_line(ganforge(*args), fragment)


def test_image_size_the_architecture_cannot_take():
    _one_clear_line(ganforge("train", "dcgan", "--data", "digits", "--set", "data.image_size=30", "--dry-run"),
                    "cannot take 30×30 images", "data.image_size")
