"""A newcomer's first task: an easy one of the source that they have not solved yet.

Easy means one of a few ARC-AGI-1 training tasks with one plain rule (a recolouring, a
move, a rotation or reflection, a mirror copy) when the source has them, else the task with
the fewest cells in its demonstrations and test inputs (among those whose test outputs are
known: the others cannot be solved).
"""

from __future__ import annotations

from arcforge.store import UserView
from arcforge.store.tasks import chunks
from arcforge.store.web_queries import first_contents, task_summaries
from arcforge.web.sources import Source
from arcforge.web.state import Studio

EASY = (
    "b1948b0a", "c8f0f002", "25ff71a9", "d511f180", "3c9b0459", "6150a2bd", "74dd1130",
    "9dfd6313", "67a3c6ac", "68b16354", "a416b8f3", "6fa7a44f", "8be77c9e", "c9e6f938",
    "f25ffba3", "d037b0a7", "aabf363d",
)
CANDIDATES = 20


def _cells(content: dict) -> int | None:
    """Cells of a task's grids; None when a test output is unknown (it cannot be solved)."""
    if any(p.get("output") is None for p in content["test"]):
        return None
    grids = [p[k] for p in content["train"] for k in ("input", "output")]
    grids += [p["input"] for p in content["test"]]
    return sum(len(g) * len(g[0]) for g in grids)


def easy_candidates(studio: Studio, source: Source) -> list[str]:
    """Easy tasks of a source, easiest first."""
    known = set(source.ids)
    easy = [tid for tid in EASY if tid in known]
    if easy:
        return easy
    key = f"{source.id}:{len(source.ids)}"  # the store's own source grows
    if key not in studio.easy_tasks:
        sizes: dict[str, int] = {}
        for part in chunks(source.ids):
            for tid, content in first_contents(studio.store, part).items():
                cells = _cells(content)
                if cells is not None:
                    sizes[tid] = cells
        studio.easy_tasks[key] = sorted(sizes, key=lambda t: (sizes[t], t))[:CANDIDATES]
    return studio.easy_tasks[key]


def first_task(studio: Studio, source: Source, user: UserView | None) -> str | None:
    """The easiest task of the source the user has not solved (the easiest one for an
    anonymous visitor, or when they solved them all); None for an empty source."""
    candidates = easy_candidates(studio, source)
    if not candidates:
        return None
    if user is not None:
        rows = task_summaries(studio.store, candidates, user.id)
        for tid in candidates:
            if tid in rows and not rows[tid].solved_by_viewer:
                return tid
    return candidates[0]
