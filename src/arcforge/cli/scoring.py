"""``arcforge score``, ``export`` and ``compare``: official-style scores and submission
files of a run, and runs side by side by score and cost."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

console = Console()
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


class ExportFormat(StrEnum):
    arcprize = "arcprize"
    kaggle = "kaggle"


def register(app: typer.Typer) -> None:
    app.command("score")(score)
    app.command("export")(export)
    app.command("compare")(compare)


def compare(
    run_dirs: Annotated[list[Path], typer.Argument(metavar="RUN_DIR...",
                                                   help="Run folders of any kind.")],
    chart: Annotated[Path, typer.Option(
        "--chart", help="Where to write the SVG chart of score against cost per task.")
    ] = Path("compare.svg"),
    as_json: Json = False,
) -> None:
    """Print runs side by side (model, method, samples, augment, rounds, both scores, cost
    per task, tokens, time) and chart score against cost per task (the Pareto front)."""
    from arcforge.atomic import write_bytes_atomic
    from arcforge.compare import chart_svg, render_rounds_table, render_table, run_row
    from arcforge.errors import UsageError

    if not run_dirs:
        raise UsageError("compare: name at least one RUN_DIR")
    rows = [run_row(d) for d in run_dirs]
    if chart.parent and not chart.parent.exists():
        raise UsageError(f"--chart {chart}: the folder {chart.parent} does not exist")
    write_bytes_atomic(chart, chart_svg(rows).encode())
    if as_json:
        typer.echo(json.dumps({"runs": [r.to_dict() for r in rows], "chart": str(chart)}))
        return
    console.print(render_table(rows))
    rounds = render_rounds_table(rows)
    if rounds is not None:
        console.print(rounds)
    console.print(f"wrote {escape(str(chart))}", highlight=False)


def score(
    run_dir: Annotated[Path, typer.Argument(metavar="RUN_DIR", help="A code run folder.")],
    data: Annotated[str | None, typer.Option(
        "--data", help="Tasks with their test outputs, when the run's own lack them.")] = None,
    as_json: Json = False,
    per_task: Annotated[bool, typer.Option("--per-task", help="Also list every task.")] = False,
) -> None:
    """Score a code run (attempt selection, pass@1/pass@2/oracle) and write summary.json."""
    from arcforge.scoring import (
        dump_scores,
        render_scores_table,
        render_tasks_table,
        score_run,
        write_summary,
    )

    tasks = None
    if data is not None:
        from arcforge.data import load_tasks

        tasks = load_tasks(data)
    scores = score_run(run_dir, tasks)
    path = write_summary(run_dir, scores)
    if as_json:
        dump_scores(scores, sys.stdout)
        return
    if per_task:
        console.print(render_tasks_table(scores))
    console.print(render_scores_table(scores))
    console.print(f"wrote {escape(str(path))}", highlight=False)


def export(
    run_dir: Annotated[Path, typer.Argument(metavar="RUN_DIR", help="A code run folder.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="arcprize: one <task>.json per "
                                              "task; kaggle: one submission.json.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")],
    data: Annotated[str | None, typer.Option(
        "--data", help="Tasks with their test outputs, when the run's own lack them.")] = None,
) -> None:
    """Write the run's selected attempts as ARC Prize harness files or a Kaggle submission."""
    from arcforge.export import export_arcprize, export_kaggle

    tasks = None
    if data is not None:
        from arcforge.data import load_tasks

        tasks = load_tasks(data)
    if fmt is ExportFormat.arcprize:
        paths = export_arcprize(run_dir, out, tasks)
        console.print(f"wrote {len(paths)} task file(s) to {escape(str(out))}", highlight=False)
    else:
        from arcforge.errors import UsageError

        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out}: exists and is not a folder")
        out.mkdir(parents=True, exist_ok=True)
        path = export_kaggle(run_dir, out / "submission.json", tasks)
        console.print(f"wrote {escape(str(path))}", highlight=False)
