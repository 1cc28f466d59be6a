"""Task and Pair models, parsing with precise error paths, and content hashing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

from arcforge.errors import ArcforgeError
from arcforge.grids import Grid, grid_problem


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: where (file and JSON path) and what."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.path) if part)
        return f"{where}: {self.message}" if where else self.message


class TaskFormatError(ArcforgeError):
    """One or more problems in task data; the message lists each on its own line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True, slots=True)
class Pair:
    """A demonstration or test pair; a test output may be unknown (None)."""

    input: Grid
    output: Grid | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"input": self.input}
        if self.output is not None:
            d["output"] = self.output
        return d


@dataclass(frozen=True, slots=True)
class Task:
    """An ARC task. ``version`` 0 is the original; variations record parent and transform."""

    id: str
    train: tuple[Pair, ...]
    test: tuple[Pair, ...]
    version: int = 0
    signed_by: tuple[str, ...] = ()
    parent: tuple[str, int] | None = None
    transform: tuple[dict[str, Any], ...] = field(default=())

    @property
    def key(self) -> str:
        """``id`` for originals, ``id@version`` for variations."""
        return self.id if self.version == 0 else f"{self.id}@{self.version}"

    def content(self) -> dict[str, Any]:
        """The ARC file content: only ``train`` and ``test``."""
        return {
            "train": [p.to_dict() for p in self.train],
            "test": [p.to_dict() for p in self.test],
        }

    def content_hash(self) -> str:
        """sha256 of the canonical JSON of train and test (identifies identical content)."""
        canonical = json.dumps(self.content(), separators=(",", ":"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """The legacy ``dataset.json`` entry form (with id, version and signatures)."""
        d: dict[str, Any] = {"task_id": self.id, "version": self.version}
        d["signed_by"] = list(self.signed_by)
        if self.parent is not None:
            d["parent"] = {"task_id": self.parent[0], "version": self.parent[1]}
        if self.transform:
            d["transform"] = list(self.transform)
        d.update(self.content())
        return d

    def with_(self, **changes: Any) -> Task:
        return replace(self, **changes)

    def without_test_outputs(self) -> Task:
        return replace(self, test=tuple(Pair(p.input) for p in self.test))


def _pairs(
    value: Any, name: str, file: str, problems: list[Problem], output_required: bool
) -> tuple[Pair, ...]:
    if value is None:
        problems.append(Problem(file, "", f"missing '{name}'"))
        return ()
    if not isinstance(value, list):
        problems.append(
            Problem(file, name, f"expected a list of pairs, got {type(value).__name__}")
        )
        return ()
    if not value:
        problems.append(Problem(file, name, "has no pairs, at least 1 needed"))
        return ()
    pairs = []
    for i, item in enumerate(value):
        where = f"{name}[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem(file, where, f"expected an object, got {type(item).__name__}"))
            continue
        grids: dict[str, Grid | None] = {}
        for part in ("input", "output"):
            grid = item.get(part)
            if grid is None:
                if part == "input" or output_required:
                    problems.append(Problem(file, f"{where}.{part}", "missing"))
                grids[part] = None
                continue
            problem = grid_problem(grid)
            if problem is not None:
                problems.append(Problem(file, f"{where}.{part}", problem))
            grids[part] = grid
        if grids["input"] is not None:
            pairs.append(Pair(grids["input"], grids["output"]))
    return tuple(pairs)


def task_problems(
    data: Any, file: str = "", task_id: str | None = None, path: str = ""
) -> tuple[Task | None, list[Problem]]:
    """Parse one task object; return the task (None when invalid) and every problem found.

    ``path`` prefixes JSON paths when the task sits inside a larger document.
    """
    problems: list[Problem] = []
    prefix = f"{path}." if path else ""
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else type(data).__name__
        return None, [Problem(file, path, f"expected a task object, got {kind}")]
    local: list[Problem] = []
    train = _pairs(data.get("train"), "train", file, local, output_required=True)
    test = _pairs(data.get("test"), "test", file, local, output_required=False)
    for p in local:
        problems.append(Problem(p.file, f"{prefix}{p.path}" if p.path else path, p.message))
    tid = task_id if task_id is not None else data.get("task_id", data.get("id"))
    if not isinstance(tid, str) or not tid:
        problems.append(Problem(file, f"{prefix}task_id", "missing task id"))
    version = data.get("version", 0)
    if type(version) is not int or version < 0:
        problems.append(Problem(file, f"{prefix}version", f"{version!r} is not an int >= 0"))
    signed_by = data.get("signed_by", [])
    if isinstance(signed_by, str):
        signed_by = [signed_by]
    if not isinstance(signed_by, list) or not all(isinstance(s, str) for s in signed_by):
        problems.append(Problem(file, f"{prefix}signed_by", "expected a list of names"))
    if problems:
        return None, problems
    parent = data.get("parent")
    parent_ref = None
    if isinstance(parent, dict) and "task_id" in parent:
        parent_ref = (str(parent["task_id"]), int(parent.get("version", 0)))
    transform = data.get("transform") or ()
    return (
        Task(
            id=tid,
            train=train,
            test=test,
            version=version,
            signed_by=tuple(signed_by),
            parent=parent_ref,
            transform=tuple(transform),
        ),
        [],
    )


def parse_task(data: Any, file: str = "", task_id: str | None = None, path: str = "") -> Task:
    """Parse one task object or raise :class:`TaskFormatError` listing every problem."""
    task, problems = task_problems(data, file, task_id, path)
    if problems:
        raise TaskFormatError(problems)
    assert task is not None
    return task
