"""The fixed demo subset of ``builtin/dsl``: which bundled tasks ``arcforge demo`` runs."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from arcforge.errors import ArcforgeError


@dataclass(frozen=True, slots=True)
class DemoSubset:
    data: str  # a --data spec (a bundled set)
    task_ids: tuple[str, ...]


def demo_subset() -> DemoSubset:
    """Read ``demo_tasks.txt``: a ``# data: SPEC`` header line, then one task id a line."""
    text = resources.files(__package__).joinpath("demo_tasks.txt").read_text("utf-8")
    data = None
    ids: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            if key.strip() == "data" and value.strip():
                data = value.strip()
        elif line:
            if line in ids:
                raise ArcforgeError(f"demo_tasks.txt line {number}: duplicate task id {line}")
            ids.append(line)
    if data is None:
        raise ArcforgeError("demo_tasks.txt: missing the '# data: SPEC' header")
    return DemoSubset(data, tuple(ids))
