"""Temporary files never follow links: every file ganforge writes whole (sample grids, the report,
lab snapshots, feature caches, sample arrays) goes through ``run_dir.atomic_write``, whose
temporary name is created exclusively. A run folder from someone else that holds links at the
temporary names older versions used cannot make a write land outside it."""

import os
import stat

import pytest
import torch

from ganforge.run_dir import atomic_write
from ganforge.viz.grid import save_grid


def _victim(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    return victim


def test_links_at_temporary_names_are_never_followed(tmp_path):
    victim = _victim(tmp_path)
    run = tmp_path / "run" / "samples"
    run.mkdir(parents=True)
    final = run / "step_000004.png"
    for planted in ("step_000004.tmp.png", ".step_000004.png.partial", "step_000004.tmp"):  # older temporary names
        (run / planted).symlink_to(victim)
    save_grid(torch.rand(4, 1, 8, 8), final)
    assert victim.read_text() == "precious"
    assert final.is_file() and not final.is_symlink() and final.read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in run.iterdir() if p.name.endswith(".partial") and not p.is_symlink()]


def test_the_final_link_is_replaced_not_written_through(tmp_path):
    victim = _victim(tmp_path)
    final = tmp_path / "report.html"
    final.symlink_to(victim)
    with atomic_write(final) as tmp:
        tmp.write_text("new")
    assert victim.read_text() == "precious" and final.read_text() == "new" and not final.is_symlink()


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    final = tmp_path / "out.npy"
    final.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(final) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert final.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.npy"]


def test_permissions_follow_the_umask(tmp_path):
    mask = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "a.txt") as tmp:
            tmp.write_text("x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644


def test_a_checkpoint_never_writes_through_a_planted_link(tmp_path):
    """Links at the checkpoint's old temporary names (.tmp-step_N-PID, .old-step_N-PID) to a folder
    outside the run: the save goes on beside them and writes nothing there."""
    from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint

    outside = tmp_path / "outside"
    outside.mkdir()
    ckpt = tmp_path / "run" / "checkpoints"
    ckpt.mkdir(parents=True)
    for name in (f".tmp-step_0000002-{os.getpid()}", f".old-step_0000002-{os.getpid()}"):
        (ckpt / name).symlink_to(outside, target_is_directory=True)
    for _ in range(2):  # the second save replaces the first (a resumed run re-saving its step)
        save_checkpoint(ckpt, 2, {"w": torch.ones(3), "step": 2})
    assert list(outside.iterdir()) == []
    assert torch.equal(load_checkpoint(latest_checkpoint(tmp_path / "run"))["w"], torch.ones(3))
