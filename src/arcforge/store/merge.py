"""``arcforge merge``: model reasoning from results files becomes traces in the store.

Accepted files:

- our run journal ``results.jsonl`` (one :class:`~arcforge.runfiles.SampleRecord` per line)
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
everything is written in one transaction. An entry that is not a valid record or result
(no task id, a reasoning that is not text...) is skipped and reported by its place in the
file (``results[3].task_id``); with ``strict`` it refuses the whole merge instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from arcforge.runfiles import (
    RUN_INFO,
    RunFileError,
    RunInfo,
    SampleRecord,
    iter_objects,
    iter_placed,
    read_run_info,
)
from arcforge.store.bulk import (
    ensure_task_rows,
    ensure_users,
    existing_values,
    missing_tasks,
)
from arcforge.store.engine import now
from arcforge.store.errors import InputFileError, NotFoundError, StoreError
from arcforge.store.files import load_json_file, problems_error
from arcforge.store.runs import ensure_run
from arcforge.store.schema import MAX_NAME, Trace
from arcforge.store.store import Store
from arcforge.store.tasks import sign_in
from arcforge.store.traces import compose_trace_id, text_hash
from arcforge.store.users import name_key
from arcforge.tasks import Problem
from arcforge.transforms import TransformError

NAMED = ("run_id", "task_id", "model")  # stored as names: 1 to MAX_NAME characters


def _name(v: Any) -> bool:
    return isinstance(v, str) and 0 < len(v.strip()) <= MAX_NAME


class _Skip(Exception):
    """One entry that cannot be merged; ``problem`` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


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
    transform: str | None = None  # JSON of the spec the model saw the task under
    text_hash: str = field(init=False)
    key: str = field(init=False)

    def __post_init__(self) -> None:
        digest = text_hash(self.text)
        parts: list[Any] = [
            self.run_id or "",
            name_key(self.author),
            self.task_id,
            self.task_version,
            self.sample,
            digest,
        ]
        if self.transform:
            parts.append(self.transform)
        object.__setattr__(self, "text_hash", digest)
        object.__setattr__(self, "key", hashlib.sha256(json.dumps(parts).encode()).hexdigest())


@dataclass
class RunSeen:
    run_id: str
    model: str
    kind: str
    source_file: str
    created_at: float | None
    info: RunInfo | None


@dataclass
class FileMerge:
    """What one file held and what merging it did (or would do)."""

    path: str
    format: str
    records: int = 0
    empty: int = 0
    errors: int = 0
    added: int = 0
    present: int = 0
    notes: list[str] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    items: list[MergeItem] = field(default_factory=list, repr=False)
    runs: dict[str, RunSeen] = field(default_factory=dict, repr=False)


@dataclass
class MergeResult:
    files: list[FileMerge]
    dry_run: bool
    authors: dict[str, int] = field(default_factory=dict)  # author -> traces added
    tasks_created: int = 0
    notes: list[str] = field(default_factory=list)

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
    raise _Skip(Problem(file, f"{where}.reasoning", "expected a string or a list of strings"))


def _record(rec: SampleRecord, where: str, report: FileMerge) -> None:
    """Add the trace of one of our sample records (or count it as empty or failed)."""
    bad = [k for k in NAMED if not _name(getattr(rec, k))]
    if bad:
        raise _Skip(Problem(report.path, f"{where}.{bad[0]}",
                            f"{getattr(rec, bad[0])!r} is not a name of 1 to {MAX_NAME} "
                            "characters"))
    report.records += 1
    started = _epoch(rec.started_at)
    seen = report.runs.get(rec.run_id)
    if seen is None:
        report.runs[rec.run_id] = RunSeen(rec.run_id, rec.model, rec.kind, report.path, started,
                                          None)
    elif started is not None and (seen.created_at is None or started < seen.created_at):
        seen.created_at = started
    if rec.error is not None:
        report.errors += 1
        return
    if rec.kind == "predict":  # a direct answer is a grid, not an explanation
        if not report.notes or not report.notes[-1].startswith("direct answers"):
            report.notes.append("direct answers (arcforge predict) are not traces: left out")
        report.empty += 1
        return
    if rec.round_number > 1:  # a reply to feedback on a program, not an explanation
        note = "later refinement rounds (replies to feedback) are not traces: left out"
        if note not in report.notes:
            report.notes.append(note)
        report.empty += 1
        return
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
            json.dumps(rec.transform, sort_keys=True) if rec.transform else None,
        )
    )


