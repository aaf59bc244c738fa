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
