"""The one exception type users see: a message naming the problem and the fix."""


class GanforgeError(Exception):
    """Bad input or an impossible request. The CLI prints ``str(err)`` on one line and exits 2."""


def os_error_message(err: OSError) -> str | None:
    """A full disk, a quota, a read-only or forbidden location → a message naming the path and
    the fix; None for other OS errors (bugs, which should show their traceback)."""
    import errno

    fixes = {errno.ENOSPC: "free some space or choose another --out",
             errno.EDQUOT: "free some space or choose another --out",
             errno.EROFS: "the file system is read-only; choose another --out",
             errno.EACCES: "permission denied; choose a location you can write to",
             errno.EPERM: "not permitted; choose a location you can write to"}
    fix = fixes.get(err.errno)
    if fix is None:
        return None
    where = f" {err.filename}" if err.filename else ""
    return f"cannot write{where}: {err.strerror}; {fix}"
