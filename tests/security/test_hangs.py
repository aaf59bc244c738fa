"""Nothing a user types can make a command run forever: every loop driven by user input has a
bound. A tiny positive truncation accepts one normal draw in about a million, and used to redraw
without end in `sample`, `eval` and `load(...).sample`."""

import signal

import pytest

from ..tiny_run import cli, tiny_run


@pytest.fixture
def alarm():
    """Fail (rather than hang the suite) when the guarded call takes over 60 s."""
    def expired(*_):
        raise TimeoutError("the command did not return within 60 s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def test_a_tiny_truncation_returns_samples_within_it(tmp_path, alarm):
    run = tiny_run(tmp_path / "run", steps=2, z_dist="normal")
    out = tmp_path / "s.npy"
    code, stdout, err = cli("sample", run, "--n", "256", "--truncation", "1e-6", "--out", out)
    assert code == 0, err
    assert "wrote 256 samples" in stdout
