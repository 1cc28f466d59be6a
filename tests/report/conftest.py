"""A hand-built code run with known answers, for the report tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arcforge.runfiles import JOURNAL, RUN_INFO, TASKS, SampleRecord, tasks_hash
from arcforge.tasks import Pair, Task

FLIP = Task(
    id="flip0001",
    train=(Pair([[1, 2]], [[2, 1]]), Pair([[3, 4, 5]], [[5, 4, 3]])),
    test=(Pair([[6, 7]], [[7, 6]]), Pair([[8, 9]], [[9, 8]])),
)
FILL = Task(id="fill0002", train=(Pair([[0, 0]], [[3, 3]]),), test=(Pair([[0]], [[3]]),))


def _pairs(task: Task, outputs: dict[tuple[str, int], list[list[int]] | None]) -> dict:
    pairs = []
    for split, items in (("train", task.train), ("test", task.test)):
        for i, pair in enumerate(items):
            out = outputs.get((split, i))
            status = "error" if out is None else ("pass" if out == pair.output else "fail")
            pairs.append(
                {
                    "split": split,
                    "index": i,
                    "status": status,
                    "output": out,
                    "error": "ValueError: boom" if out is None else None,
                }
            )
    return {"pairs": pairs, "duration_s": 0.01}


def make_run(run_dir: Path) -> Path:
    """flip0001: sample 0 right everywhere, sample 1 wrong on test[1]; fill0002: errored."""
    run_dir.mkdir(parents=True)
    tasks = [FLIP, FILL]
    (run_dir / TASKS).write_text(json.dumps([t.to_dict() for t in tasks]))
    info = {
        "run_id": run_dir.name,
        "kind": "code",
        "model": "test/model",
        "data": "hand-built",
        "task_ids": [[t.id, 0] for t in tasks],
        "tasks_file": TASKS,
        "tasks_sha256": tasks_hash(tasks),
        "samples": 2,
        "created_at": "2026-01-01T00:00:00Z",
        "arcforge_version": "test",
    }
    (run_dir / RUN_INFO).write_text(json.dumps(info))
    right = {
        ("train", 0): [[2, 1]],
        ("train", 1): [[5, 4, 3]],
        ("test", 0): [[7, 6]],
        ("test", 1): [[9, 8]],
    }
    wrong = {**right, ("test", 1): [[8, 8]]}
    xss = 'Rule: mirror.\n<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script>'
    records = [
        SampleRecord(
            run_id=run_dir.name,
            kind="code",
            task_id=FLIP.id,
            task_version=0,
            sample=0,
            model="test/model",
            reasoning=xss,
            code="def solve_task(g):\n    return [r[::-1] for r in g]",
            verification=_pairs(FLIP, right),
            latency_s=1.5,
            usage={"input_tokens": 100, "output_tokens": 50, "reasoning_tokens": 0},
            cost=0.002),
        SampleRecord(
            run_id=run_dir.name,
            kind="code",
            task_id=FLIP.id,
            task_version=0,
            sample=1,
            model="test/model",
            reasoning="close",
            code="def solve_task(g):\n    return g",
            verification=_pairs(FLIP, wrong),
            latency_s=2.5,
            cost=0.001),
        SampleRecord(
            run_id=run_dir.name,
            kind="code",
            task_id=FILL.id,
            task_version=0,
            sample=0,
            model="test/model",
            error={"kind": "timeout", "message": "no answer in 300 s"}),
    ]
    with (run_dir / JOURNAL).open("w") as fh:
        for record in records:
            fh.write(json.dumps(record.to_dict()) + "\n")
    return run_dir


@pytest.fixture
def code_run(tmp_path: Path) -> Path:
    return make_run(tmp_path / "runs" / "codegen-test-run")
