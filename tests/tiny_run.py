"""A tiny trained run (digits, small MLPs, a few steps, in-process) and the CLI runner that the
hostile-input tests share."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import ganforge
from ganforge.cli import main

from .conftest import quick_sets

TINY = ["G.args.hidden=[16]", "D.args.hidden=[8]"]


def tiny_run(out: Path, steps: int = 4, **sets) -> Path:
    base = {"train.ckpt_every": 2, "train.log_every": 2, "train.sample_every": 1000}
    base.update(sets)
    ganforge.train("gan", data="digits", steps=steps, out=out, set=TINY + quick_sets(**base), console=False)
    return out


def cli(*args):
    """``ganforge ARGS`` in this process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def one_error_line(args, *fragments) -> str:
    """Run the CLI; assert exit code 2 and exactly one ``error:`` line holding every fragment."""
    code, _, err = cli(*args)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, (code, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def once_and_resumed(recipe, tmp_path: Path, *, steps: int, stop: int, sets: list[str], data: str | None = "digits"):
    """Train ``recipe`` for ``steps`` in one go, and again stopped after ``stop`` then resumed to ``steps``;
    returns the last checkpoint of each (the resume tests compare them)."""
    from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint

    where = {} if data is None else {"data": data}
    ganforge.train(recipe, **where, steps=steps, out=tmp_path / "once", set=sets, console=False)
    ganforge.train(recipe, **where, steps=stop, out=tmp_path / "twice", set=sets, console=False)
    ganforge.train(recipe, steps=steps, out=tmp_path / "twice", resume=True, console=False)
    return (load_checkpoint(latest_checkpoint(tmp_path / "once")),
            load_checkpoint(latest_checkpoint(tmp_path / "twice")))
