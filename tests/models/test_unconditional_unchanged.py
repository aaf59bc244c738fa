"""The n_classes extension of dcgan/resnet must leave the unconditional nets exactly as they were:
same parameter keys, same random draws at construction, the same initial state (bitwise, on any
machine), and the same outputs and batch-norm statistics after a forward pass.

The reference (unconditional_reference.json) was recorded by record_unconditional.py with the
code before the extension. Outputs and statistics depend on the CPU's kernels: they are compared
bitwise on a machine with the recording machine's kernel fingerprint, and to float tolerance
elsewhere (tests/machine.py states the rule).
"""

import json
from pathlib import Path

import pytest
import torch

from ..machine import assert_matches_recording
from .record_unconditional import build_and_run, cases, state_sha

REF = json.loads((Path(__file__).parent / "unconditional_reference.json").read_text())
CASES = cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_unconditional_nets_are_unchanged(name):
    ref = REF[name]
    net, rng_after, initial, out = build_and_run(CASES[name], name)
    assert rng_after == ref["rng_after"], "the constructor draws a different number of random numbers"
    assert list(net.state_dict().keys()) == ref["keys"]
    assert initial == ref["initial_state_sha256"], "the initial parameters or buffers differ from the pre-change code"
    state = net.state_dict()
    for key, values in ref["bn_statistics"].items():  # moved by the forward pass in train mode
        torch.testing.assert_close(state[key], torch.tensor(values, dtype=state[key].dtype), rtol=1e-5, atol=1e-6)
    how = assert_matches_recording(out, recorded_on=REF["_recorded_on"], sha256=ref["out_sha256"],
                                   first=ref["out_first"], abs_sum=ref["out_abs_sum"])
    if how == "bitwise":
        assert state_sha(net) == ref["state_sha256"], "the state after a forward pass differs on the recording's kernels"
