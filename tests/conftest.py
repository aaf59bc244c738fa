"""Shared fixtures. What a test may assume about the machine (CPU kernels, GPUs, timings) is
written down in tests/machine.py: read it before recording a reference or timing anything."""

import os
from pathlib import Path

import pytest

# The suite runs on the CPU on every machine, a GPU machine included (the trainer's device "auto"
# would otherwise move every tiny run to the GPU, where kernels, bits and memory differ); the
# CUDA path is checked by scripts/gpu_check.py. GANFORGE_TEST_CUDA=1 leaves the GPUs visible.
if os.environ.get("GANFORGE_TEST_CUDA") != "1":
    os.environ["CUDA_VISIBLE_DEVICES"] = ""


@pytest.fixture
def shared_data() -> Path:
    """The real datasets (../shared/data in CI), via $GANFORGE_TEST_DATA; skipped when unset."""
    root = os.environ.get("GANFORGE_TEST_DATA")
    if not root or not Path(root).is_dir():
        pytest.skip("set GANFORGE_TEST_DATA to the shared data folder to run real-data tests")
    return Path(root)


def quick_sets(**extra) -> list[str]:
    """--set items that keep a test run short and single-threaded."""
    base = {"train.log_every": 5, "train.sample_every": 1000, "train.ckpt_every": 1000, "train.threads": 1}
    base.update(extra)
    return [f"{k}={v}" for k, v in base.items()]
