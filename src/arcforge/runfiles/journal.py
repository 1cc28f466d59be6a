"""The journal ``results.jsonl``: one record per line, appended, flushed and fsynced.

Writes go through one background thread that commits in groups (the records that finish
within 20 ms share one write and one fsync): every record handed to :meth:`Journal.append`
is written and fsynced before :meth:`Journal.close` returns, and the event loop never waits
on the disk. :meth:`Journal.__init__` cuts a torn last line (a run killed while writing)
off before appending; readers skip it (:func:`arcforge.runfiles.read_results`).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from arcforge.runfiles.jsonl import RunFileError, cut_torn_tail
from arcforge.runfiles.records import SampleRecord


class Journal:
    """Appends records durably from a background thread (group commit)."""

    _STOP = object()
    # Records finishing within this window share one write and one fsync: fewer thread
    # wake-ups (each costs the event loop a GIL hand-over) at the price of that much delay.
    COMMIT_WINDOW_S = 0.02

    def __init__(self, path: Path, on_error: Callable[[Exception], None] | None = None,
                 prompts: set[str] | None = None) -> None:
        self.path = path
        # prompt hashes whose messages the journal holds: later records leave them out
        self._prompts: set[str] = set(prompts or ())
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._on_error = on_error
        self._error: Exception | None = None
        cut_torn_tail(path)
        try:
            self._fh = path.open("ab")
        except OSError as exc:
            raise RunFileError(f"{path}: cannot open for appending: {exc.strerror}") from None
        self._thread = threading.Thread(target=self._write_loop, name="journal", daemon=True)
        self._thread.start()

    def append(self, record: SampleRecord) -> None:
        """Queue one record (serialised at once); it is on disk within milliseconds. A
        prompt already written (same ``prompt_hash``) is not written again.

        Raises ValueError for a value JSON cannot hold (the caller records the sample
        without it)."""
        key = record.prompt_hash
        shared = bool(key) and bool(record.messages) and key in self._prompts
        try:
            line = record.to_json(shared_prompt=shared)
        except Exception as exc:  # pydantic's serialisation error, or a cycle
            raise ValueError(str(exc)) from None
        if key and record.messages:
            self._prompts.add(key)
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
                    self._error = RunFileError(f"{self.path}: cannot write: {exc.strerror}")
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
