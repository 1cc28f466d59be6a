"""Writing the store's data sets (:mod:`arcforge.store.datasets`) as JSONL or Parquet files.

``traces``, ``tasks`` and ``attempts``: one JSON object a line, or the same rows in Parquet
through pyarrow with the schemas below (loadable by Hugging Face ``datasets``). Parquet
holds a task version's ``transform`` as JSON text and each action-log entry as ``tool``,
``t_ms``, ``cells``, ``colour`` and ``extra`` (JSON text of its other keys). Files are
written atomically; existing ones are kept unless ``force``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any, Literal

from arcforge.atomic import atomic_file
from arcforge.store.datasets import Source, attempt_rows, task_rows, trace_rows
from arcforge.store.errors import StoreError
from arcforge.store.store import Store

Format = Literal["jsonl", "parquet"]
FORMATS: tuple[Format, ...] = ("jsonl", "parquet")
NAMES = ("traces", "tasks", "attempts")
BATCH = 1000
_ACTION_KEYS = ("tool", "t_ms", "cells", "colour")


def rows_of(store: Store, name: str, *, min_score: int | None = None,
            source: Source = "all") -> Iterator[dict[str, Any]]:
    """The rows of one data set by name (``traces``, ``tasks`` or ``attempts``)."""
    if name == "traces":
        return trace_rows(store, min_score=min_score, source=source)
    if name == "tasks":
        return task_rows(store)
    if name == "attempts":
        return attempt_rows(store)
    raise StoreError(f"no data set {name!r} (known: {', '.join(NAMES)})")


def jsonl_lines(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    for row in rows:
        yield (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def parquet_schema(name: str) -> Any:
    """The pyarrow schema of a data set."""
    import pyarrow as pa

    grid = pa.list_(pa.list_(pa.int8()))
    pairs = pa.list_(pa.struct([("input", grid), ("output", grid)]))
    if name == "tasks":
        return pa.schema([
            ("task_id", pa.string()), ("version", pa.int32()), ("train", pairs),
            ("test", pairs), ("parent_version", pa.int32()), ("transform", pa.string()),
            ("signed_by", pa.list_(pa.string())), ("created_by", pa.string()),
            ("created_at", pa.string()),
        ])
    if name == "traces":
        parts = pa.struct([(k, pa.string()) for k in ("what_you_see", "output_size",
                                                      "how_to_build")])
        return pa.schema([
            ("id", pa.int64()), ("task_id", pa.string()), ("version", pa.int32()),
            ("task", pa.struct([("train", pairs), ("test", pairs)])), ("kind", pa.string()),
            ("text", pa.string()), ("fields", parts), ("attempt_id", pa.int64()),
            ("test_index", pa.int32()), ("author", pa.string()), ("source", pa.string()),
            ("run_id", pa.string()), ("sample", pa.int32()), ("score", pa.int32()),
            ("votes_up", pa.int32()), ("votes_down", pa.int32()), ("uses_ok", pa.int32()),
            ("uses_failed", pa.int32()), ("created_at", pa.string()),
        ])
    action = pa.struct([("tool", pa.string()), ("t_ms", pa.int64()),
                        ("cells", pa.list_(pa.list_(pa.int64()))), ("colour", pa.int8()),
                        ("extra", pa.string())])
    return pa.schema([
        ("id", pa.int64()), ("user", pa.string()), ("task_id", pa.string()),
        ("version", pa.int32()), ("test_index", pa.int32()), ("mode", pa.string()),
        ("after_practice", pa.bool_()), ("description_id", pa.int64()), ("grid", grid),
        ("correct", pa.bool_()), ("duration_ms", pa.int64()), ("viewing_ms", pa.int64()),
        ("created_at", pa.string()), ("actions", pa.list_(action)),
    ])


def _parquet_row(name: str, row: dict[str, Any]) -> dict[str, Any]:
    if name == "tasks":
        return {**row, "transform": json.dumps(row["transform"], separators=(",", ":"))}
    if name == "attempts":
        actions = [{**{k: a.get(k) for k in _ACTION_KEYS},
                    "extra": json.dumps({k: v for k, v in a.items() if k not in _ACTION_KEYS},
                                        ensure_ascii=False, separators=(",", ":"))}
                   for a in row["actions"]]
        return {**row, "actions": actions}
    return row


def write_parquet(name: str, rows: Iterable[dict[str, Any]], out: str | Path | IO[bytes]) -> int:
    """Write rows of a data set as Parquet, a batch at a time; returns how many."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema(name)
    count = 0
    with pq.ParquetWriter(out, schema) as writer:
        it = iter(rows)
        while batch := [_parquet_row(name, r) for r in islice(it, BATCH)]:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count


def _write_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> int:
    count = 0
    with path.open("wb") as fh:
        for line in jsonl_lines(rows):
            fh.write(line)
            count += 1
    return count


def export_data(
    store: Store,
    folder: Path,
    *,
    fmt: Format = "jsonl",
    min_score: int | None = None,
    source: Source = "all",
    force: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, Path]:
    """Write ``traces``, ``tasks`` and ``attempts`` into ``folder``; ``min_score`` and
    ``source`` select traces. Returns each file; ``progress(name, rows)`` after each one."""
    if fmt not in FORMATS:
        raise StoreError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"{folder}: is a file, expected a folder")
    paths = {name: folder / f"{name}.{fmt}" for name in NAMES}
    there = [str(p) for p in paths.values() if p.exists()]
    if there and not force:
        raise StoreError(f"{there[0]}: already exists (use --force to replace it)")
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in paths.items():
        rows = rows_of(store, name, min_score=min_score, source=source)
        with atomic_file(path) as tmp:
            count = write_parquet(name, rows, tmp) if fmt == "parquet" else _write_jsonl(
                rows, tmp)
        if progress is not None:
            progress(name, count)
    return paths
