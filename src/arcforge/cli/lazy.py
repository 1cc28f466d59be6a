"""The top-level command group, built one command at a time.

Typer turns every command's signature into click parameters before it runs anything
(about 60 ms for arcforge's 30 commands: each annotation is evaluated). :class:`LazyGroup`
lists the commands and their one-line help from what the Typer app registered, and builds
only the command that runs (or whose help is asked for) through Typer itself, so a command
behaves exactly as it does in the fully built app (``typer.main.get_command(app)``, which
the tests' ``CliRunner`` uses).
"""

from __future__ import annotations

import inspect
from typing import Any

import typer
from typer.core import TyperGroup
from typer.main import get_group, solve_typer_info_help
from typer.models import CommandInfo, TyperInfo

Entry = CommandInfo | TyperInfo
SHORT = 45  # the fewest characters of a command's line in the listing


def short_help(text: str, limit: int = SHORT) -> str:
    """A help text's first sentence, cut to ``limit`` characters on a word."""
    first = " ".join(text.split("\n\n")[0].split())
    end = first.find(". ")
    if end >= 0:
        first = first[:end]
    first = first.removesuffix(".")
    if len(first) <= limit:
        return first
    return first[:limit - 3].rsplit(" ", 1)[0] + "..."


def _name(entry: Entry) -> str:
    if isinstance(entry, TyperInfo):
        assert isinstance(entry.name, str)  # every group is added with a name
        return entry.name
    assert entry.callback is not None
    return entry.name or entry.callback.__name__.lower().replace("_", "-")


def _help(entry: Entry) -> str:
    if isinstance(entry, TyperInfo):
        return solve_typer_info_help(entry)
    if entry.help is not None:
        return inspect.cleandoc(entry.help)
    return inspect.getdoc(entry.callback) or ""


class LazyGroup(TyperGroup):
    """``app``'s commands and groups, each built by Typer on first use."""

    def __init__(self, app: typer.Typer, name: str) -> None:
        super().__init__(
            name=name,
            help=inspect.cleandoc(app.info.help) if isinstance(app.info.help, str) else None,
            no_args_is_help=bool(app.info.no_args_is_help),
            rich_markup_mode=app.rich_markup_mode,
        )
        self._app = app
        self._entries: dict[str, Entry] = {}
        for entry in [*app.registered_commands, *app.registered_groups]:
            if not entry.hidden:
                self._entries[_name(entry)] = entry

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(self._entries)

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in self._entries:
            self.commands[cmd_name] = self._build(self._entries[cmd_name], cmd_name)
        return self.commands.get(cmd_name)

    def _build(self, entry: Entry, cmd_name: str) -> Any:
        one = typer.Typer(rich_markup_mode=self._app.rich_markup_mode,
                          pretty_exceptions_enable=False, add_completion=False)
        if isinstance(entry, TyperInfo):
            one.registered_groups.append(entry)
        else:
            one.registered_commands.append(entry)
        return get_group(one).commands[cmd_name]

    def format_commands(self, ctx: typer.Context, formatter: Any) -> None:
        """The commands and their one-line help, without building them."""
        if not self._entries:
            return
        limit = max(SHORT, formatter.width - 6 - max(map(len, self._entries)))
        rows = [(name, short_help(_help(e), limit)) for name, e in self._entries.items()]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
