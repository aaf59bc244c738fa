"""One training process per run directory.

``RunLock`` holds ``RUN/.lock`` (the owner's pid and host) for the whole run. The lock is an
``flock`` on that file, which the kernel drops when the owner dies, so a lock left by a
``kill -9`` is stale by construction and is taken over; the pid is there for the message. The
file stays after the run (emptied): unlinking it would let a waiting process lock a dead inode.
"""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path

from ..errors import GanforgeError

try:
    import fcntl
except ImportError:  # pragma: no cover  (Windows: no lock, as before)
    fcntl = None

LOCK_NAME = ".lock"
_HELD: set[int] = set()  # descriptors of the run locks this process holds
_HOOKED = False


def _close_in_child() -> None:
    """In a forked child (a streamed set's reader): close the inherited lock descriptors. The
    flock belongs to the open file, so a child holding a copy would keep the run locked after the
    training process was killed, until the child noticed; the parent's lock is unaffected."""
    for fd in _HELD:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


class RunLock:
    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / LOCK_NAME
        self._fd: int | None = None

    def __enter__(self) -> "RunLock":
        if fcntl is None:
            return self
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.read(fd, 200).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise GanforgeError(f"{self.path.parent} is being trained by {owner}; wait for it to finish or stop it, "
                                f"or choose another --out (one training per run directory)") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode())
        self._fd = fd
        global _HOOKED
        if not _HOOKED and hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_close_in_child)
            _HOOKED = True
        _HELD.add(fd)
        return self

    def __exit__(self, *exc) -> bool:
        if self._fd is not None:
            _HELD.discard(self._fd)
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None
        return False


def is_lock_file(path: Path) -> bool:
    return path.name == LOCK_NAME
