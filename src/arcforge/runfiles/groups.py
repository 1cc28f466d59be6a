"""A run's records task by task, without holding the whole run in memory.

The journal is in finishing order (every task's first samples, then the next ones), so
one pass notes where each task's lines are (byte offsets: 8 bytes a line) and a second
reads one task's lines at a time. Scoring a run of a million samples then holds one
task's records at once. A run folder without a journal (only a final file) is read whole.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arcforge.runfiles.folder import JOURNAL
from arcforge.runfiles.jsonl import RunFileError, iter_lines
from arcforge.runfiles.reader import parse_records, read_results
from arcforge.runfiles.records import SampleRecord

TaskKey = tuple[str, int]


def _index(path: Path, strict: bool) -> dict[TaskKey, tuple[array, array]]:
    """Per task, in order of first appearance: the byte offsets and line numbers of its
    lines. A line that is not a JSON object with a task id is an error (``strict``) or
    left out; a torn last line is left out."""
    places: dict[TaskKey, tuple[array, array]] = {}
    offset = 0
    for number, line, torn in iter_lines(path):
        start, offset = offset, offset + len(line) + (0 if torn else 1)
        if not line.strip() or torn:
            continue
        try:
            obj = json.loads(line)
            key = (obj["task_id"], obj.get("task_version", 0))
            hash(key)
        except (ValueError, TypeError, KeyError):
            if strict:
                raise RunFileError(f"{path}: line {number}: not a record with a task_id") \
                    from None
            continue
        offsets, numbers = places.setdefault(key, (array("q"), array("q")))
        offsets.append(start)
        numbers.append(number)
    return places


@dataclass(frozen=True, slots=True)
class JournalIndex:
    """Where each task's lines are in a journal of ``size`` bytes modified at ``mtime_ns``
    (the stamp tells a caller keeping the index whether the journal has grown)."""

    path: Path
    size: int
    mtime_ns: int
    places: dict[TaskKey, tuple[array, array]]

    def records(self, key: TaskKey, strict: bool = True) -> list[SampleRecord]:
        """One task's records (none when the journal has no line of it)."""
        with self.path.open("rb") as fh:
            return self._read(fh, key, strict)

    def _read(self, fh: Any, key: TaskKey, strict: bool) -> list[SampleRecord]:
        offsets, numbers = self.places.get(key, ((), ()))
        items = []
        for offset, number in zip(offsets, numbers, strict=True):
            fh.seek(offset)
            items.append((f"line {number}", json.loads(fh.readline())))
        records, _skipped = parse_records(items, str(self.path), strict)
        return records

    def groups(self, strict: bool = True) -> Iterator[tuple[TaskKey, list[SampleRecord]]]:
        """Every task's records, one task at a time."""
        with self.path.open("rb") as fh:
            for key in self.places:
                yield key, self._read(fh, key, strict)


def index_journal(run_dir: Path, strict: bool = True) -> JournalIndex | None:
    """The index of a run folder's journal; None when it has no journal or an empty one."""
    journal = Path(run_dir) / JOURNAL
    try:
        stat = journal.stat()
    except FileNotFoundError:
        return None
    places = _index(journal, strict)
    return JournalIndex(journal, stat.st_size, stat.st_mtime_ns, places) if places else None


def task_groups(run_dir: Path, strict: bool = True, index: JournalIndex | None = None,
                ) -> Iterator[tuple[TaskKey, list[SampleRecord]]]:
    """``((task id, version), records)`` for every task with records, in the order the
    run first finished each, one record per key (the first wins). ``index``: one already
    made of this folder's journal."""
    index = index or index_journal(run_dir, strict)
    if index is None:  # no journal: the final file, read whole
        grouped: dict[TaskKey, list[SampleRecord]] = {}
        for record in read_results(run_dir, strict).records:
            grouped.setdefault((record.task_id, record.task_version), []).append(record)
        yield from grouped.items()
        return
    yield from index.groups(strict)
