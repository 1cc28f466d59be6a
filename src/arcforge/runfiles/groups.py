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
from pathlib import Path

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


def task_groups(run_dir: Path, strict: bool = True) -> Iterator[tuple[TaskKey, list[SampleRecord]]]:
    """``((task id, version), records)`` for every task with records, in the order the
    run first finished each, one record per key (the first wins)."""
    journal = Path(run_dir) / JOURNAL
    places = _index(journal, strict) if journal.is_file() else {}
    if not places:  # no journal: the final file, read whole
        grouped: dict[TaskKey, list[SampleRecord]] = {}
        for record in read_results(run_dir, strict).records:
            grouped.setdefault((record.task_id, record.task_version), []).append(record)
        yield from grouped.items()
        return
    with journal.open("rb") as fh:
        for key, (offsets, numbers) in places.items():
            items = []
            for offset, number in zip(offsets, numbers, strict=True):
                fh.seek(offset)
                items.append((f"line {number}", json.loads(fh.readline())))
            records, _skipped = parse_records(items, str(journal), strict)
            yield key, records
