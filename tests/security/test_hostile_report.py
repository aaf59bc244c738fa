"""A run's own files never crash the viewers or leak into the report: NaN/Infinity and nesting too
deep for the parser in metrics.jsonl / eval.jsonl, a config.yaml section of the wrong type, links
in samples/ and lab/ to private files, a file named like a grid that is no PNG, and metric names
that would break out of the page's script."""

import base64
import json

from ganforge.viewers.live import LiveState
from ganforge.viewers.report import write_report
from ganforge.viz.page import script_json

from ..tiny_run import tiny_run


def test_the_report_survives_its_run_files_and_inlines_only_its_own_pngs(tmp_path):
    run = tiny_run(tmp_path / "run", steps=4, **{"train.sample_every": 2})
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\nPRIVATE-DATA")
    with open(run / "metrics.jsonl", "a") as f:
        f.write('{"step": 5, "d_loss": NaN, "g_loss": Infinity, "x</script><b>": 1.0}\n')
        f.write('{"step": 6, "deep": ' + "[" * 5000 + "]" * 5000 + "}\n")
    with open(run / "eval.jsonl", "a") as f:
        f.write('{"metric": "fid", "value": NaN}\n' + '{"metric": ' + "[" * 5000 + "]" * 5000 + "}\n")
    (run / "lab").mkdir()
    (run / "lab" / "leak.png").symlink_to(secret)
    (run / "samples" / "step_000999.png").symlink_to(secret)
    (run / "samples" / "step_000998.png").write_text("not a png")
    config = (run / "config.yaml").read_text()
    (run / "config.yaml").write_text(config.replace("train:\n", "train_old:\n") + "train: 5\ndata: [1, 2]\n")
    html = write_report(run).read_text()
    assert base64.b64encode(b"PRIVATE-DATA").decode()[:12] not in html and "PRIVATE" not in html
    assert "x</script><b>" not in html and "x\\u003c/script\\u003e\\u003cb\\u003e" in html
    state = LiveState(run).snapshot(since=0, generation=0)  # the live page reads the same files
    json.dumps(state, allow_nan=False)


def test_script_json_escapes_what_could_end_the_script():
    text = script_json({"a</script>": "<!-- & \u2028"})
    assert not any(c in text for c in "<>&\u2028") and json.loads(text) == {"a</script>": "<!-- & \u2028"}
