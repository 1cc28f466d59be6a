"""``arcforge merge``: model reasoning from results files becomes traces in the store.

Accepted files:

- our run journal ``results.jsonl`` (one :class:`~arcforge.runs.records.SampleRecord` per line)
  and final ``results_<time>.json`` (``{"metadata": ..., "results": [records]}``);
- the legacy results format ``{"metadata": {"model_username": ...}, "results": [{"task_id",
  "reasoning": str or [str]}]}`` and its JSONL form, whose first line is the metadata
  (``"entry_type": "metadata"``) and every other line one result.

Every non-empty reasoning of a record without an error becomes one trace authored by the
model (a user of kind ``model`` named by the record's model spec or ``model_username``),
linked to its run and sample when the file says them. Each trace carries a merge key (a
hash of run, author, task, version, sample and text), so merging a file again, or the
journal and the final file of the same run, adds nothing twice. Tasks not yet in the store
get a row without content (filled when the task is imported later); the trace keeps its
task id and version. All files are read and checked before anything is written, and
everything is written in one transaction: an error anywhere adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from arcforge.runs.records import SampleRecord
from arcforge.store.bulk import (
    ensure_task_rows,
    ensure_users,
    existing_values,
    missing_tasks,
)
from arcforge.store.engine import now
from arcforge.store.errors import InputFileError
from arcforge.store.files import load_json_file, problems_error
from arcforge.store.runs import ensure_run
from arcforge.store.schema import MAX_NAME, Trace
from arcforge.store.store import Store
from arcforge.store.traces import compose_trace_id, text_hash
from arcforge.store.users import name_key
from arcforge.tasks import Problem

KINDS = ("reasoning", "code")


def _name(v: Any) -> bool:
    return isinstance(v, str) and 0 < len(v.strip()) <= MAX_NAME


RECORD_CHECKS: dict[str, Callable[[Any], bool]] = {
    "run_id": _name,
    "kind": lambda v: v in KINDS,
    "task_id": _name,
    "task_version": lambda v: type(v) is int and v >= 0,
    "sample": lambda v: type(v) is int and v >= 0,
    "model": _name,
}


@dataclass(frozen=True, slots=True)
class MergeItem:
    """One reasoning that becomes one trace; ``key`` makes merging it idempotent."""

    task_id: str
    task_version: int
    author: str
    run_id: str | None
    sample: int | None
    text: str
    created_at: float | None
    text_hash: str = field(init=False)
    key: str = field(init=False)

    def __post_init__(self) -> None:
        digest = text_hash(self.text)
        parts = [
            self.run_id or "",
            name_key(self.author),
            self.task_id,
            self.task_version,
            self.sample,
            digest,
        ]
        object.__setattr__(self, "text_hash", digest)
        object.__setattr__(self, "key", hashlib.sha256(json.dumps(parts).encode()).hexdigest())


@dataclass
class RunSeen:
    run_id: str
    model: str
    kind: str
    source_file: str
    created_at: float | None
    info: dict[str, Any] | None


@dataclass
class FileReport:
    """What one file held and what merging it did (or would do)."""

    path: str
    format: str
    records: int = 0
    empty: int = 0
    errors: int = 0
    added: int = 0
    present: int = 0
    notes: list[str] = field(default_factory=list)
    items: list[MergeItem] = field(default_factory=list, repr=False)
    runs: dict[str, RunSeen] = field(default_factory=dict, repr=False)


@dataclass
class MergeReport:
    files: list[FileReport]
    dry_run: bool
    authors: dict[str, int] = field(default_factory=dict)  # author -> traces added
    tasks_created: int = 0

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def present(self) -> int:
        return sum(f.present for f in self.files)


def _epoch(value: Any) -> float | None:
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def _texts(reasoning: Any, where: str, file: str) -> list[str]:
    if reasoning is None:
        return []
    if isinstance(reasoning, str):
        return [reasoning]
    if isinstance(reasoning, list) and all(isinstance(r, str) for r in reasoning):
        return reasoning
    raise problems_error(
        [Problem(file, f"{where}.reasoning", "expected a string or a list of strings")], "merged"
    )


def _record(d: Any, where: str, report: FileReport) -> None:
    """Add the trace of one of our sample records (or count it as empty or failed)."""
    file = report.path
    if not isinstance(d, dict):
        raise problems_error([Problem(file, where, "expected a record object")], "merged")
    bad = [
        Problem(file, f"{where}.{k}", "missing" if k not in d else f"{d[k]!r} is not valid")
        for k, ok in RECORD_CHECKS.items()
        if k not in d or not ok(d[k])
    ]
    if d.get("error") is not None and not isinstance(d.get("error"), dict):
        bad.append(Problem(file, f"{where}.error", "expected an object or null"))
    if bad:
        raise problems_error(bad, "merged")
    rec = SampleRecord.from_dict(d)
    report.records += 1
    started = _epoch(rec.started_at)
    seen = report.runs.get(rec.run_id)
    if seen is None:
        report.runs[rec.run_id] = RunSeen(rec.run_id, rec.model, rec.kind, file, started, None)
    elif started is not None and (seen.created_at is None or started < seen.created_at):
        seen.created_at = started
    if rec.error is not None:
        report.errors += 1
        return
    if rec.reasoning is not None and not isinstance(rec.reasoning, str):
        raise problems_error(
            [Problem(file, f"{where}.reasoning", "expected a string or null")], "merged"
        )
    if rec.reasoning is None or not rec.reasoning.strip():
        report.empty += 1
        return
    report.items.append(
        MergeItem(
            rec.task_id,
            rec.task_version,
            rec.model.strip(),
            rec.run_id,
            rec.sample,
            rec.reasoning,
            _epoch(rec.finished_at),
        )
    )


def _legacy(d: Any, where: str, author: str, report: FileReport, ordinal: dict[str, int]) -> None:
    """Add the traces of one legacy result (one per non-empty reasoning)."""
    file = report.path
    if not isinstance(d, dict):
        raise problems_error([Problem(file, where, "expected a result object")], "merged")
    task_id = d.get("task_id")
    if not _name(task_id):
        problem = "missing task id" if not task_id else f"{task_id!r} is not a task id"
        raise problems_error([Problem(file, f"{where}.task_id", problem)], "merged")
    version = d.get("task_version", d.get("version", 0))
    if type(version) is not int or version < 0:
        raise problems_error([Problem(file, f"{where}.version", "not an int >= 0")], "merged")
    report.records += 1
    if d.get("error"):
        report.errors += 1
        return
    texts = [t for t in _texts(d.get("reasoning"), where, file) if t.strip()]
    if not texts:
        report.empty += 1
    stamp = d.get("timestamp") if type(d.get("timestamp")) in (int, float) else None
    for text in texts:
        sample = ordinal.get(task_id, 0)
        ordinal[task_id] = sample + 1
        report.items.append(MergeItem(task_id, version, author, None, sample, text, stamp))


def _model_username(meta: Any, file: str, override: str | None) -> str:
    if override is not None:
        if not _name(override):
            raise InputFileError(
                f"--model-username: {override!r} is not a name of 1 to "
                f"{MAX_NAME} characters; nothing was merged"
            )
        return override.strip()
    name = meta.get("model_username") if isinstance(meta, dict) else None
    if not _name(name):
        raise problems_error(
            [Problem(file, "metadata.model_username", "missing: it names the traces' author")],
            "merged",
        )
    return name.strip()


def _jsonl_lines(path: Path, report: FileReport) -> list[tuple[int, Any]]:
    try:
        raw = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise problems_error([Problem(str(path), "", f"cannot read: {exc}")], "merged") from None
    lines = raw.split("\n")
    parsed = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            parsed.append((n, json.loads(line)))
        except json.JSONDecodeError as exc:
            if n == len(lines) and not raw.endswith("\n"):
                report.notes.append(f"line {n}: torn last line (a killed run) skipped")
                continue
            raise problems_error(
                [Problem(str(path), f"line {n}", f"malformed JSON: {exc.msg}")], "merged"
            ) from None
    return parsed


def read_results_file(path: Path, model_username: str | None = None) -> FileReport:
    """Parse one results file of any accepted format; :class:`InputFileError` if invalid."""
    file = str(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file; nothing was merged")
    if path.suffix == ".jsonl":
        report = FileReport(file, "journal")
        lines = _jsonl_lines(path, report)
        if not lines:
            raise problems_error([Problem(file, "", "holds no records")], "merged")
        first = lines[0][1]
        if isinstance(first, dict) and first.get("entry_type") == "metadata":
            report.format = "legacy jsonl"
            meta = first.get("metadata", first)
            author = _model_username(meta, file, model_username)
            ordinal: dict[str, int] = {}
            for n, d in lines[1:]:
                _legacy(d, f"line {n}", author, report, ordinal)
        else:
            for n, d in lines:
                _record(d, f"line {n}", report)
            _journal_run_info(path, report)
        return report
    data = load_json_file(path, "merged")
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise problems_error(
            [Problem(file, "results", 'expected {"metadata": ..., "results": [...]}')],
            "merged",
        )
    meta = data.get("metadata")
    results = data["results"]
    if not results:
        report = FileReport(file, "empty")
        report.notes.append("holds no results")
        return report
    marked = [isinstance(r, dict) and "run_id" in r for r in results]
    if any(marked) and not all(marked):
        i = marked.index(False)
        raise problems_error(
            [Problem(file, f"results[{i}]", "has no run_id, unlike the other records")],
            "merged",
        )
    if all(marked):
        report = FileReport(file, "final json")
        for i, d in enumerate(results):
            _record(d, f"results[{i}]", report)
        for run in report.runs.values():
            run.info = meta if isinstance(meta, dict) else None
        return report
    report = FileReport(file, "legacy json")
    author = _model_username(meta, file, model_username)
    ordinal = {}
    for i, d in enumerate(results):
        _legacy(d, f"results[{i}]", author, report, ordinal)
    return report


def _journal_run_info(path: Path, report: FileReport) -> None:
    info_path = path.with_name("run.json")
    if not info_path.is_file():
        return
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.notes.append(f"{info_path}: not read ({exc}); the run is recorded without it")
        return
    if isinstance(info, dict):
        for run in report.runs.values():
            if info.get("run_id", run.run_id) == run.run_id:
                run.info = info


def _trace_ids(session: Session, items: list[MergeItem]) -> list[str]:
    """Legacy-style ids ``<task>_<author>_<8 hex of the merge key>``, longer on a clash."""
    short = [compose_trace_id(i.task_id, i.author, i.key[:8]) for i in items]
    taken = existing_values(session, "trace_id", short)
    seen: set[str] = set()
    out = []
    for item, tid in zip(items, short, strict=True):
        if tid in taken or tid in seen:
            tid = compose_trace_id(item.task_id, item.author, item.key[:24])
        seen.add(tid)
        out.append(tid)
    return out


def _apply(session: Session, report: MergeReport) -> None:
    keys: dict[str, tuple[FileReport, MergeItem]] = {}
    for f in report.files:
        for item in f.items:
            if item.key in keys:
                f.present += 1
            else:
                keys[item.key] = (f, item)
    stored = existing_values(session, "merge_key", keys)
    new: list[MergeItem] = []
    for key, (f, item) in keys.items():
        if key in stored:
            f.present += 1
        else:
            f.added += 1
            new.append(item)
            report.authors[item.author] = report.authors.get(item.author, 0) + 1
    if report.dry_run:
        report.tasks_created = len(missing_tasks(session, [i.task_id for i in new]))
        return
    if not new:
        return
    users = ensure_users(
        session, {i.author: "model" for i in new}, imported=False, strict_kind=True
    )
    report.tasks_created = ensure_task_rows(session, [i.task_id for i in new])
    runs_needed = {i.run_id for i in new if i.run_id is not None}
    for f in report.files:
        for run in f.runs.values():
            if run.run_id in runs_needed:
                ensure_run(
                    session,
                    run.run_id,
                    run.model,
                    run.kind,
                    run.source_file,
                    run.created_at,
                    run.info,
                )
                runs_needed.discard(run.run_id)
    stamp = now()
    rows = [
        {
            "trace_id": tid,
            "task_id": i.task_id,
            "task_version": i.task_version,
            "author_id": users[name_key(i.author)].id,
            "source": "model",
            "run_id": i.run_id,
            "sample": i.sample,
            "text": i.text,
            "text_hash": i.text_hash,
            "merge_key": i.key,
            "created_at": i.created_at if i.created_at is not None else stamp,
            "score_base": 0,
            "score": 0,
            "removed": False,
        }
        for i, tid in zip(new, _trace_ids(session, new), strict=True)
    ]
    session.execute(Trace.__table__.insert(), rows)


def merge_files(
    store: Store,
    paths: list[Path],
    *,
    dry_run: bool = False,
    model_username: str | None = None,
    progress: Callable[[Path], None] | None = None,
) -> MergeReport:
    """Merge results files into the store (all or nothing); with ``dry_run`` write nothing."""
    files = []
    for path in paths:
        files.append(read_results_file(path, model_username))
        if progress is not None:
            progress(path)
    report = MergeReport(files=files, dry_run=dry_run)
    if dry_run:
        with store.reading() as session:
            _apply(session, report)
    else:
        store.transact(lambda session: _apply(session, report), retries=0)
    return report
