"""JSON Lines as arcforge writes them: one object per line, appended; a run killed while
writing leaves a torn last line, which readers skip and writers cut off."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from arcforge.errors import ArcforgeError


class RunFileError(ArcforgeError):
    """A run file that cannot be read as it is; the message names the file and place."""


def iter_lines(path: Path) -> Iterator[tuple[int, bytes, bool]]:
    """``(line number, line without its newline, torn)`` for every line of a file, read as
    a stream (memory does not grow with the file); ``torn`` marks a last line without its
    newline (a run killed while writing). A missing file has no lines."""
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        return
    except OSError as exc:
        raise RunFileError(f"{path}: cannot read: {exc.strerror}") from None
    with fh:
        number = 0
        try:
            for number, line in enumerate(fh, 1):
                if line.endswith(b"\n"):
                    yield number, line[:-1], False
                else:
                    yield number, line, line.strip() != b""
        except OSError as exc:
            raise RunFileError(f"{path}: line {number + 1}: cannot read: {exc.strerror}") from None


def iter_objects(path: Path, torn: list[int] | None = None) -> Iterator[tuple[int, Any]]:
    """``(line number, parsed JSON)`` for every non-empty line, streamed; a torn last line
    that does not parse is skipped (its number appended to ``torn``), a bad line anywhere
    else is a :class:`RunFileError` naming the file and line."""
    for number, line, unfinished in iter_lines(path):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except ValueError as exc:
            if unfinished:
                if torn is not None:
                    torn.append(number)
                return
            raise RunFileError(f"{path}: line {number}: malformed JSON: {exc}") from None


def read_objects(path: Path) -> tuple[list[tuple[int, Any]], bool]:
    """Every ``(line number, object)`` of :func:`iter_objects`, and whether a torn last
    line was skipped."""
    torn: list[int] = []
    objects = list(iter_objects(path, torn))
    return objects, bool(torn)


def cut_torn_tail(path: Path) -> None:
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
