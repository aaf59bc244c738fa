"""training/memory.py: on glibc the trainer keeps freed blocks, so a step does not re-fault the
pages of its gradients and activations (~2,500 page faults per `gan` MNIST step without it), and
training/process.py: a run leaves the process's settings (allocator, threads, matmul precision)
as it found them."""

import platform
import resource
import sys

import pytest
import torch

import ganforge
from ganforge.recipes.base import resolve_config
from ganforge.registry import RECIPES
from ganforge.training import memory
from ganforge.training.loop import make_fabric
from ganforge.training.process import process_settings
from ganforge.training.run import TrainingRun

glibc = pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                           reason="mallopt is glibc's")


@glibc
def test_setting_takes_effect_and_steps_stop_faulting():
    cfg = resolve_config("gan", sets=["data.name=digits", "train.threads=1", "train.batch_size=256",
                                      "G.args.hidden=[1200,1200]"])
    assert cfg.train.keep_freed_memory  # on by default
    with process_settings(cfg, "cpu"):
        assert memory.is_keeping_freed_memory()
        run = TrainingRun(cfg, RECIPES.get("gan"), make_fabric(cfg))
        for s in range(10):  # the heap grows to its working size
            run.step(s, False)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for s in range(10, 30):
            run.step(s, False)
        per_step = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20
    assert not memory.is_keeping_freed_memory()
    # measured: 0 per step with the setting, ~470 (4 KiB pages) with train.keep_freed_memory=false; the
    # bound sits far from both, so it holds on any machine's page size and allocator timing
    assert per_step < 100, per_step


def test_a_run_leaves_threads_allocator_and_matmul_precision_as_found(tmp_path, monkeypatch):
    seen = {}
    real = TrainingRun.step

    def spy(self, step, log_now):
        seen.update(threads=torch.get_num_threads(), kept=memory.is_keeping_freed_memory(),
                    precision=torch.get_float32_matmul_precision())
        return real(self, step, log_now)

    monkeypatch.setattr(TrainingRun, "step", spy)
    threads, precision = torch.get_num_threads(), torch.get_float32_matmul_precision()
    other = 1 if threads != 1 else 2
    ganforge.train("gan", data="digits", steps=2, out=tmp_path / "run", console=False,
                   set=[f"train.threads={other}", "train.matmul_precision=high", "G.args.hidden=[16,16]",
                        "D.args.hidden=[8,8]"])
    assert seen["threads"] == other and seen["precision"] == "high"
    assert seen["kept"] == (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc")
    assert torch.get_num_threads() == threads and torch.get_float32_matmul_precision() == precision
    assert not memory.is_keeping_freed_memory()
