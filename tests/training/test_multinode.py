"""Several machines: 2 "nodes" × 1 process each on this machine (localhost, gloo) equal one process
with the same global batch, launched as docs/multi-node.md says (one command per node with
MASTER_ADDR, MASTER_PORT and NODE_RANK); a launch that does not fit the run is one clear error."""

import json
import math
import os
import socket
import subprocess
import sys
from types import SimpleNamespace

import pytest
import torch

from ganforge.errors import GanforgeError
from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint
from ganforge.training.loop import check_nodes

from .test_ddp import COMMON, SETS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cmd(out, *extra):
    return [sys.executable, "-m", "ganforge.cli", "train", "gan", "--data", "digits", "--steps", "30", "--batch-size",
            "40", "--out", str(out), *extra, *sum((["--set", s] for s in SETS["gan"] + COMMON + ["train.threads=1"]), [])]


def test_two_nodes_equal_one_process(tmp_path):
    one = subprocess.run(_cmd(tmp_path / "one"), capture_output=True, text=True, timeout=300)
    assert one.returncode == 0, one.stderr[-2000:]
    env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port())}
    nodes = [subprocess.Popen(_cmd(tmp_path / "two", "--devices", "1", "--num-nodes", "2"), env={**env, "NODE_RANK": str(r)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for r in (0, 1)]
    outputs = [p.communicate(timeout=300) for p in nodes]
    for p, (out, err) in zip(nodes, outputs):
        assert p.returncode == 0, err[-2000:]
    assert "done: 30 steps" in outputs[0][0] and "done:" not in outputs[1][0]  # only the first process reports
    a = load_checkpoint(latest_checkpoint(tmp_path / "one"))
    b = load_checkpoint(latest_checkpoint(tmp_path / "two"))
    assert a["step"] == b["step"] == 30
    for net in ("G", "D"):
        for k in a[net]:
            torch.testing.assert_close(a[net][k], b[net][k], rtol=1e-4, atol=1e-5)
    # the runs really trained: the comparison is not between two untouched initialisations
    last = [json.loads((tmp_path / r / "metrics.jsonl").read_text().splitlines()[-1]) for r in ("one", "two")]
    assert abs(last[1]["d_loss"] - math.log(4)) > 1e-3
    assert abs(last[0]["d_loss"] - last[1]["d_loss"]) < 1e-3
    run = (tmp_path / "two" / "run.json").read_text()
    assert '"world_size": 2' in run


def _t(devices=1, num_nodes=2):
    return SimpleNamespace(devices=devices, num_nodes=num_nodes, world_size=devices * num_nodes)


@pytest.mark.parametrize("env, fragments", [
    ({}, ["set MASTER_ADDR, MASTER_PORT, NODE_RANK", "docs/multi-node.md"]),
    ({"MASTER_ADDR": "h", "MASTER_PORT": "1"}, ["set NODE_RANK"]),
    ({"MASTER_ADDR": "h", "MASTER_PORT": "1", "NODE_RANK": "2"}, ["NODE_RANK='2'", "0 … 1"]),
    ({"TORCHELASTIC_RUN_ID": "x", "RANK": "0", "LOCAL_RANK": "0", "LOCAL_WORLD_SIZE": "2", "WORLD_SIZE": "2",
      "MASTER_ADDR": "h", "MASTER_PORT": "1"}, ["torchrun started 2 processes per node", "--nproc-per-node"]),
    ({"SLURM_NTASKS": "4", "SLURM_JOB_NAME": "train"}, ["SLURM started 4 tasks", "--ntasks-per-node 1"]),
])
def test_a_launch_that_does_not_fit_is_one_clear_error(monkeypatch, env, fragments):
    for name in ("TORCHELASTIC_RUN_ID", "MASTER_ADDR", "MASTER_PORT", "NODE_RANK", "RANK", "GROUP_RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE",
                 "WORLD_SIZE", "SLURM_NTASKS", "SLURM_JOB_NAME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(GanforgeError) as info:
        check_nodes(_t())
    for fragment in fragments:
        assert fragment in str(info.value)


def test_a_fitting_launch_passes(monkeypatch):
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", "29500")
    monkeypatch.setenv("NODE_RANK", "1")
    check_nodes(_t())
    check_nodes(_t(devices=2, num_nodes=1))
