"""The command line as installed: commands built one at a time, bundled data parsed once
and by split, and every command the same as in the fully built Typer app."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer

from arcforge.cli import app
from arcforge.cli.lazy import LazyGroup, short_help
from arcforge.data import bundled
from arcforge.data.bundled import BUNDLED, _data_folder, _split_value, read_bundled


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "arcforge", *args], capture_output=True,
                          text=True, timeout=120)


def test_the_lazy_group_builds_each_command_as_typer_does() -> None:
    full = typer.main.get_command(app)
    lazy = LazyGroup(app, "arcforge")
    ctx = typer.Context(lazy)
    assert lazy.list_commands(ctx) == list(full.commands)  # type: ignore[attr-defined]
    assert lazy.commands == {}  # nothing built until asked for
    for name, command in full.commands.items():  # type: ignore[attr-defined]
        built = lazy.get_command(ctx, name)
        assert type(built) is type(command)
        assert [p.name for p in built.params] == [p.name for p in command.params], name
        assert built.help == command.help
        assert sorted(getattr(built, "commands", {})) == sorted(getattr(command, "commands", {}))
    assert lazy.get_command(ctx, "no-such-command") is None


def test_help_lists_every_command_with_its_first_sentence() -> None:
    result = run("--help")
    assert result.returncode == 0, result.stderr
    full = typer.main.get_command(app)
    listing = result.stdout.split("Commands:")[1]
    for name, command in full.commands.items():  # type: ignore[attr-defined]
        line = next(li for li in listing.splitlines() if li.split()[:1] == [name])
        first = " ".join(line.split()[1:]).removesuffix("...")
        assert (command.help or "").replace("\n", " ").startswith(first[:20]), name
    assert "╭" not in result.stdout  # plain click help: no Markdown parser loaded


def test_the_command_line_runs_a_command_and_refuses_unknown_ones() -> None:
    listed = run("data", "list", "arc-agi-1/evaluation", "--max-tasks", "2")
    assert listed.returncode == 0 and listed.stdout.split() == ["00576224", "009d5c81"]
    unknown = run("nosuch")
    assert unknown.returncode == 2 and "No such command 'nosuch'" in unknown.stderr
    bad = run("traces", "--bogus")
    assert bad.returncode == 2 and "No such option: --bogus" in bad.stderr


def test_short_help_takes_the_first_sentence_cut_on_a_word() -> None:
    assert short_help("Score a run. Then more.\n\nDetails.") == "Score a run"
    assert short_help("one two three four five six", 14) == "one two..."
    assert short_help("") == ""


@pytest.mark.parametrize("spec", list(BUNDLED))
def test_a_split_parsed_alone_equals_the_whole_file_parsed(spec: str) -> None:
    name, split = BUNDLED[spec]
    text = (_data_folder() / name).read_text(encoding="utf-8")
    alone = _split_value(text, split)
    if split == "eval":  # named once in the file: parsed alone
        assert alone is not None
    assert read_bundled(spec) == json.loads(text)[split]


def test_a_split_named_more_than_once_is_found_by_parsing_the_whole_file() -> None:
    text = json.dumps({"train": {"a": {"eval": 1}}, "eval": {"b": 2}})
    assert _split_value(text, "eval") is None  # "eval" also occurs inside a task
    assert _split_value(json.dumps({"eval" : {"b": 2}}), "eval") == {"b": 2}
    assert _split_value('{"x": "eval", "y": 1}', "eval") is None  # a value, not a key


def test_bundled_data_is_read_once_per_split() -> None:
    read_bundled.cache_clear()
    first = read_bundled("arc-agi-1/evaluation")
    assert read_bundled("arc-agi-1/evaluation") is first
    assert bundled.read_bundled.cache_info().hits == 1
