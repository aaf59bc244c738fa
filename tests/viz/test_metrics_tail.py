"""Reading metrics.jsonl while it is written: whole lines only, a resume replaces the steps it
repeats, a line cut by a crash is skipped."""

import json

from ganforge.viz.metrics_tail import MetricsTail, read_records


def _line(step, **kw):
    return json.dumps({"step": step, **kw}) + "\n"


def test_half_written_line_waits_for_its_end(tmp_path):
    path = tmp_path / "metrics.jsonl"
    tail = MetricsTail(path)
    assert not tail.update()  # no file yet
    path.write_text(_line(10, d_loss=1.0) + '{"step": 20, "d_lo')
    assert tail.update() and [r["step"] for r in tail.records] == [10]
    with open(path, "a") as f:
        f.write('ss": 0.5}\n')
    assert tail.update() and tail.records[-1] == {"step": 20, "d_loss": 0.5}
    assert not tail.update()


def test_resume_replaces_repeated_steps_and_bumps_the_generation(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text("".join(_line(s) for s in (10, 20, 30)) + "not json\n" + _line(20, again=True) + _line(30))
    tail = MetricsTail(path)
    tail.update()
    assert [r["step"] for r in tail.records] == [10, 20, 30] and tail.records[1] == {"step": 20, "again": True}
    assert tail.generation == 1
    path.write_text(_line(5))  # a new, shorter file
    tail.update()
    assert [r["step"] for r in tail.records] == [5] and tail.generation == 2
    assert read_records(path) == [{"step": 5}]
