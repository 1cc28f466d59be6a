"""Run folders in the bench's record format, written for the run viewer's tests."""

from __future__ import annotations

import json
from pathlib import Path

from arcforge.runfiles import JOURNAL, RUN_INFO, SUMMARY, TASKS, SampleRecord, tasks_hash
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


def write_hostile_run(runs: Path, task_id: str, answer: list[list[int]]) -> None:
    """Two run folders a page might trip on. ``hostile``: every string field holds script,
    bidi, NUL, a lone surrogate and template syntax, the task's answer is a sample output
    and in the summary, and a second record is malformed (skipped). ``broken``: its
    run.json cannot be read as a run (NaN samples)."""
    folder = runs / "hostile"
    folder.mkdir(parents=True)
    nasty = "<script>alert(1)</script>\udc80\u202e\x00 {{x}} ${y}"
    info = {"run_id": "hostile", "kind": "code", "model": nasty, "data": "/srv/secret/" + nasty,
            "started_at": nasty, "samples": 2, "task_ids": [[task_id, 0]],
            "settings": {"out": "/srv/secret", "keys_set": ["OPENAI_API_KEY"]},
            "base_url": "http://10.0.0.7/v1", "prompt": {"source": "/srv/p.txt", "text": nasty}}
    (folder / RUN_INFO).write_text(json.dumps(info))
    record = {"run_id": "hostile", "kind": "code", "task_id": task_id, "task_version": 0,
              "sample": 0, "model": nasty, "reasoning": nasty, "code": nasty,
              "provider_reasoning": nasty, "error": {"kind": nasty, "message": nasty},
              "latency_s": float("inf"), "verification": {"pairs": [
                  {"split": "test", "index": 0, "status": "pass", "output": answer,
                   "error": nasty}]}}
    malformed = {**record, "sample": 1, "verification": {"pairs": [
        {"split": nasty, "index": nasty, "status": nasty, "output": nasty}]}}
    (folder / JOURNAL).write_text(json.dumps(record) + "\n" + json.dumps(malformed) + "\n")
    (folder / SUMMARY).write_text(json.dumps({"model": nasty, "tasks": [
        {"task_id": task_id, "version": 0, "tests": [{"index": 0, "expected": answer,
                                                       "attempt_1": answer}]},
        "not an object", {"task_id": 5}]}))
    broken = runs / "broken"
    broken.mkdir()
    (broken / RUN_INFO).write_text(json.dumps({**info, "run_id": "broken",
                                               "samples": float("nan")}))
    (broken / JOURNAL).write_text(json.dumps({**record, "run_id": "broken"}) + "\n")
