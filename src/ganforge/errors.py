"""The one exception type users see: a message naming the problem and the fix."""


class GanforgeError(Exception):
    """Bad input or an impossible request. The CLI prints ``str(err)`` on one line and exits 2."""
