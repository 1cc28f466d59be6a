"""``arcforge report RUN_DIR``: write the self-contained HTML report of a run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (runs/<run_id>).")],
    studio_url: Annotated[
        str,
        typer.Option("--studio-url", help="Where the studio runs; its links show when it answers."),
    ] = "http://127.0.0.1:8000",
) -> None:
    """Write report.html into a run folder: scores, totals, per-task table, SVG grids."""
    from arcforge.report import write_report

    path = write_report(run_dir, studio_url or None)
    typer.echo(str(path))
