"""The demo subset: a bundled set, 12-20 known ids, solved and unsolved tasks both shown."""

from __future__ import annotations

from arcforge.data import BUNDLED, load_tasks
from arcforge.models.builtin import demo_subset, search_task


def test_demo_subset_shows_solved_and_unsolved_tasks() -> None:
    subset = demo_subset()
    assert subset.data in BUNDLED
    assert 12 <= len(subset.task_ids) <= 20
    tasks = {t.id: t for t in load_tasks(subset.data)}
    outcomes = []
    for tid in subset.task_ids:
        task = tasks[tid]
        result = search_task([(p.input, p.output) for p in task.train],
                             [p.input for p in task.test], 60.0, 3)
        assert not result.exhausted, tid
        best = result.distinct()[:2]
        outcomes.append(any(
            p.test_outputs == [pair.output for pair in task.test] for p in best))
    assert outcomes.count(True) >= 8
    assert outcomes.count(False) >= 3
