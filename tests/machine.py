"""What the tests may assume about the machine they run on: the one place for it.

The rule (for every test, present and future):

1. Nothing recorded on one machine stands for another. Machines of the same kind differ (an AMD
   EPYC with AVX2 only, an AMD EPYC with AVX-512 and no AMX, an Intel Xeon with AMX; with or
   without a GPU), and oneDNN picks different kernels on each, so the bits of a float result
   differ. A reference recorded on one machine is compared bitwise only where ``same_kernels``
   says the recording machine's kernel fingerprint (CPU vendor and model, torch and oneDNN
   versions, the ISA oneDNN dispatches to, ATen's CPU capability) equals this one's, and to a
   tolerance the test states everywhere else (``assert_matches_recording``).
2. A capability is tested by the behaviour a test needs, not by a flag that predicts it: "does
   ``medium`` change an fp32 product here?" is answered by computing one
   (``ganforge.training.process.matmul_precision_effect``), not by asking whether oneDNN has bf16.
   Where the behaviour is absent the test skips and says why.
3. No test asserts a duration, a speed-up, a thread count or a memory figure that depends on the
   machine's speed or load; timing targets live in ``benchmarks/`` and ``ganforge bench``, which
   print their figures. A test may bound a duration only to catch a hang or a pathological
   slowdown (an order of magnitude above the target), and says so.
4. The suite runs on the CPU, also on a machine with a GPU (``conftest.py`` hides GPUs unless
   ``GANFORGE_TEST_CUDA=1``): bitwise resume and reference checks hold per device kind, and the
   CUDA path has its own check, ``scripts/gpu_check.py``.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import subprocess
import sys

import torch

_ONEDNN_PROBE = (
    "import torch; torch.nn.functional.conv2d(torch.randn(2, 3, 8, 8), torch.randn(4, 3, 3, 3)); "
    "torch.nn.functional.linear(torch.randn(8, 16), torch.randn(4, 16))"
)


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        return platform.processor() or None
    fields = {}
    for key in ("vendor_id", "model name", "cpu family", "model", "stepping"):
        m = re.search(rf"^{key}\s*:\s*(.*)$", info, re.MULTILINE)
        fields[key] = m.group(1).strip() if m else "?"
    return " / ".join(fields[k] for k in ("model name", "cpu family", "model", "stepping"))


def _cpu_vendor() -> str | None:
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^vendor_id\s*:\s*(.*)$", f.read(), re.MULTILINE)
        return m.group(1).strip() if m else None
    except OSError:
        return None


@functools.lru_cache(maxsize=1)
def _onednn() -> tuple[str | None, str | None]:
    """oneDNN's version and the ISA it dispatches to, as its verbose mode prints them (in a child
    process: oneDNN reads the variable once, at its first use)."""
    env = dict(os.environ, ONEDNN_VERBOSE="all", DNNL_VERBOSE="all")
    try:
        out = subprocess.run([sys.executable, "-c", _ONEDNN_PROBE], env=env, capture_output=True, text=True,
                             timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None, None
    version = re.search(r"oneDNN (v[\d.]+)", out)
    isa = re.search(r"cpu,isa:([^\n]*)", out)
    return (version.group(1) if version else None), (isa.group(1).strip() if isa else None)


@functools.lru_cache(maxsize=1)
def kernel_fingerprint() -> dict:
    """What decides which CPU kernels run, and so the bits of a float result."""
    version, isa = _onednn()
    return {"cpu_vendor": _cpu_vendor(), "cpu_model": _cpu_model(), "torch": torch.__version__,
            "onednn": version, "onednn_isa": isa, "aten_cpu_capability": torch.backends.cpu.get_cpu_capability()}


def same_kernels(recorded: dict | None) -> bool:
    """True only when every field of a recording's fingerprint is known and equals this machine's."""
    if not recorded:
        return False
    mine = kernel_fingerprint()
    return all(recorded.get(k) is not None and recorded.get(k) == v for k, v in mine.items())


def assert_matches_recording(out: torch.Tensor, *, recorded_on: dict | None, sha256: str | None = None,
                             first: list[float] | None = None, abs_sum: float | None = None,
                             rtol: float = 1e-5, atol: float = 1e-6) -> str:
    """Compare ``out`` with a recording: bitwise (its sha256) where the kernels are the recording
    machine's, else its first values (``rtol``/``atol``) and its absolute sum (``rtol``). Returns
    which comparison ran ("bitwise" or "tolerance")."""
    import hashlib

    if first is not None:
        torch.testing.assert_close(out.flatten()[:len(first)], torch.tensor(first, dtype=out.dtype), rtol=rtol, atol=atol)
    if abs_sum is not None:
        got = out.abs().sum().item()
        assert abs(got - abs_sum) <= rtol * abs(abs_sum), f"abs sum {got} vs recorded {abs_sum}"
    if sha256 is not None and same_kernels(recorded_on):
        assert hashlib.sha256(out.detach().contiguous().numpy().tobytes()).hexdigest() == sha256, \
            "not bitwise identical to the recording, though this machine runs the recording machine's kernels"
        return "bitwise"
    return "tolerance"
