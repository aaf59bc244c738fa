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
