"""Reading input files and writing output files safely (shared by import, export and merge)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from arcforge.atomic import write_bytes_atomic
from arcforge.store.errors import InputFileError, StoreError
from arcforge.taskfiles import read_json
from arcforge.tasks import Problem

MAX_LISTED = 20


def problems_error(problems: list[Problem] | list[str], what: str = "") -> InputFileError:
    """One error listing the problems (the first :data:`MAX_LISTED`) and saying nothing changed."""
    lines = [str(p) for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"... and {len(problems) - MAX_LISTED} more problems")
    lines.append(f"nothing was {what or 'written'}; the store is unchanged")
    return InputFileError("\n".join(lines))


def load_json_file(path: Path, what: str = "imported") -> Any:
    """Parse a JSON file (duplicate keys refused) or raise :class:`InputFileError`."""
    data, problem = read_json(path, strict_keys=True)
    if problem is not None:
        raise problems_error([problem], what)
    return data


def write_new_file(path: Path, text: str, force: bool = False) -> None:
    """Write ``text`` atomically; refuse to replace an existing file unless ``force``."""
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, expected a file name")
    if path.exists() and not force:
        raise StoreError(f"{path}: already exists (use --force to replace it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_bytes_atomic(path, text.encode("utf-8"), replace=force)
    except FileExistsError:  # it appeared meanwhile: never overwrite
        raise StoreError(f"{path}: already exists (use --force to replace it)") from None


def dump_json(data: Any, indent: int | None = 2) -> str:
    return json.dumps(data, indent=indent)
