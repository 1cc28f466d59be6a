"""The data sources a studio offers: each ``--data`` spec, imported into the store, plus the store.

Tasks keep one id across sources (traces and attempts attach to it), so a source is an
ordered list of ids. When a source has a task whose id the store already holds with
different content (for example ARC-AGI-2's copies of ARC-AGI-1 tasks, whose pairs come in
another order), the stored content is served and the source lists the id as a conflict.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from arcforge.data import BUNDLED, load_tasks, resolve_source
from arcforge.errors import UsageError
from arcforge.store import Store
from arcforge.store.web_queries import task_ids_with_content
from arcforge.web.public import data_name

log = logging.getLogger("arcforge.web")

STORE_SOURCE = "store"


@dataclass(frozen=True, slots=True)
class Source:
    """One data source: its task ids in order (``number`` = position + 1); ``label`` names it
    without the server's paths."""

    id: str
    label: str
    ids: tuple[str, ...]
    conflicts: tuple[str, ...] = ()
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({tid: n for n, tid in enumerate(self.ids)})

    def differs(self, task_id: str) -> bool:
        """True when this source's copy of the task differs from the stored one served."""
        return task_id in self.conflicts

    def number(self, task_id: str) -> int | None:
        n = self._index.get(task_id)
        return None if n is None else n + 1

    def neighbours(self, task_id: str) -> tuple[str | None, str | None]:
        n = self._index.get(task_id)
        if n is None:
            return None, None
        prev = self.ids[n - 1] if n > 0 else None
        nxt = self.ids[n + 1] if n + 1 < len(self.ids) else None
        return prev, nxt


def import_sources(store: Store, specs: Sequence[str]) -> list[Source]:
    """Load every spec, import its tasks into the store (originals and variations) and
    return the sources in the order given. Invalid data raises with every problem listed."""
    sources: list[Source] = []
    taken = {STORE_SOURCE}
    for spec in specs:
        if resolve_source(spec) == "store":
            raise UsageError(
                f"--data {spec}: the store's tasks are always offered (as the source 'store')"
            )
        tasks = load_tasks(spec)
        report = store.import_tasks(tasks, source=spec, on_conflict="skip")
        conflicts = tuple(sorted({tid for tid, _version in report.conflicting}))
        if conflicts:
            log.warning(
                "%s: %d task(s) share an id with different content already in the store; "
                "the stored content is served for them (e.g. %s)",
                spec,
                len(conflicts),
                ", ".join(conflicts[:5]),
            )
        ids = tuple(sorted({t.id for t in tasks}))
        sources.append(Source(_source_id(spec, taken), data_name(spec) or spec, ids, conflicts))
        taken.add(sources[-1].id)
        log.info("%s: %d tasks (%d new versions)", spec, len(ids), report.versions_added)
    return sources


def _source_id(spec: str, taken: set[str]) -> str:
    """A short id for a source: a bundled set's name, or a file or folder's name (the
    server's paths stay private); ``-2``, ``-3``... tell equal names apart."""
    base = spec if spec in BUNDLED else (Path(spec).name or "data")
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def store_source(store: Store) -> Source:
    """Every task with content in the store, by id (computed afresh: merges add tasks)."""
    return Source(STORE_SOURCE, "all tasks in the store", tuple(task_ids_with_content(store)))
