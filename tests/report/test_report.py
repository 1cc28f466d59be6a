"""report.html: headline scores in both styles, totals, per-task table, SVG grids."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from arcforge.cli import app
from arcforge.report import write_report
from arcforge.scoring import score_run


def test_report_shows_scores_totals_and_grids(code_run: Path):
    path = write_report(code_run, studio_url=None)
    html = path.read_text()
    scores = score_run(code_run)
    # flip0001 solves both test outputs (attempt 1 from sample 0); fill0002 errored
    assert scores.arcprize_score == 0.5
    assert abs(scores.kaggle_score - 2 / 3) < 1e-9
    assert 'id="arcprize-score">50.0%' in html
    assert 'id="kaggle-score">66.7%' in html
    assert "2 / 3" in html  # samples answered
    assert "timeout: 1" in html
    assert "$0.0030" in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="grid"') >= 8
    # the wrong test output of sample 1 is drawn next to the expected one
    assert "test[1] produced" in html
    assert "<script>" not in html  # no studio link script without a studio URL


def test_model_text_is_escaped(code_run: Path):
    html = write_report(code_run, studio_url=None).read_text()
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert "<script>window.__pwned" not in html


def test_studio_links_when_a_studio_url_is_given(code_run: Path):
    html = write_report(code_run, studio_url="http://127.0.0.1:8765").read_text()
    assert 'href="http://127.0.0.1:8765/runs/codegen-test-run"' in html
    assert re.search(r'fetch\("http://127\.0\.0\.1:8765/api/me"', html)


def test_report_command(code_run: Path):
    result = CliRunner().invoke(app, ["report", str(code_run), "--studio-url", ""])
    assert result.exit_code == 0, result.output
    assert (code_run / "report.html").is_file()
    assert result.output.strip().endswith("report.html")