def _legacy(d: Any, where: str, author: str, report: FileMerge, ordinal: dict[str, int]) -> None:
    """Add the traces of one legacy result (one per non-empty reasoning)."""
    file = report.path
    if not isinstance(d, dict):
        raise _Skip(Problem(file, where, "expected a result object"))
    task_id = d.get("task_id")
    if not _name(task_id):
        problem = "missing task id" if not task_id else f"{task_id!r} is not a task id"
        raise _Skip(Problem(file, f"{where}.task_id", problem))
    version = d.get("task_version", d.get("version", 0))
    if type(version) is not int or version < 0:
        raise _Skip(Problem(file, f"{where}.version", "not an int >= 0"))
    texts = [t for t in _texts(d.get("reasoning"), where, file) if t.strip()]
    report.records += 1
    if d.get("error"):
        report.errors += 1
        return
    if not texts:
        report.empty += 1
    stamp = d.get("timestamp") if type(d.get("timestamp")) in (int, float) else None
    for text in texts:
        sample = ordinal.get(task_id, 0)
        ordinal[task_id] = sample + 1
        report.items.append(MergeItem(task_id, version, author, None, sample, text, stamp))


def _each(entries: Iterable[tuple[str, Any]], add: Callable[[str, Any], None], report: FileMerge,
          strict: bool) -> None:
    """Apply ``add`` to every ``(where, entry)``; a bad entry refuses the merge (``strict``)
    or is skipped and reported."""
    for where, entry in entries:
        try:
            add(where, entry)
        except _Skip as skip:
            if strict:
                raise problems_error([skip.problem], "merged") from None
            report.skipped.append(skip.problem)


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


def _our_records(entries: Iterable[tuple[str, Any]], report: FileMerge, strict: bool) -> None:
    """Add the traces of our sample records, read one at a time."""
    try:
        placed = iter_placed(entries, report.path, strict, report.skipped)
        _each(placed, lambda where, rec: _record(rec, where, report), report, strict)
    except RunFileError as exc:
        raise InputFileError(f"{exc}; nothing was merged") from None


