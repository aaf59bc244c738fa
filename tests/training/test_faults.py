"""Faults never cost a good checkpoint: NaN caught at its step, the last K checkpoints kept,
one training per run directory, leftovers of a kill -9 cleaned, a full disk named."""

from __future__ import annotations

import errno
import os

import pytest
import torch

import ganforge
from ganforge.errors import GanforgeError
from ganforge.training import checkpoint as ckpt_module
from ganforge.training.checkpoint import latest_checkpoint, list_checkpoints, load_checkpoint
from ganforge.training.finite import FiniteGuard
from ganforge.training.lock import RunLock
from ganforge.training.run import TrainingRun

from ..tiny_run import tiny_run


def _names(run):
    return [p.name for p in list_checkpoints(run / "checkpoints")]


def test_guard_reports_the_first_bad_step_without_syncing_each_step():
    guard = FiniteGuard(torch.device("cpu"))
    guard.observe(1, {"d_loss": [torch.tensor(0.5)], "g_loss": [torch.tensor(0.7)], "grad_norm_D": [torch.tensor(1.0)]})
    guard.check()
    guard.observe(2, {"d_loss": [torch.tensor(float("nan"))], "g_loss": [torch.tensor(0.7)]})
    guard.observe(3, {"d_loss": [torch.tensor(float("inf"))]})
    with pytest.raises(GanforgeError, match="d_loss became NaN/inf at step 2"):
        guard.check({"d_loss": None, "g_loss": 0.7})
    # statistics that are not losses (an inf grad norm under 16-mixed) never trip it
    guard = FiniteGuard(torch.device("cpu"))
    guard.observe(1, {"grad_norm_G": [torch.tensor(float("inf"))], "d_loss": [torch.tensor(1.0)]})
    guard.check()


def test_divergence_never_replaces_the_last_good_checkpoint(tmp_path, monkeypatch):
    """Weights turn NaN after step 5 with checkpoints every 2 steps and logs every 10: training
    stops with one error line's worth of message, and the step-4 checkpoint is still there."""
    original = TrainingRun.step

    def step(self, i, log_now):
        out = original(self, i, log_now)
        if i == 4:  # the 5th step's update leaves G's weights NaN
            with torch.no_grad():
                next(self.raw["G"].parameters()).fill_(float("nan"))
        return out

    monkeypatch.setattr(TrainingRun, "step", step)
    run = tmp_path / "run"
    with pytest.raises(GanforgeError, match="NaN/inf") as err:
        tiny_run(run, steps=20, **{"train.log_every": 10, "train.ckpt_every": 2})
    assert "at step 6" in str(err.value) and "step_0000004, is kept" in str(err.value)
    assert _names(run) == ["step_0000002", "step_0000004"]
    state = load_checkpoint(latest_checkpoint(run))
    assert all(torch.isfinite(v).all() for v in state["G"].values())
    x = ganforge.load(run).sample(8, seed=0)
    assert torch.isfinite(x).all()


def test_the_console_line_survives_nan(capsys):
    from ganforge.training.report import Reporter

    reporter = Reporter(None, total_steps=10, start_step=0, enabled=True, console=True)
    reporter.add({"d_loss": [torch.tensor(float("nan"))], "g_loss": [torch.tensor(1.0)]})
    record = reporter.flush(5)
    assert record["d_loss"] is None and "d_loss=nan" in capsys.readouterr().out


def test_keeps_the_last_k_checkpoints(tmp_path):
    run = tiny_run(tmp_path / "two", steps=6, **{"train.ckpt_every": 1})
    assert _names(run) == ["step_0000005", "step_0000006"]  # default K = 2
    run = tiny_run(tmp_path / "three", steps=6, **{"train.ckpt_every": 1, "train.keep_checkpoints": 3})
    assert _names(run) == ["step_0000004", "step_0000005", "step_0000006"]


def test_resume_falls_back_and_refuses_when_nothing_is_left(tmp_path):
    import shutil

    run = tiny_run(tmp_path / "run", steps=4)
    shutil.rmtree(run / "checkpoints" / "step_0000004")  # "delete the corrupt one"
    summary = ganforge.train(None, out=run, steps=6, resume=True, set=["train.threads=1"], console=False)
    assert summary["step"] == 6 and _names(run) == ["step_0000004", "step_0000006"]
    for p in list_checkpoints(run / "checkpoints"):
        shutil.rmtree(p)
    with pytest.raises(GanforgeError, match="no complete checkpoint left"):
        ganforge.train(None, out=run, steps=8, resume=True, set=["train.threads=1"], console=False)


