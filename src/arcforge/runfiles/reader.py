"""One reader for every form a run's results take: a run folder, its journal, a final file.

:func:`read_results` parses each file once into the typed models of
:mod:`arcforge.runfiles.records`; scoring, exports, the report, replay, ``arcforge
merge`` and the studio's run viewer all read through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from arcforge.runfiles.folder import (
    JOURNAL,
    RUN_INFO,
    final_results_files,
    parse_run_info,
    read_json,
    read_run_info,
    validation_message,
)
from arcforge.runfiles.jsonl import RunFileError, iter_objects, read_objects
from arcforge.runfiles.records import FinalMetadata, RunInfo, SampleRecord
from arcforge.tasks import Problem

Form = Literal["run folder", "journal", "final json"]


@dataclass(slots=True)
class Results:
    """The records of a run (one per task, version and sample: the first one wins), the
    run's description when the source has it, and every record that was skipped."""

    source: Path
    form: Form
    info: RunInfo | None
    records: list[SampleRecord] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)


def iter_parsed(items: Iterable[tuple[str, Any]], file: str, strict: bool = True,
                skipped: list[Problem] | None = None) -> Iterator[SampleRecord]:
    """Records from ``(where, object)`` pairs, streamed, one per key (the first wins); a
    bad one raises (``strict``) or is skipped with a :class:`Problem` naming its place
    (appended to ``skipped``). A record without ``messages`` gets those of the first
    record with its ``prompt_hash`` (one list, shared)."""
    return (record for _, record in iter_placed(items, file, strict, skipped))


def iter_placed(items: Iterable[tuple[str, Any]], file: str, strict: bool = True,
                skipped: list[Problem] | None = None) -> Iterator[tuple[str, SampleRecord]]:
    """:func:`iter_parsed` with each record's place (``line 7``, ``results[3]``)."""
    prompts: dict[str, list[dict[str, Any]]] = {}
    seen: set[tuple[str, int, int, int | None, int]] = set()
    for where, obj in items:
        problem = None
        if not isinstance(obj, dict):
            problem = Problem(file, where, "expected a record object")
        else:
            try:
                record = SampleRecord.model_validate(obj)
            except ValidationError as exc:
                problem = _record_problem(file, where, exc)
        if problem is not None:
            if strict:
                raise RunFileError(str(problem))
            if skipped is not None:
                skipped.append(problem)
            continue
        key = record.prompt_hash
        if key:
            if "messages" in obj:
                record.messages = prompts.setdefault(key, record.messages)
            elif key in prompts:
                record.messages = prompts[key]
        if record.key not in seen:
            seen.add(record.key)
            yield where, record


def parse_records(items: Iterable[tuple[str, Any]], file: str, strict: bool = True,
                  ) -> tuple[list[SampleRecord], list[Problem]]:
    """Every record of :func:`iter_parsed`, and the problems of those skipped."""
    skipped: list[Problem] = []
    records = list(iter_parsed(items, file, strict, skipped))
    return records, skipped


def iter_journal(path: Path, strict: bool = True) -> Iterator[SampleRecord]:
    """A journal's records, streamed (a torn last line is left out)."""
    items = ((f"line {n}", obj) for n, obj in iter_objects(path))
    return iter_parsed(items, str(path), strict)


def _record_problem(file: str, where: str, exc: ValidationError) -> Problem:
    """The first thing wrong with a record, at its JSON path (``results[3].task_id``)."""
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    more = exc.error_count() - 1
    message = first["msg"] + (f" (and {more} more)" if more else "")
    return Problem(file, f"{where}.{loc}" if loc else where, message)


def _journal(path: Path, strict: bool) -> tuple[list[SampleRecord], list[Problem]]:
    objects, _ = read_objects(path)
    items = ((f"line {n}", obj) for n, obj in objects)
    return parse_records(items, str(path), strict)


def _final(path: Path, strict: bool) -> Results:
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise RunFileError(f'{path}: expected {{"metadata": ..., "results": [...]}}')
    meta = data.get("metadata")
    info = None
    if isinstance(meta, dict) and "run_id" in meta:
        try:
            info = FinalMetadata.model_validate(meta)
        except ValidationError as exc:
            raise RunFileError(f"{path}: metadata: {validation_message(exc)}") from None
    items = ((f"results[{i}]", obj) for i, obj in enumerate(data["results"]))
    records, skipped = parse_records(items, str(path), strict)
    return Results(path, "final json", info, records, skipped)


def read_results(path: str | Path, strict: bool = True) -> Results:
    """The records of a run folder (its journal, else its newest final file), of a
    journal ``results.jsonl`` (with the ``run.json`` beside it, when there is one) or of a
    final ``results_*.json``. ``strict=False`` skips bad records instead of refusing."""
    path = Path(path)
    if path.is_dir():
        info = read_run_info(path)
        records, skipped = _journal(path / JOURNAL, strict)
        if not records and not skipped:
            finals = final_results_files(path)
            if finals:
                final = _final(finals[-1], strict)
                records, skipped = final.records, final.skipped
        return Results(path, "run folder", info, records, skipped)
    if not path.is_file():
        raise RunFileError(f"{path}: no such file or run folder")
    if path.suffix == ".jsonl":
        records, skipped = _journal(path, strict)
        info = None
        beside = path.with_name(RUN_INFO)
        if beside.is_file():
            try:
                info = parse_run_info(read_json(beside), str(beside))
            except RunFileError:
                info = None  # a journal stands on its own; run.json only adds to it
        return Results(path, "journal", info, records, skipped)
    return _final(path, strict)


def load_records(run_dir: str | Path) -> list[SampleRecord]:
    """Every finished sample of a run folder, one per (task, version, sample)."""
    return read_results(run_dir).records
