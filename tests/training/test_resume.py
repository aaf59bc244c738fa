"""Resume is exact, and a killed run resumes from its last complete checkpoint."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import ganforge
from ganforge.errors import GanforgeError
from ganforge.training.checkpoint import latest_checkpoint, list_checkpoints, load_checkpoint

from ..conftest import quick_sets
from ..tiny_run import once_and_resumed

TINY = ["G.args.hidden=[32, 32]", "D.args.hidden=[16, 16]", "z_dim=8", "train.batch_size=20"]


def _weights(run: Path) -> dict:
    state = load_checkpoint(latest_checkpoint(run))
    return {f"{net}.{k}": v for net in ("G", "D") for k, v in state[net].items()}


def test_resume_is_bitwise_exact(tmp_path):
    sets = TINY + quick_sets(**{"train.ckpt_every": 10})
    sa, sb = once_and_resumed("gan", tmp_path, steps=20, stop=10, sets=sets)
    a, b = _weights(tmp_path / "once"), _weights(tmp_path / "twice")
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    for opt in ("opt_G", "opt_D"):
        for idx, st in sa[opt]["state"].items():
            assert torch.equal(st["momentum_buffer"], sb[opt]["state"][idx]["momentum_buffer"])
    assert sa["updates"] == sb["updates"] == {"D": 20, "G": 20}


def test_existing_run_is_never_overwritten(tmp_path):
    sets = TINY + quick_sets()
    ganforge.train("gan", data="digits", steps=2, out=tmp_path / "r", set=sets, console=False)
    with pytest.raises(GanforgeError, match="already exists; pass --resume"):
        ganforge.train("gan", data="digits", steps=2, out=tmp_path / "r", set=sets, console=False)
    with pytest.raises(GanforgeError, match="cannot change"):
        ganforge.train("gan", data="digits", steps=4, out=tmp_path / "r", resume=True,
                       set=["opt_G.lr=0.5"], console=False)


def test_resume_takes_a_value_given_again_in_another_spelling(tmp_path):
    """--set opt.G.lr=4e-4 (a string to YAML) on a run saved with 0.0004 is no change; 5e-4 is one."""
    sets = TINY + quick_sets()
    ganforge.train("gan", data="digits", steps=2, out=tmp_path / "r", set=sets + ["opt.G.lr=0.0004"], console=False)
    ganforge.train("gan", data="digits", steps=3, out=tmp_path / "r", resume=True, set=["opt.G.lr=4e-4"],
                   console=False)
    assert load_checkpoint(latest_checkpoint(tmp_path / "r"))["step"] == 3
    with pytest.raises(GanforgeError, match="cannot change opt.G.lr"):
        ganforge.train("gan", data="digits", steps=4, out=tmp_path / "r", resume=True, set=["opt.G.lr=5e-4"],
                       console=False)


def test_sigkill_resumes_from_last_complete_checkpoint(tmp_path):
    run = tmp_path / "killed"
    cmd = [sys.executable, "-m", "ganforge.cli", "train", "gan", "--data", "digits", "--steps", "100000",
           "--out", str(run), *sum((["--set", s] for s in TINY + quick_sets(**{"train.ckpt_every": 25})), [])]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and len(list_checkpoints(run / "checkpoints")) == 0:
            time.sleep(0.2)
        time.sleep(1.0)  # let it run on, most likely mid-step or mid-save
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    done = list_checkpoints(run / "checkpoints")
    assert done, "no checkpoint was written before the kill"
    step_before = int(done[-1].name.split("_")[1])
    target = step_before + 10
    out = ganforge.train("gan", out=run, steps=target, resume=True, console=False)
    assert out["step"] == target
    assert load_checkpoint(latest_checkpoint(run))["step"] == target
    leftovers = [p.name for p in (run / "checkpoints").iterdir() if p.name.startswith(".")]
    assert not leftovers


def test_half_written_checkpoint_is_ignored(tmp_path):
    from ganforge.training.checkpoint import save_checkpoint

    ck = tmp_path / "checkpoints"
    save_checkpoint(ck, 5, {"step": 5, "w": torch.ones(3)})
    (ck / ".tmp-step_0000010-123").mkdir()  # a save interrupted before its rename
    (ck / ".tmp-step_0000010-123" / "state.json").write_text("{")
    assert latest_checkpoint(tmp_path).name == "step_0000005"
    state = load_checkpoint(latest_checkpoint(tmp_path))
    assert state["step"] == 5 and torch.equal(state["w"], torch.ones(3))


def test_ctrl_c_saves_a_checkpoint_and_stops(tmp_path):
    run = tmp_path / "interrupted"
    cmd = [sys.executable, "-m", "ganforge.cli", "train", "gan", "--data", "digits", "--steps", "100000",
           "--out", str(run), *sum((["--set", s] for s in TINY + quick_sets(**{"train.ckpt_every": 100000})), [])]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (run / "metrics.jsonl").exists():
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    assert "interrupted: saved checkpoint at step" in out
    done = list_checkpoints(run / "checkpoints")
    assert len(done) == 1 and 0 < load_checkpoint(done[0])["step"] < 100000
