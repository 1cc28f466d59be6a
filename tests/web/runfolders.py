"""Run folders in the bench's record format, written for the run viewer's tests."""

from __future__ import annotations

import json
from pathlib import Path

from arcforge.runs.info import TASKS, tasks_hash
from arcforge.runs.records import JOURNAL, RUN_INFO, SampleRecord
from arcforge.tasks import parse_task


def verdicts(outputs: dict[tuple[str, int], tuple[str, list[list[int]] | None]]) -> dict:
    return {
        "pairs": [
            {"split": split, "index": index, "status": status, "output": out, "error": None}
            for (split, index), (status, out) in outputs.items()
        ],
        "duration_s": 0.01,
    }


def snapshot(folder: Path, tasks: dict[str, dict]) -> dict[str, object]:
    """Write the run's ``tasks.json`` as the runner does; return its run.json fields."""
    parsed = [parse_task(content, task_id=tid) for tid, content in tasks.items()]
    (folder / TASKS).write_text(json.dumps([t.to_dict() for t in parsed]))
    return {"task_ids": [[t.id, t.version] for t in parsed], "tasks_file": TASKS,
            "tasks_sha256": tasks_hash(parsed)}


def write_run(runs: Path, run_id: str, records: list[SampleRecord],
              tasks: dict[str, dict] | None = None, **info: object) -> Path:
    folder = runs / run_id
    folder.mkdir(parents=True)
    if tasks is not None:
        info = {**info, **snapshot(folder, tasks)}
    (folder / RUN_INFO).write_text(json.dumps({"run_id": run_id, **info}))
    (folder / JOURNAL).write_text("".join(json.dumps(r.to_dict()) + "\n" for r in records))
    return folder
