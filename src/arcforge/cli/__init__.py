"""The ``arcforge`` command: one Typer app; each area registers its commands from its module.

Heavy libraries (web server, model SDKs, database) are imported inside commands, the
command line runs through :class:`arcforge.cli.lazy.LazyGroup` (only the command that runs
is built) and help is plain click text (Typer's rich help loads a Markdown parser, 50 ms),
so that ``arcforge --help`` and the data commands start fast.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from arcforge.errors import ArcforgeError

app = typer.Typer(
    name="arcforge",
    help="Studio and bench for ARC-AGI: browse, solve, vary and trace tasks; benchmark models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)

err_console = Console(stderr=True)


def _register() -> None:
    from arcforge.cli import bench, checks, data, demo, report, sandbox, scoring, store, web

    for module in (data, bench, sandbox, scoring, store, checks, report, web, demo):
        module.register(app)


_register()


def main() -> None:
    """Console entry point: run the app, turning arcforge errors into clear messages."""
    from arcforge.cli.lazy import LazyGroup

    try:
        LazyGroup(app, "arcforge").main(prog_name="arcforge")
    except ArcforgeError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]")
        sys.exit(130)