def test_resume_cleans_leftovers_and_a_noop_resume_writes_nothing(tmp_path):
    run = tiny_run(tmp_path / "run", steps=4)
    (run / "checkpoints" / ".tmp-step_0000006-99").mkdir()
    half = run / "checkpoints" / "step_0000005"  # a kill -9 in the middle of a deletion
    half.mkdir()
    (half / "state.json").write_text("{}")
    config = run / "config.yaml"
    config.write_text(config.read_text() + "# a note of mine\n")
    before = config.stat().st_mtime_ns
    ganforge.train(None, out=run, steps=4, resume=True, set=["train.threads=1"], console=False)
    assert config.stat().st_mtime_ns == before and config.read_text().endswith("# a note of mine\n")
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["step_0000002", "step_0000004"]


def test_one_training_per_run_directory(tmp_path):
    run = tiny_run(tmp_path / "run", steps=2)
    with RunLock(run):  # another process training it now
        with pytest.raises(GanforgeError, match=f"being trained by pid {os.getpid()}"):
            ganforge.train(None, out=run, steps=4, resume=True, set=["train.threads=1"], console=False)
    (run / ".lock").write_text("pid 999999 on elsewhere\n")  # left by a kill -9: stale, taken over
    assert ganforge.train(None, out=run, steps=4, resume=True, set=["train.threads=1"], console=False)["step"] == 4


def test_disk_full_names_the_directory_and_keeps_the_last_checkpoint(tmp_path, monkeypatch):
    run = tiny_run(tmp_path / "run", steps=2)
    real_save = ckpt_module.save_file

    def full(tensors, path):
        real_save(tensors, path)
        raise OSError(errno.ENOSPC, "No space left on device", path)

    monkeypatch.setattr(ckpt_module, "save_file", full)
    with pytest.raises(GanforgeError, match="cannot write checkpoint 4 in .*checkpoints: No space left") as err:
        ganforge.train(None, out=run, steps=4, resume=True, set=["train.threads=1"], console=False)
    assert "step_0000002" in str(err.value)
    assert [p.name for p in (run / "checkpoints").iterdir()] == ["step_0000002"]
    assert load_checkpoint(latest_checkpoint(run))["step"] == 2


def test_a_checkpoint_of_another_architecture_names_the_key_and_shapes(tmp_path):
    import yaml

    run = tiny_run(tmp_path / "run", steps=2)
    cfg = yaml.safe_load((run / "config.yaml").read_text())
    cfg["G"]["args"]["hidden"] = [32]
    (run / "config.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(GanforgeError, match=r"G\.\S+ has shape \[16, 100\], the network built from config.yaml needs "
                                            r"\[32, 100\]"):
        ganforge.load(run)


@pytest.mark.parametrize("key, value", [("sampler", 5), ("G", [1, 2]), ("step", "abc"), ("rng", None)])
def test_a_tampered_state_json_is_one_clear_error(tmp_path, key, value):
    import json

    run = tiny_run(tmp_path / "run", steps=2)
    path = latest_checkpoint(run) / "state.json"
    state = json.loads(path.read_text())
    state[key] = value
    path.write_text(json.dumps(state))
    with pytest.raises(GanforgeError, match="checkpoint .*step_0000002"):
        ganforge.train(None, out=run, steps=4, resume=True, set=["train.threads=1"], console=False)
    if key == "G":
        with pytest.raises(GanforgeError, match="holds no weights for network 'G'"):
            ganforge.load(run)
    else:  # what sampling needs is intact
        assert torch.isfinite(ganforge.load(run).sample(4, seed=0)).all()


def test_bf16_true_trains_and_draws_its_samples(tmp_path):
    run = tiny_run(tmp_path / "run", steps=2, **{"train.precision": "bf16-true", "train.sample_every": 2})
    assert (run / "samples" / "step_000002.png").is_file()
    assert torch.isfinite(ganforge.load(run).sample(4, seed=0)).all()


def test_a_full_disk_anywhere_is_named_in_one_line():
    from ganforge.errors import os_error_message

    message = os_error_message(OSError(errno.ENOSPC, "No space left on device", "/runs/a/metrics.jsonl"))
    assert message.startswith("cannot write /runs/a/metrics.jsonl: No space left on device") and "--out" in message
    assert os_error_message(OSError(errno.EBADF, "Bad file descriptor")) is None  # a bug keeps its traceback
