"""The Python API's entry points check their values as train() does: the right type with a bad
value (a batch of 0, a seed of 2⁷⁰, a device that does not exist, a port out of range, a count given as text)
is one GanforgeError naming it, never a raw torch, range or socket error."""

import numpy as np
import pytest

import ganforge
from ganforge.errors import GanforgeError
from ganforge.viewers.live import LiveServer

from ..tiny_run import tiny_run


def test_bad_values_are_one_clear_error(tmp_path):
    run = tiny_run(tmp_path / "run", steps=2)
    G = ganforge.load(run)
    assert G.sample(np.int64(2)).shape[0] == 2  # a NumPy integer is a whole number
    cases = [
        (lambda: G.sample(2, batch=0), "batch must be a whole number"),
        (lambda: G.sample("5"), "n must be a whole number"),
        (lambda: ganforge.load(run, device="nope"), "unknown device 'nope'"),
        (lambda: ganforge.load(run, device="cuda:99"), "visible CUDA GPU"),
        (lambda: LiveServer(run, port=70000), "0-65535"),
        (lambda: G.sample(2, seed=2**70), "seed must be a whole number from 0 to 2\\*\\*63-1"),
        (lambda: G.sample(2, seed=-1), "seed must be a whole number"),
        (lambda: G.sample(2, seed=1.5), "seed must be a whole number"),
        (lambda: ganforge.train("gan", data="digits", steps=1, out=tmp_path / "x", seed=2**64, console=False),
         "train.seed' must be ≤"),
        (lambda: ganforge.train("gan", data="digits", steps=1, out=tmp_path / "x", batch_size=0, console=False),
         "batch_size must be ≥ 1"),
    ]
    for call, message in cases:
        with pytest.raises(GanforgeError, match=message):
            call()
