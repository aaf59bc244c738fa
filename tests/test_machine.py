"""tests/machine.py: a recording is compared bitwise only on a machine with its kernel fingerprint."""

import hashlib

import pytest
import torch

from .machine import assert_matches_recording, kernel_fingerprint, same_kernels


def test_fingerprint_names_what_decides_the_kernels():
    fp = kernel_fingerprint()
    assert set(fp) == {"cpu_vendor", "cpu_model", "torch", "onednn", "onednn_isa", "aten_cpu_capability"}
    assert fp["torch"] == torch.__version__


def test_same_kernels_needs_every_field_known_and_equal():
    fp = kernel_fingerprint()
    if any(v is None for v in fp.values()):
        assert not same_kernels(fp)  # what cannot be read here is never taken as the same
        return
    assert same_kernels(dict(fp))
    for key in fp:
        assert not same_kernels({**fp, key: "another"}), key
        assert not same_kernels({**fp, key: None}), key
    assert not same_kernels(None) and not same_kernels({})


def test_bitwise_where_recorded_here_tolerance_elsewhere():
    out = torch.linspace(-1, 1, 16)
    sha = hashlib.sha256(out.numpy().tobytes()).hexdigest()
    fp = kernel_fingerprint()
    here = {**fp} if all(v is not None for v in fp.values()) else None
    elsewhere = {**fp, "cpu_model": "another CPU"}
    if here is not None:
        assert assert_matches_recording(out, recorded_on=here, sha256=sha, first=out[:4].tolist()) == "bitwise"
        with pytest.raises(AssertionError, match="bitwise"):
            assert_matches_recording(out + 1e-7, recorded_on=here, sha256=sha)
    # another machine: a tiny difference passes, a real one does not
    assert assert_matches_recording(out + 1e-7, recorded_on=elsewhere, sha256=sha, first=out[:4].tolist(),
                                    abs_sum=out.abs().sum().item()) == "tolerance"
    with pytest.raises(AssertionError):
        assert_matches_recording(out + 1e-2, recorded_on=elsewhere, sha256=sha, first=out[:4].tolist())
