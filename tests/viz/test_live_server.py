"""The live page's server: state for the page, the run's grids and nothing else; a port in use
is one line naming --port."""

import json
import socket
import urllib.error
import urllib.request

import pytest

import ganforge
from ganforge.viewers.live import LiveServer

from ..conftest import quick_sets
from ..tiny_run import one_error_line


def _get(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read()


def test_state_grids_and_nothing_else(gan_run):
    with LiveServer(gan_run, port=0) as server:
        assert server.url.startswith("http://127.0.0.1:")
        _, kind, page = _get(server.url)
        assert kind.startswith("text/html") and b"connect-src 'self'" in page
        state = json.loads(_get(server.url + "state.json")[2])
        assert state["step"] == state["total_steps"] and state["done"] and state["count"] == len(state["records"])
        assert any(c["title"] == "Losses" for c in state["layout"])
        again = json.loads(_get(server.url + f"state.json?since={state['count']}&gen={state['generation']}")[2])
        assert again["records"] == []  # nothing new since the last poll
        _, kind, png = _get(server.url + state["grid"]["url"])
        assert kind == "image/png" and png.startswith(b"\x89PNG")
        for path in ("samples/../config.yaml", "config.yaml", "samples/x.png", "checkpoints/"):
            with pytest.raises(urllib.error.HTTPError, match="404"):
                _get(server.url + path)


def test_port_in_use_is_one_line_naming_the_option(gan_run):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        one_error_line(["watch", gan_run, "--port", port], f"port {port}", "--port")
        one_error_line(["train", "gan", "--data", "digits", "--steps", 1, "--out", gan_run.parent / "new", "--live",
                        "--port", port], f"port {port}", "--port")


def test_watch_refuses_a_non_run(tmp_path):
    one_error_line(["watch", tmp_path, "--port", 0], "not a ganforge run directory")


def test_a_2d_toy_run_gets_d_field_from_its_newest_checkpoint(tmp_path):
    run = tmp_path / "ring"
    ganforge.train("gan-modern", data="ring-2d", steps=10, out=run, console=False,
                   set=quick_sets(**{"train.log_every": 10, "train.ckpt_every": 10, "train.sample_every": 10}))
    with LiveServer(run, port=0) as server:
        state = json.loads(_get(server.url + "state.json")[2])
        assert state["kind"] == "points" and state["field"] == {"step": 10, "url": "field.png?step=10"}
        _, kind, png = _get(server.url + state["field"]["url"])
        assert kind == "image/png" and png.startswith(b"\x89PNG")


def test_only_this_machines_names_are_served(gan_run, capsys):
    """DNS rebinding: a page on attacker.example whose name now points at 127.0.0.1 sends
    ``Host: attacker.example``; the server answers only its own names and IP addresses."""
    import http.client

    with LiveServer(gan_run, port=0) as server:
        port = server.server.server_address[1]

        def status(host: str) -> int:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.putrequest("GET", "/state.json", skip_host=True)
            conn.putheader("Host", host)
            conn.endheaders()
            code = conn.getresponse().status
            conn.close()
            return code

        assert status("attacker.example") == 403 and status(f"attacker.example:{port}") == 403
        assert status(f"127.0.0.1:{port}") == 200 and status(f"localhost:{port}") == 200
        assert status(f"[::1]:{port}") == 200
    assert "warning" not in capsys.readouterr().err  # loopback: no warning
    with LiveServer(gan_run, port=0, host="0.0.0.0"):
        pass
    assert "anyone who can reach this machine" in capsys.readouterr().err