def read_results_file(path: Path, model_username: str | None = None,
                      strict: bool = False) -> FileMerge:
    """Parse one results file of any accepted format; :class:`InputFileError` if it cannot
    be merged at all. Bad entries are skipped and listed (``strict``: refused)."""
    file = str(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file; nothing was merged")
    if path.suffix == ".jsonl":
        return _journal_file(path, model_username, strict)
    data = load_json_file(path, "merged")
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise problems_error(
            [Problem(file, "results", 'expected {"metadata": ..., "results": [...]}')],
            "merged",
        )
    meta = data.get("metadata")
    results = data["results"]
    if not results:
        report = FileMerge(file, "empty")
        report.notes.append("holds no results")
        return report
    entries = [(f"results[{i}]", d) for i, d in enumerate(results)]
    marked = [isinstance(r, dict) and "run_id" in r for r in results]
    if any(marked) and not all(marked) and strict:
        i = marked.index(False)
        raise problems_error(
            [Problem(file, f"results[{i}]", "has no run_id, unlike the other records")],
            "merged",
        )
    if any(marked):  # our final results file (entries without a run id are skipped)
        report = FileMerge(file, "final json")
        for (where, _), ok in zip(entries, marked, strict=True):
            if not ok:
                report.skipped.append(Problem(file, where, "has no run_id, unlike the other "
                                                           "records"))
        _our_records([e for e, ok in zip(entries, marked, strict=True) if ok], report, strict)
        info = _final_info(meta)
        for run in report.runs.values():
            run.info = info
        return report
    report = FileMerge(file, "legacy json")
    author = _model_username(meta, file, model_username)
    ordinal = {}
    _each(entries, lambda where, d: _legacy(d, where, author, report, ordinal), report, strict)
    return report


def _journal_file(path: Path, model_username: str | None, strict: bool) -> FileMerge:
    """A journal (ours or legacy), read line by line: only the traces are kept."""
    file = str(path)
    report = FileMerge(file, "journal")
    torn: list[int] = []
    objects = iter_objects(path, torn)
    try:
        first = next(objects, None)
        if first is None:
            raise problems_error([Problem(file, "", "holds no records")], "merged")
        meta = first[1]
        if isinstance(meta, dict) and meta.get("entry_type") == "metadata":
            report.format = "legacy jsonl"
            author = _model_username(meta.get("metadata", meta), file, model_username)
            ordinal: dict[str, int] = {}
            _each(((f"line {n}", d) for n, d in objects),
                  lambda where, d: _legacy(d, where, author, report, ordinal), report, strict)
        else:
            _our_records(((f"line {n}", d) for n, d in chain([first], objects)), report,
                         strict)
            _journal_run_info(path, report)
    except RunFileError as exc:
        raise InputFileError(f"{exc}; nothing was merged") from None
    if torn:
        report.notes.append(f"line {torn[0]}: torn last line (a killed run) skipped")
    return report


def _final_info(meta: Any) -> RunInfo | None:
    if not isinstance(meta, dict) or "run_id" not in meta:
        return None
    try:
        return RunInfo.model_validate(meta)
    except ValueError:
        return None


def _journal_run_info(path: Path, report: FileMerge) -> None:
    if not path.with_name(RUN_INFO).is_file():
        return
    try:
        info = read_run_info(path.parent)
    except RunFileError as exc:
        report.notes.append(f"{exc}: not read; the run is recorded without it")
        return
    for run in report.runs.values():
        if info.run_id == run.run_id:
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


def _place_seen_tasks(session: Session, report: MergeResult, items: list[MergeItem],
                      users: dict[str, Any]) -> dict[str, int]:
    """The version each trace belongs to: the one it names, or for a model that saw the task
    under a transform, the variation with that content (signed by the model, made when
    new). A transformed trace of a task whose content is not stored yet is left out."""
    versions: dict[str, int] = {}
    left_out = 0
    for item in items:
        if not item.transform:
            versions[item.key] = item.task_version
            continue
        author = users[name_key(item.author)].id
        try:
            signed = sign_in(session, item.task_id, item.task_version,
                             json.loads(item.transform), author)
        except (NotFoundError, StoreError, TransformError):
            left_out += 1
            for f in report.files:
                if item in f.items:
                    f.added -= 1
                    break
            report.authors[item.author] -= 1
            continue
        versions[item.key] = signed.version.version
    if left_out:
        report.notes.append(f"{left_out} traces saw a task under a transform but the task's "
                            "content is not in the store: import the tasks, then merge again")
    return versions


def _apply(session: Session, report: MergeResult) -> None:
    keys: dict[str, tuple[FileMerge, MergeItem]] = {}
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
                    run.info.to_dict() if run.info is not None else None,
                )
                runs_needed.discard(run.run_id)
    versions = _place_seen_tasks(session, report, new, users)
    new = [i for i in new if i.key in versions]
    stamp = now()
    rows = [
        {
            "trace_id": tid,
            "task_id": i.task_id,
            "task_version": versions[i.key],
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
    strict: bool = False,
    progress: Callable[[Path], None] | None = None,
) -> MergeResult:
    """Merge results files into the store in one transaction; with ``dry_run`` write
    nothing. Bad entries are skipped and listed in each file's report (``strict``:
    refused, and nothing is merged)."""
    files = []
    for path in paths:
        files.append(read_results_file(path, model_username, strict))
        if progress is not None:
            progress(path)
    report = MergeResult(files=files, dry_run=dry_run)
    if dry_run:
        with store.reading() as session:
            _apply(session, report)
    else:
        store.transact(lambda session: _apply(session, report), retries=0)
    return report
