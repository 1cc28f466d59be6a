"""Hand-built run folders with known answers, written the way the runner writes them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from arcforge.grids import Grid
from arcforge.runfiles import SampleRecord, tasks_hash
from arcforge.tasks import Pair, Task
from arcforge.verification import PairVerdict, Verification

RIGHT, WRONG, OTHER, THIRD = [[1]], [[2]], [[3]], [[4]]
MODEL = "openrouter/acme/coder-1"


def task(task_id: str, n_train: int, expected: list[Grid | None]) -> Task:
    """Train outputs are ``[[5 + i]]``; test outputs ``expected``."""
    return Task(task_id, tuple(Pair([[0]], [[5 + i]]) for i in range(n_train)),
                tuple(Pair([[0]], e) for e in expected))


def record(t: Task, sample: int, train_right: int, tests: list[Grid | None],
           error: dict[str, str] | None = None, claim_train_pass: bool = False) -> SampleRecord:
    """A sample whose program gets ``train_right`` train pairs right and answers ``tests``."""
    pairs = []
    for i, pair in enumerate(t.train):
        output = pair.output if i < train_right else [[9]]
        status = "pass" if i < train_right or claim_train_pass else "fail"
        pairs.append(PairVerdict("train", i, status, output))
    for i, output in enumerate(tests):
        status = "unchecked" if output is not None else "error"
        pairs.append(PairVerdict("test", i, status, output, None if output else "ValueError"))
    return SampleRecord(
        run_id="run-1", kind="code", task_id=t.id, task_version=0, sample=sample, model=MODEL,
        messages=[{"role": "system", "content": "solve"}, {"role": "user", "content": "task"}],
        response=f"```python\n# sample {sample}\n```", code="def solve_task(g): ...",
        usage={"input_tokens": 100, "output_tokens": 40, "reasoning_tokens": 7},
        cost=0.002, latency_s=1.5, tries=1, finish_reason="stop", error=error,
        verification=Verification(pairs, 0.01),
        started_at="2026-11-27T10:00:00.000Z", finished_at="2026-11-27T10:00:01.500Z")


def write_run(run_dir: Path, tasks: list[Task], records: list[SampleRecord], samples: int,
              with_tasks_file: bool = True, data: str = "(tasks given in-process)") -> Path:
    run_dir.mkdir(parents=True)
    info: dict[str, Any] = {
        "run_id": "run-1", "kind": "code", "created_at": "2026-11-27T09:59:00.000Z",
        "arcforge_version": "0.1.0", "model": MODEL, "data": data,
        "task_ids": [[t.id, t.version] for t in tasks], "samples": samples,
        "temperature": 0.7, "max_tokens": 4096,
    }
    if with_tasks_file:
        info.update(tasks_file="tasks.json", tasks_sha256=tasks_hash(tasks))
        (run_dir / "tasks.json").write_text(json.dumps([t.to_dict() for t in tasks]))
    (run_dir / "run.json").write_text(json.dumps(info))
    with (run_dir / "results.jsonl").open("w") as fh:
        for r in records:
            fh.write(json.dumps(r.to_dict()) + "\n")
    return run_dir


def known_run(run_dir: Path) -> tuple[Path, list[Task], dict[str, dict[str, float]]]:
    """Six tasks covering selection, errors and missing samples; the expected scores."""
    a = task("a", 2, [RIGHT])
    b = task("b", 2, [RIGHT, OTHER])
    c = task("c", 2, [RIGHT, RIGHT, OTHER])
    d = task("d", 2, [RIGHT])
    e = task("e", 2, [OTHER])
    f = task("f", 3, [RIGHT])
    timeout = {"kind": "timeout", "message": "request timed out"}
    records = [
        # a: the output of two train-passing programs beats the right one of a single one
        record(a, 0, 1, [THIRD], claim_train_pass=True),  # claims pass; judged again: 1/2
        record(a, 1, 2, [RIGHT]),
        record(a, 2, 2, [WRONG]),
        record(a, 3, 2, [WRONG]),
        # b: attempt 1 right on test 0; test 1 only right as attempt 2
        record(b, 0, 2, [RIGHT, WRONG]),
        record(b, 1, 0, [None, None], error=timeout),
        record(b, 2, 0, [WRONG, OTHER]),
        # c: every sample errored; one errored record even holds right outputs
        record(c, 0, 2, [RIGHT, RIGHT, OTHER], error=timeout),
        record(c, 1, 0, [None, None, None], error={"kind": "extraction", "message": "no code"}),
        # d: no sample finished at all
        # e: same train accuracy, one vote each: the earliest sample's output first
        record(e, 0, 1, [WRONG]),
        record(e, 1, 1, [OTHER]),
        # f: higher train accuracy beats three votes
        record(f, 0, 1, [WRONG]),
        record(f, 1, 1, [WRONG]),
        record(f, 2, 1, [WRONG]),
        record(f, 3, 2, [RIGHT]),
    ]
    tasks = [a, b, c, d, e, f]
    expected = {
        "per_task": {"pass@1": (0 + 0.5 + 0 + 0 + 0 + 1) / 6, "pass@2": 4 / 6, "oracle": 4 / 6},
        "per_test_output": {"pass@1": 2 / 9, "pass@2": 5 / 9, "oracle": 5 / 9},
    }
    return write_run(run_dir, tasks, records, samples=4), tasks, expected
