import os
from pathlib import Path

import pytest


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
