"""`ganforge report`: one self-contained file; conditional and InfoGAN runs get their grids;
bad input is one line."""

import re

import pytest

from ..tiny_run import cli, one_error_line
from .conftest import train_tiny


def test_report_is_self_contained(gan_run, tmp_path):
    out = tmp_path / "elsewhere" / "r.html"
    code, stdout, _ = cli("report", gan_run, "--out", out)
    assert code == 0 and str(out) in stdout
    text = out.read_text()
    sources = re.findall(r'\bsrc="([^"]*)"', text)
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert not re.search(r"<(script|link)[^>]+(src|href)=", text)  # no external script or style
    assert "default-src 'none'" in text  # and the browser is told to fetch nothing
    for section in ('id="deviations"', 'id="eval-table"', "Goodfellow", "g_loss", "recipe: gan"):
        assert section in text, section


@pytest.mark.parametrize("name", ["cgan", "infogan"])
def test_conditional_and_infogan_runs_get_their_grids(name, tmp_path):
    run = train_tiny(name, tmp_path / name, steps=4, **{"train.log_every": 2})
    cli("report", run)
    text = (run / "report.html").read_text()
    assert 'id="class-grids"' in text
    expected = "one row per class" if name == "cgan" else "columns: cont1 from −2 to 2"
    assert expected in text


def test_report_refuses_a_non_run_and_a_run_without_metrics(tmp_path):
    one_error_line(["report", tmp_path], "not a ganforge run directory")
    one_error_line(["report", tmp_path / "missing"], "not a directory")
    (tmp_path / "config.yaml").write_text("recipe: gan\n")
    one_error_line(["report", tmp_path], "no metrics yet", "train.log_every")


def test_health_states_reach_the_report(tmp_path):
    import json
    import shutil

    from ganforge.viz.charts import chart_layout

    run = tmp_path / "run"
    shutil.copytree(train_tiny("gan", tmp_path / "src", steps=4, **{"train.log_every": 2}), run)
    rows = [{"step": 6, "fid": 40.0, "precision": 0.7, "health": "healthy", "advice": "healthy at step 6", "best_step": 6},
            {"step": 8, "fid": 90.0, "precision": 0.7, "health": "mode_collapse", "advice": "G draws <2> of 10"}]
    with open(run / "metrics.jsonl", "a") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    cli("report", run)
    text = (run / "report.html").read_text()
    assert 'id="health"' in text and "mode_collapse" in text and "G draws &lt;2&gt; of 10" in text
    assert '"health":"mode_collapse"' in text  # the charts' marks read it
    titles = [c["title"] for c in chart_layout({"fid", "best_fid", "precision", "recall", "d_score_train", "lr_D",
                                               "best_step"}, probabilistic=True)]
    assert titles[:2] == ["FID (evaluation while training)", "Precision and recall"] and "best_step" not in titles
