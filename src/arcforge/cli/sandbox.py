"""``arcforge sandbox check`` and ``arcforge exec``: what the sandbox holds, and code run in it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

console = Console()
sandbox_app = typer.Typer(help="Check the sandbox that runs model-written code.",
                          no_args_is_help=True)

Isolation = Annotated[str | None, typer.Option(
    "--isolation", help="auto (bubblewrap when installed), bwrap or process "
    "(default: $ARCFORGE_SANDBOX_ISOLATION, else auto).")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
STATUS_STYLE = {"pass": "green", "fail": "red", "error": "magenta", "timeout": "yellow",
                "invalid_output": "magenta", "unchecked": "cyan", "pending": "dim"}


def register(app: typer.Typer) -> None:
    app.add_typer(sandbox_app, name="sandbox")
    app.command("exec")(exec_code)


@sandbox_app.command("check")
def check(isolation: Isolation = None, as_json: Json = False) -> None:
    """Probe which protections a program gets on this machine; exit 1 if it cannot run code."""
    from arcforge.sandbox import check as run_check

    report = run_check(isolation)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=1))
    else:
        console.print(report.table())
        if report.ready:
            missing = ", ".join(report.missing)
            console.print("[green]ready[/]: programs can run here" + (
                f" (missing optional layers: {missing})" if missing else ""))
        else:
            console.print("[bold red]not ready[/]: a required layer is missing; "
                          "the sandbox refuses to run programs")
    if not report.ready:
        raise typer.Exit(1)


def _load_task(data: str, task: str):
    from arcforge.data import load_tasks
    from arcforge.errors import ArcforgeError, UsageError

    base, _, version = task.partition("@")
    try:
        tasks = load_tasks(data, [base])
    except ArcforgeError as exc:
        raise UsageError(f"--data {data} --task {task}: {exc}") from None
    if version:
        tasks = [t for t in tasks if str(t.version) == version]
    if not tasks:
        raise UsageError(f"--task {task}: not found in {data}")
    return tasks[0]


def exec_code(
    code_file: Annotated[Path, typer.Argument(metavar="CODE_FILE",
                                              help="A Python file defining solve_task(grid).")],
    data: Annotated[str, typer.Option("--data", help="Data source holding the task.")],
    task: Annotated[str, typer.Option("--task", help="Task id (id@version for a variation).")],
    as_json: Json = False,
    timeout: Annotated[float | None, typer.Option(
        "--timeout", min=0.05, help="Seconds to load and per input "
        "(default: $ARCFORGE_SANDBOX_TIMEOUT_S, else 5).")] = None,
    memory_mb: Annotated[int | None, typer.Option(
        "--memory-mb", min=256, help="Address-space limit in MB "
        "(default: $ARCFORGE_SANDBOX_MEMORY_MB, else 1024).")] = None,
    isolation: Isolation = None,
) -> None:
    """Run solve_task from CODE_FILE on every train and test input of a task, in the sandbox."""
    from arcforge.errors import UsageError
    from arcforge.sandbox import verify

    try:
        code = code_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"CODE_FILE {code_file}: cannot read: {exc}") from None
    the_task = _load_task(data, task)
    verification = verify(code, the_task, timeout_s=timeout, memory_mb=memory_mb,
                          isolation=isolation)
    if as_json:
        typer.echo(json.dumps({"task": the_task.key, **verification.to_dict()}))
        return
    _print_verification(the_task, verification)


def _print_verification(task, verification) -> None:
    from rich.table import Table

    from arcforge.render import grid_text

    table = Table(title=f"{escape(task.key)}: {len(verification.pairs)} pairs in "
                  f"{verification.duration_s * 1000:.0f} ms")
    for column in ("pair", "status", "output", "expected", "detail"):
        table.add_column(column)
    for verdict in verification.pairs:
        pairs = task.train if verdict.split == "train" else task.test
        expected = pairs[verdict.index].output
        show = verdict.status in ("fail", "unchecked")
        table.add_row(
            f"{verdict.split}[{verdict.index}]",
            f"[{STATUS_STYLE.get(verdict.status, 'white')}]{verdict.status}[/]",
            grid_text(verdict.output, numbers=True) if show and verdict.output else "",
            grid_text(expected, numbers=True) if verdict.status == "fail" and expected else "",
            escape(verdict.error or ""),
        )
    console.print(table)
    train = verification.split("train")
    console.print(f"train: {sum(p.status == 'pass' for p in train)}/{len(train)} pass")
