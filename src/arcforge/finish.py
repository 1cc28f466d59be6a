"""Finishing a run: what the commands do once the runner has returned.

For a code or direct-answer run: score it, write ``summary.json``, the ARC Prize per-task files in
``submission/``, the Kaggle ``submission.json`` and ``report.html``. The runner only runs;
``arcforge traces``, ``codegen`` and ``demo`` call :func:`finish_run` after it, and
``arcforge score``, ``export`` and ``report`` redo any part on their own.
"""

from __future__ import annotations

from pathlib import Path

from arcforge.export import export_arcprize, export_kaggle
from arcforge.report import write_report
from arcforge.runfiles import KAGGLE_SUBMISSION, SUBMISSION_DIR, read_run_info
from arcforge.scoring import RunScores, score_run, write_summary


def finish_run(run_dir: Path, studio_url: str | None = None) -> RunScores | None:
    """Score a code or direct-answer run and write its summary, exports and report; None
    for a traces run."""
    run_dir = Path(run_dir)
    if read_run_info(run_dir).kind == "reasoning":
        return None
    scores = score_run(run_dir)
    write_summary(run_dir, scores)
    export_arcprize(run_dir, run_dir / SUBMISSION_DIR, scores=scores)
    export_kaggle(run_dir, run_dir / KAGGLE_SUBMISSION, scores=scores)
    write_report(run_dir, studio_url)
    return scores
