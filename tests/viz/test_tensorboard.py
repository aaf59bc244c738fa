"""train.tensorboard=true: scalars and grids through torch.utils.tensorboard; a clear error
when TensorBoard is not installed."""

import sys

import pytest

from ..tiny_run import one_error_line
from .conftest import train_tiny


def test_scalars_and_grids_reach_tensorboard(tmp_path):
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator",
                                      reason="pip install 'ganforge[tensorboard]'")
    run = train_tiny("gan", tmp_path / "tb", steps=20, **{"train.tensorboard": "true"})
    events = accumulator.EventAccumulator(str(run / "tensorboard"))
    events.Reload()
    assert {"d_loss", "g_loss", "d_real", "steps_per_s"} <= set(events.Tags()["scalars"])
    assert [e.step for e in events.Scalars("d_loss")] == [5, 10, 15, 20]
    assert [e.step for e in events.Images("samples")] == [10, 20]


def test_missing_tensorboard_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails as if not installed
    one_error_line(["train", "gan", "--data", "digits", "--steps", 2, "--out", tmp_path / "r",
                    "--set", "train.tensorboard=true", "--set", "train.threads=1"], "pip install 'ganforge[tensorboard]'")
    assert not (tmp_path / "r").exists()  # refused before the run directory is made
