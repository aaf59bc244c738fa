"""The live page: a small HTTP server (the standard library's, in a thread) that shows a run
while it trains — curves, the newest sample grid, steps/s and ETA.

It only reads the run directory (``metrics.jsonl``, ``samples/``, ``config.yaml``), so the same
server backs ``ganforge train --live`` (in the training process) and ``ganforge watch RUN``
(beside any training process, or after it). The page polls ``state.json`` for the records it has
not seen yet. Bound to 127.0.0.1 unless asked otherwise; it serves nothing but the page, its
state and the run's sample grids.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import json
import numbers
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..errors import GanforgeError
from ..run_dir import run_path
from ..viz.charts import chart_layout, numeric_keys
from ..viz.metrics_tail import MetricsTail
from ..viz.page import render_page
from .live_field import FieldPicture
from .run_contents import GRID_NAME, RunFiles, is_probabilistic

DEFAULT_PORT = 8765
POLL_MS = 1000
RATE_WINDOW = 5  # records averaged for steps/s and the ETA


class LiveState:
    """What the page is sent: new records since its last poll, the chart layout, the newest grid."""

    def __init__(self, run_dir: Path) -> None:
        self.run = RunFiles(Path(run_dir))
        self.tail = MetricsTail(self.run.metrics)
        self.field = FieldPicture(self.run.root)
        self.keys: set[str] = set()  # numeric keys of the first ``counted`` records
        self.counted = 0
        self.seen_generation = 0
        self.lock = threading.Lock()

    def snapshot(self, *, since: int, generation: int) -> dict:
        with self.lock:
            self.tail.update()
            records, gen = self.tail.records, self.tail.generation
            if gen != self.seen_generation:  # earlier records were replaced: count their keys again
                self.keys, self.counted, self.seen_generation = set(), 0, gen
            self.keys |= numeric_keys(records[self.counted:])
            self.counted = len(records)
            fresh = records if (generation != gen or since > len(records)) else records[since:]
            config, meta = self.run.config(), self.run.meta()
            grids = self.run.grids()
            step = records[-1]["step"] if records else 0
            total = self.run.total_steps()
            rate = _steps_per_second(records[-RATE_WINDOW:])
            field_step = self.field.step()
            return {
                "run": self.run.root.name, "recipe": config.get("recipe"), "kind": meta.get("data_kind"),
                "data": (config.get("data") or {}).get("name") if isinstance(config.get("data"), dict) else None,
                "step": step, "total_steps": total, "steps_per_s": rate,
                "eta_s": (total - step) / rate if (rate and total and total > step) else None,
                "done": bool(total and step >= total), "generation": gen, "count": len(records),
                "records": [{k: v for k, v in r.items() if _plain(v)} for r in fresh],
                "layout": chart_layout(self.keys, probabilistic=is_probabilistic(config)),
                "grid": {"step": grids[-1][0], "url": f"samples/{grids[-1][1].name}"} if grids else None,
                "field": {"step": field_step, "url": f"field.png?step={field_step}"} if field_step is not None else None,
            }

    def grid_bytes(self, name: str) -> bytes | None:
        if not GRID_NAME.fullmatch(name):
            return None
        try:
            return run_path(self.run.root, "samples", name).read_bytes()
        except (OSError, GanforgeError):
            return None


def _steps_per_second(records: list[dict]) -> float | None:
    timed = [r["sec_per_step"] for r in records if isinstance(r.get("sec_per_step"), (int, float))]
    mean = sum(timed) / len(timed) if timed else 0.0
    return 1.0 / mean if mean > 0 else None


def _plain(v) -> bool:
    return v is None or isinstance(v, (int, float, str))


class _Handler(BaseHTTPRequestHandler):
    state: LiveState  # set on the server's own subclass
    page: bytes

    allowed_hosts: frozenset = frozenset()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if not _host_allowed(self.headers.get("Host"), self.allowed_hosts):
            # a page on another site whose name was re-pointed at this address (DNS rebinding) sends its
            # own name as Host: only this machine's names and IP addresses are served
            self.send_error(HTTPStatus.FORBIDDEN, "unexpected Host header")
            return
        url = urlsplit(self.path)
        if url.path in ("/", "/index.html"):
            self._send(self.page, "text/html; charset=utf-8")
        elif url.path == "/state.json":
            query = parse_qs(url.query)
            snapshot = self.state.snapshot(since=_int(query.get("since")), generation=_int(query.get("gen")))
            self._send(json.dumps(snapshot, allow_nan=False).encode(), "application/json")
        elif url.path == "/favicon.ico":  # asked for by every browser; there is none
            self.send_response(HTTPStatus.NO_CONTENT)
            self.end_headers()
        elif url.path == "/field.png" and (png := self.state.field.png()):
            self._send(png, "image/png")
        elif url.path.startswith("/samples/") and (png := self.state.grid_bytes(url.path[len("/samples/"):])):
            self._send(png, "image/png")
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:  # the training console stays quiet
        pass


def _host_allowed(header: str | None, names: frozenset) -> bool:
    """The Host header names this machine: an IP address (v4 or bracketed v6), or one of ``names``
    (localhost, the machine's host names, the bound host), with or without a port."""
    if not header:
        return False
    host = header.strip().lower()
    if host.startswith("["):  # [::1]:8765
        host = host[1:host.find("]")] if "]" in host else host
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return host in names


def _local_names(bound: str) -> frozenset:
    names = {"localhost", "localhost.localdomain", bound.lower()}
    with contextlib.suppress(OSError):
        names.update({socket.gethostname().lower(), socket.getfqdn().lower()})
    return frozenset(names)


def _int(values: list[str] | None) -> int:
    try:
        return max(0, int(values[0])) if values else 0
    except ValueError:
        return 0


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() in ("localhost", "localhost.localdomain")


class LiveServer:
    """Serve the live page of ``run_dir`` on ``host:port`` (0: any free port) from a daemon
    thread; a port in use is one clear error naming --port. Use as a context manager; ``linger_s``:
    after a clean exit, keep serving this long so that open pages fetch the final state."""

    def __init__(self, run_dir: str | Path, *, port: int = DEFAULT_PORT, host: str = "127.0.0.1",
                 linger_s: float = 0.0) -> None:
        self.linger_s = linger_s
        if not isinstance(port, numbers.Integral) or isinstance(port, bool) or not 0 <= port <= 65535:
            raise GanforgeError(f"port {port!r} is not a port number: use 0-65535 (0 picks a free one)")
        handler = type("LiveHandler", (_Handler,), {
            "state": LiveState(Path(run_dir)), "allowed_hosts": _local_names(host),
            "page": render_page("live.html", script="live.js", data={"poll_ms": POLL_MS}).encode(),
        })
        try:
            self.server = ThreadingHTTPServer((host, port), handler)
        except OSError as err:
            if err.errno in (errno.EADDRINUSE, errno.EACCES):
                why = "is in use" if err.errno == errno.EADDRINUSE else "is not allowed for this user"
                raise GanforgeError(f"port {port} on {host} {why}; choose another with --port N "
                                    f"(--port 0 picks a free one)") from None
            raise GanforgeError(f"cannot serve the live page on {host}:{port} ({err.strerror}); choose another "
                                f"--port or host") from None
        self.server.daemon_threads = True
        if not _is_loopback(host):
            print(f"warning: the live page is served on {host}: anyone who can reach this machine on port "
                  f"{self.server.server_address[1]} can see the run (--host 127.0.0.1 keeps it to this machine)",
                  file=sys.stderr, flush=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="ganforge-live", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None and self.linger_s:
            import time

            time.sleep(self.linger_s)
        self.server.shutdown()
        self.server.server_close()
