"""The run folder on disk: ``run.json``, the journal, and the final results file."""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from arcforge.errors import ArcforgeError
from arcforge.runs.journal import read_journal
from arcforge.runs.records import FINAL_PREFIX, JOURNAL, RUN_INFO, SampleRecord


class RunFolderError(ArcforgeError):
    """A run folder that is missing or damaged."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def write_json_atomic(path: Path, data: Any, indent: int | None = 1) -> None:
    """Write JSON to a temporary file in the same folder, fsync it, then rename over ``path``.

    ``indent=None`` writes one line, several times faster for large files."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            # dumps, not dump: json.dump always takes the slow pure-Python encoder
            fh.write(json.dumps(data, ensure_ascii=False, indent=indent))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_run_info(run_dir: str | Path) -> dict[str, Any]:
    """The ``run.json`` of a run folder (resolved configuration, no keys)."""
    path = Path(run_dir) / RUN_INFO
    if not path.is_file():
        raise RunFolderError(f"{run_dir}: not a run folder (no {RUN_INFO})")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunFolderError(f"{path}: cannot read: {exc}") from None
    if not isinstance(info, dict) or "run_id" not in info:
        raise RunFolderError(f"{path}: not a run description (no run_id)")
    return info


def load_records(run_dir: str | Path) -> list[SampleRecord]:
    """Every finished sample of a run, from its journal, one per (task, version, sample)."""
    run_dir = Path(run_dir)
    read_run_info(run_dir)
    seen: set[tuple[str, int, int]] = set()
    records = []
    for record in read_journal(run_dir / JOURNAL):
        if record.key not in seen:
            seen.add(record.key)
            records.append(record)
    return records


def final_results_files(run_dir: str | Path) -> list[Path]:
    """The ``results_<YYYYMMDD_HHMMSS>.json`` files of a run, oldest first."""
    return sorted(Path(run_dir).glob(f"{FINAL_PREFIX}[0-9]*_[0-9]*.json"))


def write_final(run_dir: Path, info: dict[str, Any], status: str, total: int) -> Path:
    """Write ``results_<UTC timestamp>.json`` from the journal, atomically; never overwrite.

    The journal's lines are copied as they are (no re-encoding), one per sample key; the
    metadata adds the status and counts (finished, not run, errors by kind, cost).
    """
    journal = run_dir / JOURNAL
    records = read_journal(journal)
    raw = [line for line in journal.read_bytes().split(b"\n") if line.strip()] if records else []
    seen: set[tuple[str, int, int]] = set()
    lines, errors, cost = [], Counter(), 0.0
    for line, record in zip(raw, records, strict=False):  # a torn last line has no record
        if record.key in seen:
            continue
        seen.add(record.key)
        lines.append(line)
        cost += record.cost or 0.0
        if record.error:
            errors[record.error.get("kind", "unknown")] += 1
    stamp = datetime.now(UTC).strftime("%Y%m%d_%H%M%S")
    path = run_dir / f"{FINAL_PREFIX}{stamp}.json"
    n = 1
    while path.exists():
        n += 1
        path = run_dir / f"{FINAL_PREFIX}{stamp}_{n}.json"
    metadata = {
        **info, "status": status, "total_samples": total, "finished_samples": len(lines),
        "not_run": total - len(lines), "errors": dict(errors), "cost": round(cost, 6),
        "records": len(lines), "written_at": utc_now(),
    }
    head = json.dumps({"metadata": metadata}, ensure_ascii=False, indent=1)[:-2]
    data = head.encode() + b',\n "results": [\n' + b",\n".join(lines) + b"\n]}\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
