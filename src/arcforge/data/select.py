"""Choosing tasks: ``--task-ids`` (a list or a file of ids) and ``--max-tasks``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from arcforge.errors import UsageError
from arcforge.tasks import Task


def parse_task_ids(value: str | None) -> list[str] | None:
    """``a,b,c`` or the path of a file with one id per line (blank lines and ``#`` ignored)."""
    if value is None or value == "":
        return None
    path = Path(value)
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--task-ids: cannot read {path}: {exc}") from None
        ids = [line.strip() for line in text.splitlines()]
        ids = [i for i in ids if i and not i.startswith("#")]
        if not ids:
            raise UsageError(f"--task-ids: {path} lists no task ids")
        return ids
    ids = [i.strip() for i in value.split(",") if i.strip()]
    if not ids:
        raise UsageError("--task-ids: no task ids given")
    return ids


def select_tasks(
    tasks: Sequence[Task],
    task_ids: Sequence[str] | None = None,
    max_tasks: int | None = None,
    source: str = "",
) -> list[Task]:
    """Keep the tasks whose id is listed (every version of it), then the first ``max_tasks``.

    An id that the source does not have is an error naming it.
    """
    selected = list(tasks)
    if task_ids is not None:
        wanted = list(dict.fromkeys(task_ids))
        known = {t.id for t in selected}
        missing = [i for i in wanted if i not in known]
        if missing:
            where = f" in {source}" if source else ""
            raise UsageError(f"--task-ids: no task {', '.join(missing)}{where}")
        order = {tid: n for n, tid in enumerate(wanted)}
        selected = sorted((t for t in selected if t.id in order), key=lambda t: order[t.id])
    if max_tasks is not None:
        if max_tasks < 1:
            raise UsageError(f"--max-tasks: must be at least 1, got {max_tasks}")
        ids = list(dict.fromkeys(t.id for t in selected))[:max_tasks]
        keep = set(ids)
        selected = [t for t in selected if t.id in keep]
    return selected
