"""Helpers shared by the bench tests."""

from __future__ import annotations

from arcforge.grids import Grid
from arcforge.tasks import Pair, Task

FAKE_KEY = "sk-arcforge-FAKEKEY-7f3a9c2e51d04b6f"


def grid(rows: str) -> Grid:
    """``"12/34"`` -> [[1, 2], [3, 4]]."""
    return [[int(c) for c in row] for row in rows.split("/")]


def make_tasks(n: int) -> list[Task]:
    """n small distinct tasks; each test output holds a 7 that no train grid holds."""
    tasks = []
    for i in range(n):
        a, b = i % 6 + 1, (i + 1) % 6 + 1
        tasks.append(Task(
            id=f"t{i:03d}",
            train=(Pair(grid(f"{a}0/0{a}"), grid(f"0{a}/{a}0")),
                   Pair(grid(f"{b}{b}/00"), grid(f"00/{b}{b}"))),
            test=(Pair(grid(f"{a}{b}{i % 10}/000"), grid(f"777/{a}{b}{i % 10}")),),
        ))
    return tasks
