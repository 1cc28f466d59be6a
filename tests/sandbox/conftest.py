"""Shared pieces of the sandbox tests: a small task and a pool per module."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import pytest_asyncio

from arcforge.sandbox import SandboxPool
from arcforge.tasks import Pair, Task

# mirror each row left-right
TRAIN = [
    ([[1, 2, 3], [4, 5, 6]], [[3, 2, 1], [6, 5, 4]]),
    ([[7, 0], [0, 8]], [[0, 7], [8, 0]]),
]
TEST = ([[1, 0, 0], [2, 2, 0]], [[0, 0, 1], [0, 2, 2]])

GOOD = "def solve_task(grid):\n    return [row[::-1] for row in grid]\n"
TIMEOUT_S = 1.0


def mirror_task(with_test_output: bool = True) -> Task:
    return Task(
        "mirror",
        tuple(Pair(i, o) for i, o in TRAIN),
        (Pair(TEST[0], TEST[1] if with_test_output else None),),
    )


@pytest.fixture
def task() -> Task:
    return mirror_task()


@pytest.fixture
def task_dir(tmp_path: Path) -> Path:
    """A folder holding mirror.json, for ``arcforge exec --data``."""
    folder = tmp_path / "tasks"
    folder.mkdir()
    (folder / "mirror.json").write_text(json.dumps(mirror_task().content()))
    return folder


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def pool():
    async with SandboxPool(workers=2, timeout_s=TIMEOUT_S, memory_mb=768) as p:
        yield p
