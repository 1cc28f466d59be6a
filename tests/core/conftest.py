"""Fixtures for the foundation tests: task files of every format, made from the bundled data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arcforge.data import load_tasks
from arcforge.tasks import Task


@pytest.fixture(scope="session")
def eval2() -> list[Task]:
    """The 120 ARC-AGI-2 evaluation tasks (with test outputs)."""
    return load_tasks("arc-agi-2/evaluation")


def write_task_folder(tasks: list[Task], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        (folder / f"{task.id}.json").write_text(json.dumps(task.content()))
    return folder


@pytest.fixture
def task_folder(tmp_path: Path, eval2: list[Task]) -> Path:
    return write_task_folder(eval2, tmp_path / "tasks")
