"""The ``arcforge data`` commands, run as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.core.conftest import write_task_folder
from typer.testing import CliRunner

from arcforge.cli import app
from arcforge.data import load_tasks

runner = CliRunner()


@pytest.mark.parametrize(
    ("spec", "count"), [("arc-agi-2/evaluation", 120), ("arc-agi-1/training", 400)]
)
def test_list_prints_one_id_per_line(spec, count):
    result = runner.invoke(app, ["data", "list", spec])
    assert result.exit_code == 0
    ids = result.output.split()
    assert len(ids) == count == len(set(ids))


def test_list_with_filters():
    result = runner.invoke(app, ["data", "list", "arc-agi-1/training", "--max-tasks", "3"])
    assert result.output.split() == ["007bbfb7", "00d62c1b", "017c7c7b"]


def test_show_prints_the_grids():
    result = runner.invoke(app, ["data", "show", "arc-agi-1/training", "007bbfb7", "--numbers"])
    assert result.exit_code == 0
    assert "007bbfb7 train[0]" in result.output and "output 9x9" in result.output
    assert "0 7 7" in result.output


def test_stats_summarise_the_source():
    result = runner.invoke(app, ["data", "stats", "arc-agi-2/evaluation"])
    assert result.exit_code == 0
    assert "120" in result.output and "test inputs" in result.output


def test_validate_accepts_every_bundled_set_written_as_task_files(tmp_path: Path):
    folders = []
    for spec in (
        "arc-agi-1/training",
        "arc-agi-1/evaluation",
        "arc-agi-2/training",
        "arc-agi-2/evaluation",
    ):
        folders.append(str(write_task_folder(load_tasks(spec), tmp_path / spec)))
    result = runner.invoke(app, ["data", "validate", *folders])
    assert result.exit_code == 0, result.output
    # arc-agi-1 and arc-agi-2 share task ids, so each folder is checked on its own too
    for folder in folders:
        assert runner.invoke(app, ["data", "validate", folder]).exit_code == 0
