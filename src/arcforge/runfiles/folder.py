"""The run folder on disk: its file names, ``run.json``, the task snapshot and the final
results file.

    runs/<run_id>/run.json                        RunInfo: resolved configuration
    runs/<run_id>/tasks.json                      the tasks of the run (dataset.json form)
    runs/<run_id>/results.jsonl                   journal: one SampleRecord per line
    runs/<run_id>/results_<YYYYMMDD_HHMMSS>.json  {"metadata": FinalMetadata, "results": [...]}
    runs/<run_id>/summary.json, submission/, submission.json, report.html  (finishing)
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from arcforge.atomic import atomic_file, write_json_atomic
from arcforge.runfiles.jsonl import RunFileError, iter_lines
from arcforge.runfiles.records import FinalMetadata, RunInfo, SampleRecord, goes_on
from arcforge.tasks import Problem, Task, TaskFormatError, task_problems

RUN_INFO = "run.json"
TASKS = "tasks.json"
JOURNAL = "results.jsonl"
FINAL_PREFIX = "results_"
SUMMARY = "summary.json"
REPORT = "report.html"
LOG = "run.log"
SUBMISSION_DIR = "submission"
KAGGLE_SUBMISSION = "submission.json"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def validation_message(exc: ValidationError) -> str:
    """``field.path: message`` for each problem pydantic found (at most three)."""
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "(the object)"
        parts.append(f"{where}: {err['msg']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def parse_run_info(data: Any, where: str) -> RunInfo:
    if not isinstance(data, dict) or "run_id" not in data:
        raise RunFileError(f"{where}: not a run description (no run_id)")
    try:
        return RunInfo.model_validate(data)
    except ValidationError as exc:
        raise RunFileError(f"{where}: {validation_message(exc)}") from None


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunFileError(f"{path}: cannot read: {exc}") from None


def read_run_info(run_dir: str | Path) -> RunInfo:
    """The ``run.json`` of a run folder (resolved configuration, no keys)."""
    path = Path(run_dir) / RUN_INFO
    if not path.is_file():
        raise RunFileError(f"{run_dir}: not a run folder (no {RUN_INFO})")
    return parse_run_info(read_json(path), str(path))


def write_run_info(run_dir: Path, info: RunInfo) -> None:
    write_json_atomic(Path(run_dir) / RUN_INFO, info.to_dict())


def tasks_hash(tasks: list[Task]) -> str:
    """sha256 over every task's key and content hash, in order."""
    digest = hashlib.sha256()
    for task in tasks:
        digest.update(f"{task.id}\0{task.version}\0{task.content_hash()}\n".encode())
    return digest.hexdigest()


def write_tasks(run_dir: Path, tasks: list[Task]) -> None:
    write_json_atomic(Path(run_dir) / TASKS, [t.to_dict() for t in tasks], indent=None)


def read_tasks(run_dir: Path, info: RunInfo) -> list[Task]:
    """The task snapshot of a run, checked against ``tasks_sha256`` in ``run.json``."""
    path = Path(run_dir) / info.tasks_file
    if not path.is_file():
        raise RunFileError(f"{run_dir}: the run has no {path.name}")
    entries = read_json(path)
    if not isinstance(entries, list):
        raise RunFileError(f"{path}: expected a list of tasks")
    tasks: list[Task] = []
    problems: list[Problem] = []
    for i, entry in enumerate(entries):
        task, found = task_problems(entry, str(path), path=f"[{i}]")
        problems += found
        if task is not None:
            tasks.append(task)
    if problems:
        raise TaskFormatError(problems)
    if tasks_hash(tasks) != info.tasks_sha256:
        raise RunFileError(f"{path}: the tasks differ from the ones the run started with "
                           "(tasks_sha256 in run.json)")
    return tasks


def final_results_files(run_dir: str | Path) -> list[Path]:
    """The ``results_<YYYYMMDD_HHMMSS>.json`` files of a run, oldest first."""
    return sorted(Path(run_dir).glob(f"{FINAL_PREFIX}[0-9]*_[0-9]*.json"))


def _journal_records(run_dir: Path) -> Iterator[tuple[bytes, SampleRecord]]:
    """The journal's readable lines with their records, one per record key (the first
    wins), streamed; a torn last line and unreadable lines are left out (the journal's
    readers report them)."""
    seen: set[tuple[str, int, int, int | None, int]] = set()
    for _number, line, torn in iter_lines(Path(run_dir) / JOURNAL):
        if torn or not line.strip():
            continue
        try:
            record = SampleRecord.model_validate_json(line)
        except ValidationError:
            continue
        if record.key not in seen:
            seen.add(record.key)
            yield line, record


def write_final(run_dir: Path, info: RunInfo, status: str, total: int) -> Path:
    """Write ``results_<UTC timestamp>.json`` from the journal, atomically; never overwrite.

    The journal's lines are copied as they are (no re-encoding), one per record key; the
    metadata adds the status and counts (finished, not run, errors by kind, cost). Both
    passes over the journal stream it: memory does not grow with the run.
    """
    kept, cost = 0, 0.0
    errors: Counter[str] = Counter()
    last: dict[tuple[str, int, int, int | None], tuple[int, bool]] = {}
    for _line, record in _journal_records(run_dir):
        kept += 1
        cost += record.cost or 0.0
        if record.error is not None:
            errors[record.error.kind] += 1
        held = last.get(record.sample_key)
        if held is None or record.round_number > held[0]:
            last[record.sample_key] = (record.round_number, goes_on(record, info.rounds))
    finished = sum(not going for _round, going in last.values())
    stamp = datetime.now(UTC).strftime("%Y%m%d_%H%M%S")
    path = Path(run_dir) / f"{FINAL_PREFIX}{stamp}.json"
    n = 1
    while path.exists():
        n += 1
        path = Path(run_dir) / f"{FINAL_PREFIX}{stamp}_{n}.json"
    metadata = FinalMetadata(
        **info.to_dict(), status=status, total_samples=total, finished_samples=finished,
        not_run=total - finished, errors=dict(errors), cost=round(cost, 6), records=kept,
        written_at=utc_now())
    head = json.dumps({"metadata": metadata.model_dump(mode="json", exclude_unset=True)},
                      ensure_ascii=False, indent=1)[:-2]
    with atomic_file(path) as tmp, tmp.open("wb") as out:
        out.write(head.encode() + b',\n "results": [\n')
        for i, (line, _record) in enumerate(_journal_records(run_dir)):
            if i == kept:  # appended after the first pass: its counts do not include it
                break
            out.write(line if i == 0 else b",\n" + line)
        out.write(b"\n]}\n")
    return path
