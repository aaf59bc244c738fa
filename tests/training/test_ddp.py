"""A 2-process DDP run on CPU (gloo) equals one process with the same global batch."""

import json
import math
import subprocess
import sys

import pytest
import torch

from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint

# dropout off: the two runs draw dropout masks from different per-rank streams
SETS = {
    "gan": ["D.args.dropout_input=0", "D.args.dropout_hidden=0", "D.args.init_range=0.05", "G.args.hidden=[64, 64]",
            "D.args.hidden=[32, 32]"],
    # conditional: labels and fake classes must be sliced per rank like the data and the noise
    "cgan": ["D.args.dropout=0", "G.args.dropout=0", "D.args.init_range=0.05", "G.args.z_hidden=32",
             "G.args.y_hidden=32", "G.args.joint_hidden=64", "D.args.x_units=32", "D.args.y_units=16",
             "D.args.joint_units=32"],
}
# BEGAN: k_t is driven by the whole batch's losses, so every rank keeps the same k_t
SETS["began"] = ["data.image_size=[16,16]", "G.args.n=8", "D.args.n=8", "D.args.h=8", "z_dim=8",
                 "recipe_args.lambda_k=0.05", "recipe_args.gamma=1"]
# the gan recipe updates both players from one pass (as released); Algorithm 1's order too
SETS["gan-alternating"] = SETS["gan"] + ["update_order=alternating"]
# streamed from disk (a folder of the digits as PNGs, one reader process per rank): each rank reads
# its own slice of the global batch, so 2 ranks still equal 1
SETS["gan-stream"] = SETS["gan"] + ["data.stream=true", "data.workers=1"]
COMMON = ["train.log_every=10", "train.ckpt_every=1000", "train.sample_every=1000"]


def _digits_folder(root):
    """The first 400 digits as 8×8 PNGs in one folder per class."""
    from PIL import Image

    from ganforge.config import DataConfig
    from ganforge.data.base import load_data

    digits = load_data(DataConfig(name="digits"))
    for i in range(400):
        path = root / str(int(digits.labels[i])) / f"{i:04d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(digits.x[i, 0].numpy()).save(path)
    return root


def _run(case, out, devices, data="digits", extra=()):
    recipe = case.split("-")[0]
    cmd = [sys.executable, "-m", "ganforge.cli", "train", recipe, "--data", str(data), "--steps", "30",
           "--batch-size", "40", "--out", str(out), "--devices", str(devices),
           *sum((["--set", s] for s in SETS[case] + COMMON + list(extra)), [])]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


@pytest.mark.parametrize("case", sorted(SETS))
def test_two_process_ddp_matches_single_process(tmp_path, case):
    data, extra = "digits", []
    if case.endswith("-stream"):
        pytest.importorskip("litdata")
        data, extra = _digits_folder(tmp_path / "digits"), [f"data.stream_cache={tmp_path / 'cache'}"]
    _run(case, tmp_path / "one", 1, data, extra)
    out = _run(case, tmp_path / "two", 2, data, extra)
    if case.endswith("-stream"):  # it streamed, and said so once
        assert [line for line in out.splitlines() if "streamed from disk" in line] == [
            "data: 400 images, streamed from disk (data.stream=true), 1 reader process per rank (data.workers=1)"]
    a = load_checkpoint(latest_checkpoint(tmp_path / "one"))
    b = load_checkpoint(latest_checkpoint(tmp_path / "two"))
    for net in ("G", "D"):
        for k in a[net]:
            torch.testing.assert_close(a[net][k], b[net][k], rtol=1e-4, atol=1e-5)
    assert a["step"] == b["step"] == 30
    if "recipe_state" in a:
        torch.testing.assert_close(a["recipe_state"], b["recipe_state"], rtol=1e-4, atol=1e-6)
        assert a["recipe_state"]["k"].item() > 0  # k_t moved
    # the runs really trained (the comparison is not between two untouched initialisations)
    recs = [json.loads(line) for line in open(tmp_path / "two" / "metrics.jsonl")]
    assert abs(recs[-1]["d_loss"] - math.log(4)) > 1e-3
    assert abs(recs[-1]["d_loss"] - [json.loads(x) for x in open(tmp_path / "one" / "metrics.jsonl")][-1]["d_loss"]) < 1e-3
