"""One entry point for every data source named by a ``--data SPEC``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from arcforge.data.bundled import BUNDLED, bundled_file, read_bundled
from arcforge.data.select import select_tasks
from arcforge.errors import ArcforgeError
from arcforge.taskfiles import json_files, read_document
from arcforge.tasks import Problem, Task, TaskFormatError, task_problems


class DataError(ArcforgeError):
    """A data source that cannot be used as given."""


def resolve_source(spec: str) -> str:
    """Name the kind of source a spec denotes: bundled, store, folder or file."""
    if spec in BUNDLED:
        return "bundled"
    if spec == "store" or spec.startswith("store:"):
        return "store"
    path = Path(spec)
    if path.is_dir():
        return "folder"
    if path.exists():
        return "file"
    raise DataError(
        f"data source {spec!r}: unknown: not a bundled set "
        f"({', '.join(BUNDLED)}), not 'store', and no file or folder at that path"
    )


def _load_bundled(spec: str) -> tuple[list[Task], list[Problem]]:
    tasks, problems = [], []
    name = bundled_file(spec)
    for tid, entry in sorted(read_bundled(spec).items()):
        task, found = task_problems(entry, name, task_id=tid, path=tid)
        problems += found
        if task:
            tasks.append(task)
    return tasks, problems


def _load_paths(paths: Sequence[Path]) -> tuple[list[Task], list[Problem]]:
    tasks: list[Task] = []
    problems: list[Problem] = []
    where: dict[tuple[str, int], Path] = {}
    for path in paths:
        found_tasks, found = read_document(path)
        problems += found
        for task in found_tasks:
            key = (task.id, task.version)
            if key in where and where[key] != path:
                problems.append(
                    Problem(
                        str(path),
                        "",
                        f"duplicate task id {task.id} "
                        f"(version {task.version}) also in {where[key]}",
                    )
                )
                continue
            where[key] = path
            tasks.append(task)
    return tasks, problems


def _load_store(spec: str) -> list[Task]:
    from arcforge.store.source import load_store_tasks  # lazy: the store is optional here

    return load_store_tasks(None if spec == "store" else spec.removeprefix("store:"))


def load_tasks(
    spec: str,
    task_ids: Sequence[str] | None = None,
    max_tasks: int | None = None,
) -> list[Task]:
    """Load the tasks of a source, filtered by ``task_ids`` and ``max_tasks``.

    Raises :class:`DataError` for an unknown spec and :class:`TaskFormatError` (listing
    every problem with its file and JSON path) for invalid content.
    """
    kind = resolve_source(spec)
    if kind == "store":
        tasks, problems = _load_store(spec), []
    elif kind == "bundled":
        tasks, problems = _load_bundled(spec)
    elif kind == "folder":
        files = json_files(Path(spec))
        if not files:
            raise DataError(f"data source {spec!r}: the folder holds no .json files")
        tasks, problems = _load_paths(files)
    else:
        tasks, problems = _load_paths([Path(spec)])
    if problems:
        raise TaskFormatError(problems)
    if not tasks:
        raise DataError(f"data source {spec!r}: no tasks found")
    return select_tasks(tasks, task_ids, max_tasks, source=spec)


def validate_paths(paths: Sequence[str]) -> tuple[int, list[Problem]]:
    """Check files and folders, each as a source of its own (ids must be unique within it).

    Return how many tasks were valid and every problem found.
    """
    valid = 0
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = json_files(path)
            if not files:
                problems.append(Problem(raw, "", "the folder holds no .json files"))
        elif path.exists():
            files = [path]
        else:
            problems.append(Problem(raw, "", "no such file or folder"))
            continue
        tasks, found = _load_paths(files)
        valid += len(tasks)
        problems += found
    return valid, problems
