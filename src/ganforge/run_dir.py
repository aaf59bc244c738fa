"""Writes into a run directory stay inside it.

Run directories are shared and downloaded, so one may hold a symlink planted where ganforge
writes (``eval.jsonl -> ~/.bashrc``). Every path ganforge writes in a run goes through
``run_path``, which refuses a path that resolves outside the run directory.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import GanforgeError

# what ganforge writes at the top of a run directory
RUN_ENTRIES = ("config.yaml", "run.json", "metrics.jsonl", "eval.jsonl", "samples", "checkpoints", "lab",
               "sample.png", "report.html", "tensorboard")


def run_path(run_dir: str | Path, *parts: str) -> Path:
    """``run_dir / parts`` for writing; refused (naming the file) when it, or a folder on the way,
    is a symlink leading outside ``run_dir``."""
    path = Path(run_dir).joinpath(*parts)
    root = Path(run_dir).resolve()
    target = path.resolve()  # follows every link on the way, dangling ones too
    if target != root and root not in target.parents:
        raise GanforgeError(f"refusing to write {path}: it is a symlink to {target}, outside the run directory "
                            f"{run_dir}; remove the link (ganforge only writes inside the run directory)")
    return path


def check_run_dir(run_dir: str | Path) -> None:
    """Refuse a run directory whose top-level files or folders lead outside it."""
    for name in RUN_ENTRIES:
        run_path(run_dir, name)


@contextlib.contextmanager
def atomic_write(path: str | Path):
    """Write ``path`` whole or not at all: yields a fresh temporary file beside it for the writer,
    renamed over ``path`` once the writer is done and removed if it fails. The temporary name is
    created exclusively (a random name; an existing file or a link planted in a downloaded run
    folder is never opened, so a write cannot follow it), and the rename replaces a link at
    ``path`` itself, never what it points to. Permissions follow the umask, as ``open`` gives."""
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(fd)
    tmp = Path(name)
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
