"""The journal ``results.jsonl``: one record per line, appended, flushed and fsynced.

Writes go through one background thread that commits in groups (the records that finish
within 20 ms share one write and one fsync): every record handed to :meth:`Journal.append`
is written and fsynced before :meth:`Journal.close` returns, and the event loop never waits
on the disk. Reading tolerates a torn last line (a run killed
while writing), and :meth:`Journal.open` cuts such a line off before appending.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from arcforge.errors import ArcforgeError
from arcforge.runs.records import SampleRecord


class JournalError(ArcforgeError):
    """A journal that cannot be read or written."""


def read_journal(path: Path) -> list[SampleRecord]:
    """Every complete record of a journal; a torn last line is skipped, a bad middle line is
    an error naming the file and line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise JournalError(f"{path}: cannot read: {exc.strerror}") from None
    lines = data.split(b"\n")
    records: list[SampleRecord] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        last = number == len(lines)  # no newline after it: possibly torn
        try:
            records.append(SampleRecord.from_dict(json.loads(line)))
        except (ValueError, TypeError) as exc:
            if last:
                break
            raise JournalError(f"{path}: line {number} is not a record: {exc}") from None
    return records


def _cut_torn_tail(path: Path) -> None:
    """Truncate an unfinished last line so the next append starts on a fresh line."""
    if not path.exists():
        return
    with path.open("rb+") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        if size == 0:
            return
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return
        chunk = min(size, 1 << 20)
        while True:
            fh.seek(size - chunk)
            data = fh.read(chunk)
            cut = data.rfind(b"\n")
            if cut >= 0:
                fh.truncate(size - chunk + cut + 1)
                break
            if chunk == size:
                fh.truncate(0)
                break
            chunk = min(size, chunk * 2)
        fh.flush()
        os.fsync(fh.fileno())


class Journal:
    """Appends records durably from a background thread (group commit)."""

    _STOP = object()
    # Records finishing within this window share one write and one fsync: fewer thread
    # wake-ups (each costs the event loop a GIL hand-over) at the price of that much delay.
    COMMIT_WINDOW_S = 0.02

    def __init__(self, path: Path, on_error: Callable[[Exception], None] | None = None) -> None:
        self.path = path
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._on_error = on_error
        self._error: Exception | None = None
        _cut_torn_tail(path)
        try:
            self._fh = path.open("ab")
        except OSError as exc:
            raise JournalError(f"{path}: cannot open for appending: {exc.strerror}") from None
        self._thread = threading.Thread(target=self._write_loop, name="journal", daemon=True)
        self._thread.start()

    def append(self, record: SampleRecord) -> None:
        """Queue one record; it is on disk (fsynced) within milliseconds."""
        fields = record.__dataclass_fields__  # a shallow dict: serialised at once, no copy
        line = json.dumps({name: getattr(record, name) for name in fields},
                          ensure_ascii=False, separators=(",", ":"))
        self._queue.put(line.encode() + b"\n")

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is not self._STOP:
                time.sleep(self.COMMIT_WINDOW_S)  # gather the records finishing meanwhile
            batch = []
            stop = False
            while True:
                if item is self._STOP:
                    stop = True
                else:
                    batch.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                try:
                    self._fh.write(b"".join(batch))
                    self._fh.flush()
                    os.fsync(self._fh.fileno())
                except OSError as exc:
                    self._error = JournalError(f"{self.path}: cannot write: {exc.strerror}")
                    if self._on_error:
                        self._on_error(self._error)
            if stop:
                return

    def close(self) -> None:
        """Write everything queued, then close. Safe to call twice."""
        if self._thread.is_alive():
            self._queue.put(self._STOP)
            self._thread.join()
        if not self._fh.closed:
            self._fh.close()
        if self._error is not None:
            raise self._error
