"""Loading ARC tasks from any source with one call: :func:`load_tasks`."""

from arcforge.data.bundled import BUNDLED
from arcforge.data.loader import DataError, load_tasks, resolve_source, validate_paths
from arcforge.data.select import parse_task_ids, select_tasks

__all__ = [
    "BUNDLED",
    "DataError",
    "load_tasks",
    "parse_task_ids",
    "resolve_source",
    "select_tasks",
    "validate_paths",
]
