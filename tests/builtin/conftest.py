"""Fixtures for the builtin model: ARC tasks by id and a subprocess runner for its code."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache

import pytest

from arcforge.data import load_tasks
from arcforge.tasks import Task

# runs every (code, inputs) job in a child interpreter; each program gets a fresh namespace
RUNNER = r"""
import json, sys
jobs = json.load(sys.stdin)
results = []
for code, inputs in jobs:
    namespace = {"__name__": "solution"}
    exec(compile(code, "<solution>", "exec"), namespace)
    outs = []
    for grid in inputs:
        try:
            outs.append(namespace["solve_task"](grid))
        except Exception as exc:
            outs.append({"error": type(exc).__name__ + ": " + str(exc)})
    results.append(outs)
json.dump(results, sys.stdout)
"""


def run_programs(jobs: list[tuple[str, list]]) -> list[list]:
    """Run each program's ``solve_task`` on its inputs in a separate Python process."""
    proc = subprocess.run(
        [sys.executable, "-I", "-c", RUNNER],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@cache
def _training() -> dict[str, Task]:
    return {t.id: t for t in load_tasks("arc-agi-1/training")}


@pytest.fixture(scope="session")
def training() -> dict[str, Task]:
    return _training()
