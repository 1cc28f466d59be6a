"""Every data source on fixtures of its format, generated from the bundled data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arcforge.data import BUNDLED, DataError, load_tasks, parse_task_ids, resolve_source
from arcforge.errors import UsageError
from arcforge.tasks import Task
from arcforge.transforms import apply


@pytest.mark.parametrize(
    ("spec", "count"),
    [
        ("arc-agi-1/training", 400),
        ("arc-agi-1/evaluation", 400),
        ("arc-agi-2/training", 1000),
        ("arc-agi-2/evaluation", 120),
    ],
)
def test_bundled_sets_have_their_official_sizes(spec, count):
    tasks = load_tasks(spec)
    assert len(tasks) == count == len({t.id for t in tasks})
    assert all(p.output is not None for t in tasks for p in t.test)
    assert resolve_source(spec) == "bundled" and spec in BUNDLED


def test_folder_of_task_files(task_folder: Path, eval2: list[Task]):
    tasks = load_tasks(str(task_folder))
    assert [t.id for t in tasks] == sorted(t.id for t in eval2)
    by_id = {t.id: t for t in eval2}
    assert all(t.content() == by_id[t.id].content() for t in tasks)


def test_single_task_file(task_folder: Path, eval2: list[Task]):
    path = task_folder / f"{eval2[0].id}.json"
    [task] = load_tasks(str(path))
    assert task.id == eval2[0].id and task.content() == eval2[0].content()


def test_legacy_dataset_json_with_versions(tmp_path: Path, eval2: list[Task]):
    base = eval2[:3]
    variation = apply(base[0], {"op": "rot90"}).with_(version=1, signed_by=("ada", "bob"))
    entries = [t.to_dict() for t in base] + [variation.to_dict()]
    entries[1]["id"] = entries[1].pop("task_id")  # the legacy format also says "id"
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(entries))
    tasks = load_tasks(str(path))
    assert [(t.id, t.version) for t in tasks] == [(t.id, 0) for t in base] + [(base[0].id, 1)]
    assert tasks[3].signed_by == ("ada", "bob")
    assert tasks[3].parent == (base[0].id, 0)
    assert tasks[3].transform == ({"op": "rot90"},)
    # --task-ids keeps every version of the id
    assert len(load_tasks(str(path), task_ids=[base[0].id])) == 2


def kaggle_files(tmp_path: Path, tasks: list[Task], with_solutions: bool) -> Path:
    challenges = {t.id: t.without_test_outputs().content() for t in tasks}
    path = tmp_path / "arc-agi_evaluation_challenges.json"
    path.write_text(json.dumps(challenges))
    if with_solutions:
        solutions = {t.id: [p.output for p in t.test] for t in tasks}
        (tmp_path / "arc-agi_evaluation_solutions.json").write_text(json.dumps(solutions))
    return path


def test_kaggle_challenges_joined_with_solutions(tmp_path: Path, eval2: list[Task]):
    path = kaggle_files(tmp_path, eval2, with_solutions=True)
    tasks = load_tasks(str(path))
    by_id = {t.id: t for t in eval2}
    assert len(tasks) == 120
    assert all(t.content() == by_id[t.id].content() for t in tasks)


def test_kaggle_challenges_without_solutions(tmp_path: Path, eval2: list[Task]):
    path = kaggle_files(tmp_path, eval2, with_solutions=False)
    tasks = load_tasks(str(path))
    assert len(tasks) == 120
    assert all(p.output is None for t in tasks for p in t.test)


def test_filters_by_ids_list_file_and_count(tmp_path: Path, eval2: list[Task]):
    ids = [eval2[5].id, eval2[2].id]
    assert [t.id for t in load_tasks("arc-agi-2/evaluation", task_ids=ids)] == ids
    id_file = tmp_path / "ids.txt"
    id_file.write_text(f"# chosen\n{ids[0]}\n\n{ids[1]}\n")
    assert parse_task_ids(str(id_file)) == ids
    assert parse_task_ids(",".join(ids)) == ids
    assert len(load_tasks("arc-agi-2/evaluation", max_tasks=7)) == 7


def test_an_id_not_in_the_source_is_named(eval2: list[Task]):
    with pytest.raises(UsageError, match="no task nope1, nope2 in arc-agi-2/evaluation"):
        load_tasks("arc-agi-2/evaluation", task_ids=[eval2[0].id, "nope1", "nope2"])


def test_unknown_spec_is_refused():
    with pytest.raises(DataError, match="unknown"):
        load_tasks("arc-agi-3/training")
