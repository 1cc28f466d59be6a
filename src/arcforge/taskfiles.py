"""Task files on disk: a per-task ``<id>.json``, a legacy ``dataset.json``, Kaggle files.

Each reader returns the tasks it could parse and every problem it found, so that
loading can refuse bad input and ``arcforge data validate`` can list it all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from arcforge.grids import grid_problem
from arcforge.tasks import Pair, Problem, Task, task_problems

Found = tuple[list[Task], list[Problem]]


class DuplicateKeyError(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d: dict[str, Any] = {}
    for key, value in pairs:
        if key in d:
            raise DuplicateKeyError(key)
        d[key] = value
    return d


def read_json(path: Path, strict_keys: bool = False) -> tuple[Any, Problem | None]:
    """Parse a JSON file; on failure return a problem naming the file (and line/column)."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        return None, Problem(name, "", "is a folder, expected a JSON file")
    except OSError as exc:
        return None, Problem(name, "", f"cannot read: {exc.strerror or exc}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, Problem(name, "", f"not UTF-8 text (byte {exc.start})")
    try:
        hook = _no_duplicate_keys if strict_keys else None
        return json.loads(text, object_pairs_hook=hook), None
    except DuplicateKeyError as exc:
        return None, Problem(name, "", f"duplicate key {exc.args[0]!r}")
    except json.JSONDecodeError as exc:
        return None, Problem(
            name, "", f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        )


def task_file(path: Path, data: Any) -> Found:
    """A per-task file: ``{"train": [...], "test": [...]}``; the id is the file name."""
    task, problems = task_problems(data, str(path), task_id=path.stem)
    return ([task] if task else []), problems


def dataset_file(path: Path, data: Any) -> Found:
    """A legacy ``dataset.json``: tasks with ``task_id``/``id``, ``version``, ``signed_by``."""
    tasks: list[Task] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, int], int] = {}
    for i, entry in enumerate(data):
        task, found = task_problems(entry, str(path), path=f"[{i}]")
        problems += found
        if task is None:
            continue
        key = (task.id, task.version)
        if key in seen:
            problems.append(
                Problem(
                    str(path),
                    f"[{i}]",
                    f"duplicate task {task.id} version {task.version} (also at [{seen[key]}])",
                )
            )
            continue
        seen[key] = i
        tasks.append(task)
    if not data:
        problems.append(Problem(str(path), "", "the list holds no tasks"))
    return tasks, problems


def solutions_path(challenges: Path) -> Path:
    return challenges.with_name(challenges.name.replace("_challenges.json", "_solutions.json"))


def _solution_problems(path: Path, solutions: Any) -> list[Problem]:
    if not isinstance(solutions, dict):
        return [
            Problem(
                str(path), "", f"expected an object of task ids, got {type(solutions).__name__}"
            )
        ]
    problems = []
    for tid, grids in solutions.items():
        if not isinstance(grids, list) or not grids:
            problems.append(Problem(str(path), tid, "expected a list of output grids"))
            continue
        for j, grid in enumerate(grids):
            problem = grid_problem(grid)
            if problem:
                problems.append(Problem(str(path), f"{tid}[{j}]", problem))
    return problems


def challenges_file(path: Path, data: Any) -> Found:
    """Kaggle ``*_challenges.json`` (``{id: task}``), with ``*_solutions.json`` when present."""
    tasks: list[Task] = []
    problems: list[Problem] = []
    if not data:
        problems.append(Problem(str(path), "", "holds no tasks"))
    for tid, entry in data.items():
        task, found = task_problems(entry, str(path), task_id=tid, path=tid)
        problems += found
        if task:
            tasks.append(task)
    sol_path = solutions_path(path)
    if sol_path != path and sol_path.exists():
        solutions, problem = read_json(sol_path, strict_keys=True)
        if problem:
            return tasks, [*problems, problem]
        sol_problems = _solution_problems(sol_path, solutions)
        if sol_problems:
            return tasks, problems + sol_problems
        joined = []
        for task in tasks:
            outputs = solutions.get(task.id)
            if outputs is None:
                joined.append(task)
                continue
            if len(outputs) != len(task.test):
                problems.append(
                    Problem(
                        str(sol_path),
                        task.id,
                        f"{len(outputs)} outputs for {len(task.test)} test inputs",
                    )
                )
                continue
            test = tuple(Pair(p.input, o) for p, o in zip(task.test, outputs, strict=True))
            joined.append(task.with_(test=test))
        tasks = joined
    return tasks, problems


def read_document(path: Path) -> Found:
    """Read any task document, recognising its kind from its name and shape."""
    data, problem = read_json(path, strict_keys=True)
    if problem:
        return [], [problem]
    if path.name.endswith("_solutions.json"):
        return [], _solution_problems(path, data)
    if isinstance(data, list):
        return dataset_file(path, data)
    if not isinstance(data, dict):
        return [], [Problem(str(path), "", f"expected a task object, got {type(data).__name__}")]
    if path.name.endswith("_challenges.json") or (
        data
        and "train" not in data
        and "test" not in data
        and all(isinstance(v, dict) for v in data.values())
    ):
        return challenges_file(path, data)
    return task_file(path, data)


def json_files(folder: Path) -> list[Path]:
    """Every ``*.json`` below a folder, sorted (solution files are read with their challenges)."""
    return sorted(p for p in folder.rglob("*.json") if p.is_file())
