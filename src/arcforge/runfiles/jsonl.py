"""JSON Lines as arcforge writes them: one object per line, appended; a run killed while
writing leaves a torn last line, which readers skip and writers cut off."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from arcforge.errors import ArcforgeError


class RunFileError(ArcforgeError):
    """A run file that cannot be read as it is; the message names the file and place."""


def read_lines(path: Path) -> tuple[list[bytes], bool]:
    """The non-split lines of a file and whether its last line is torn (no newline)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], False
    except OSError as exc:
        raise RunFileError(f"{path}: cannot read: {exc.strerror}") from None
    lines = data.split(b"\n")
    torn = bool(lines) and lines[-1].strip() != b""
    return lines, torn


def read_objects(path: Path) -> tuple[list[tuple[int, Any]], bool]:
    """``(line number, parsed JSON)`` for every non-empty line, and whether a torn last
    line (one that does not parse) was skipped; a bad line anywhere else is a
    :class:`RunFileError` naming the file and line."""
    lines, torn = read_lines(path)
    last = len(lines)
    objects = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            objects.append((number, json.loads(line)))
        except ValueError as exc:
            if number == last and torn:
                return objects, True
            raise RunFileError(f"{path}: line {number}: malformed JSON: {exc}") from None
    return objects, False


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
