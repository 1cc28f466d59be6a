"""Options shared by several commands, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

DataSpec = Annotated[
    str,
    typer.Argument(
        metavar="SPEC",
        help="A bundled set (arc-agi-1/training, arc-agi-1/evaluation, arc-agi-2/training, "
        "arc-agi-2/evaluation), a folder of <id>.json files, a dataset.json, a Kaggle "
        "*_challenges.json, or 'store'.",
    ),
]
DataOption = Annotated[
    str,
    typer.Option(
        "--data", help="Data source: a bundled set, folder, dataset.json, Kaggle file or 'store'."
    ),
]
TaskIds = Annotated[
    str | None,
    typer.Option("--task-ids", help="Comma-separated task ids, or a file with one id per line."),
]
MaxTasks = Annotated[
    int | None, typer.Option("--max-tasks", min=1, help="Use at most this many tasks.")
]
