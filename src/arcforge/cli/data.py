"""``arcforge data``: list, show, summarise and validate task sources."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from arcforge.cli.options import DataSpec, MaxTasks, TaskIds

data_app = typer.Typer(help="Browse and check ARC task sources.", no_args_is_help=True)
console = Console()


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")


def _load(spec: str, task_ids: str | None = None, max_tasks: int | None = None):
    from arcforge.data import load_tasks, parse_task_ids

    return load_tasks(spec, parse_task_ids(task_ids), max_tasks)


@data_app.command("list")
def list_tasks(spec: DataSpec, task_ids: TaskIds = None, max_tasks: MaxTasks = None) -> None:
    """Print one task id per line (``id@version`` for variations)."""
    for task in _load(spec, task_ids, max_tasks):
        typer.echo(task.key)


@data_app.command("show")
def show(
    spec: DataSpec,
    task_id: Annotated[str, typer.Argument(help="Task id, or id@version for a variation.")],
    numbers: Annotated[
        bool, typer.Option("--numbers", help="Print colour digits in the cells.")
    ] = False,
    hide_test: Annotated[
        bool, typer.Option("--hide-test", help="Do not show test outputs.")
    ] = False,
) -> None:
    """Show a task's pairs as colour grids."""
    from arcforge.errors import UsageError
    from arcforge.render import task_renderable

    base, _, version = task_id.partition("@")
    tasks = _load(spec, base)
    if version:
        tasks = [t for t in tasks if str(t.version) == version]
        if not tasks:
            raise UsageError(f"TASK_ID: {base} has no version {version} in {spec}")
    digits = numbers or not console.is_terminal  # colours alone are lost in a pipe
    for task in tasks[:1]:
        console.print(task_renderable(task, show_test_outputs=not hide_test, numbers=digits))


@data_app.command("stats")
def stats(spec: DataSpec, task_ids: TaskIds = None, max_tasks: MaxTasks = None) -> None:
    """Summarise a source: tasks, pairs, grid sizes and colours."""
    tasks = _load(spec, task_ids, max_tasks)
    grids = [
        g for t in tasks for p in (*t.train, *t.test) for g in (p.input, p.output) if g is not None
    ]
    cells = [len(g) * len(g[0]) for g in grids]
    colours: Counter[int] = Counter()
    for g in grids:
        for row in g:
            colours.update(row)
    same_size = sum(
        len(p.input) == len(p.output) and len(p.input[0]) == len(p.output[0])
        for t in tasks
        for p in t.train
    )
    n_train = sum(len(t.train) for t in tasks)
    n_test = sum(len(t.test) for t in tasks)
    table = Table(title=f"{escape(spec)}", show_header=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("tasks", f"{len({t.id for t in tasks})}"),
        ("task versions", f"{len(tasks)}"),
        ("train pairs", f"{n_train} ({n_train / len(tasks):.2f} per task)"),
        ("test inputs", f"{n_test} ({n_test / len(tasks):.2f} per task)"),
        ("test outputs known", f"{sum(p.output is not None for t in tasks for p in t.test)}"),
        ("tasks with several test inputs", f"{sum(len(t.test) > 1 for t in tasks)}"),
        ("grids", f"{len(grids)}"),
        (
            "cells per grid (min / mean / max)",
            f"{min(cells)} / {sum(cells) / len(cells):.1f} / {max(cells)}",
        ),
        (
            "largest grid",
            "x".join(
                map(str, max(((len(g), len(g[0])) for g in grids), key=lambda s: s[0] * s[1]))
            ),
        ),
        ("train pairs keeping the grid size", f"{same_size / n_train:.1%}"),
        (
            "colour frequency (0-9)",
            " ".join(f"{colours[c] / sum(colours.values()):.0%}" for c in range(10)),
        ),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


@data_app.command("validate")
def validate(
    paths: Annotated[list[str], typer.Argument(metavar="PATH...", help="Task files or folders.")],
) -> None:
    """Check task files; exit 1 with one line per problem (file and JSON path), else 0."""
    from arcforge.data import validate_paths

    valid, problems = validate_paths(paths)
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.secho(f"{len(problems)} problem(s) found", fg="red", err=True)
        raise typer.Exit(1)
    typer.secho(f"ok: {valid} valid task(s)", fg="green", err=True)
