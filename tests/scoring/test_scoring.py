"""Scores, attempt selection and exports on hand-built runs with known answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.scoring.harness_schema import BenchmarkedTaskResults, harness_task_score
from tests.scoring.runs import OTHER, RIGHT, WRONG, known_run, record, task, write_run
from typer.testing import CliRunner

from arcforge.cli import app
from arcforge.export import export_arcprize, export_kaggle
from arcforge.scoring import ScoringError, render_scores_table, score_run, write_summary


@pytest.fixture
def run(tmp_path: Path):
    return known_run(tmp_path / "run-1")


def test_scores_match_the_known_answers(run) -> None:
    run_dir, _, expected = run
    scores = score_run(run_dir)
    summary = scores.to_dict()
    for family in ("per_task", "per_test_output"):
        for metric, value in expected[family].items():
            assert summary[family][metric] == pytest.approx(value), (family, metric)
    assert summary["arcprize_score"] == pytest.approx(4 / 6)
    assert summary["kaggle_score"] == pytest.approx(5 / 9)
    counts = summary["counts"]
    assert counts["tasks"] == 6 and counts["test_outputs"] == 9
    assert counts["samples_expected"] == 24 and counts["samples_finished"] == 15
    assert counts["samples_errored"] == 3
    assert summary["errors"] == {"timeout": 2, "extraction": 1}


def test_selection_detail_per_task(run) -> None:
    scores = score_run(run[0])
    by_id = {t.task_id: t for t in scores.tasks}
    a = by_id["a"].tests[0]
    assert (a.attempt_1, a.attempt_2) == (WRONG, RIGHT)
    assert (a.attempt_1_samples, a.attempt_2_samples) == ([2, 3], [1])
    assert (a.correct_1, a.correct_2, a.solved) == (False, True, True)
    # the sample claiming train passes it did not earn is judged again: 1 of 2
    assert by_id["a"].samples[0].train_passed == 1
    b0, b1 = by_id["b"].tests
    assert (b0.attempt_1, b1.attempt_1, b1.attempt_2) == (RIGHT, WRONG, OTHER)
    assert by_id["c"].tests[0].oracle is False  # errored samples are wrong, whatever they hold
    assert all(t.attempt_1 is None and t.attempt_2 is None for t in by_id["c"].tests)
    assert by_id["d"].samples == [] and by_id["d"].fraction("pass@2") == 0.0
    assert by_id["e"].tests[0].attempt_1_samples == [0]  # tie: the earliest sample first
    assert by_id["f"].tests[0].attempt_1 == RIGHT  # higher train accuracy beats votes


def test_summary_json_is_written_and_complete(run) -> None:
    run_dir = run[0]
    scores = score_run(run_dir)
    path = write_summary(run_dir, scores)
    data = json.loads(path.read_text())
    assert path.name == "summary.json"
    assert data == json.loads(json.dumps(scores.to_dict()))
    task_b = next(t for t in data["tasks"] if t["task_id"] == "b")
    assert task_b["scores"]["pass@1"] == 0.5
    assert task_b["tests"][1]["attempt_2"] == OTHER
    assert task_b["samples"][1]["error"]["kind"] == "timeout"
    assert task_b["samples"][0]["train_accuracy"] == 1.0


def test_arcprize_export_validates_and_agrees_with_the_score(run, tmp_path: Path) -> None:
    run_dir, tasks, _ = run
    scores = score_run(run_dir)
    paths = export_arcprize(run_dir, tmp_path / "submission")
    assert sorted(p.name for p in paths) == [f"{t.id}.json" for t in tasks]
    harness_scores = {}
    for t in tasks:
        content = json.loads((tmp_path / "submission" / f"{t.id}.json").read_text())
        assert isinstance(content, list) and len(content) == len(t.test)
        results = BenchmarkedTaskResults(test_pairs=content)
        for i, pair in enumerate(content):
            assert set(pair) == {"attempt_1", "attempt_2"}
            for attempt in pair.values():
                if attempt is not None:
                    assert attempt["metadata"]["pair_index"] == i
                    assert attempt["metadata"]["task_id"] == t.id
                    assert attempt["metadata"]["provider"] == "openrouter"
                    assert attempt["metadata"]["usage"]["completion_tokens_details"][
                        "reasoning_tokens"] == 7
        harness_scores[t.id] = harness_task_score(results, [p.output for p in t.test])
    for task_score in scores.tasks:
        assert harness_scores[task_score.task_id] == task_score.fraction("pass@2")
    assert sum(harness_scores.values()) / len(tasks) == pytest.approx(scores.arcprize_score)
    # every test pair of an all-errored task is there, with null attempts
    c = json.loads((tmp_path / "submission" / "c.json").read_text())
    assert c == [{"attempt_1": None, "attempt_2": None}] * 3


def test_export_without_usage_details_is_refused_by_the_schema(run, tmp_path: Path) -> None:
    export_arcprize(run[0], tmp_path / "out")
    content = json.loads((tmp_path / "out" / "a.json").read_text())
    del content[0]["attempt_1"]["metadata"]["usage"]["completion_tokens_details"]
    with pytest.raises(ValueError, match="completion_tokens_details"):
        BenchmarkedTaskResults(test_pairs=content)


def test_kaggle_export(run, tmp_path: Path) -> None:
    path = export_kaggle(run[0], tmp_path)
    data = json.loads(path.read_text())
    assert path.name == "submission.json"
    assert set(data) == {"a", "b", "c", "d", "e", "f"}
    assert data["b"] == [{"attempt_1": RIGHT, "attempt_2": WRONG},
                         {"attempt_1": WRONG, "attempt_2": OTHER}]
    assert data["d"] == [{"attempt_1": [[0]], "attempt_2": [[0]]}]  # placeholders
    assert len(data["c"]) == 3


def test_tasks_from_the_data_spec_when_the_run_has_no_snapshot(tmp_path: Path) -> None:
    t = task("solo", 1, [RIGHT, WRONG])
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "solo.json").write_text(json.dumps(t.content()))
    run_dir = write_run(tmp_path / "run", [t], [record(t, 0, 1, [RIGHT, OTHER])], samples=1,
                        with_tasks_file=False, data=str(folder))
    scores = score_run(run_dir)
    assert scores.task_mean("pass@2") == 0.5 and scores.output_share("pass@1") == 0.5


def test_unknown_test_outputs_are_not_scored(tmp_path: Path) -> None:
    t = task("hidden", 1, [None])
    run_dir = write_run(tmp_path / "run", [t], [record(t, 0, 1, [RIGHT])], samples=1)
    scores = score_run(run_dir)
    assert scores.arcprize_score is None and scores.tasks[0].tests[0].attempt_1 == RIGHT
    assert scores.to_dict()["counts"]["tasks_scored"] == 0


def test_tasks_missing_from_the_given_list_are_an_error(run) -> None:
    run_dir, tasks, _ = run
    with pytest.raises(ScoringError, match="lack 1 task"):
        score_run(run_dir, tasks[:-1])


def test_score_and_export_commands(run, tmp_path: Path) -> None:
    run_dir = run[0]
    runner = CliRunner()
    done = runner.invoke(app, ["score", str(run_dir), "--per-task"])
    assert done.exit_code == 0, done.output
    assert "66.7%" in done.output and "55.6%" in done.output  # pass@2 per task / per output
    row_b = next(line for line in done.output.splitlines() if line.strip("│ ").startswith("b "))
    assert "1/2" in row_b and "2/2" in row_b and "3/4" in row_b  # pass@1, pass@2, samples
    assert (run_dir / "summary.json").is_file()
    done = runner.invoke(app, ["export", str(run_dir), "--format", "arcprize",
                               "--out", str(tmp_path / "sub")])
    assert done.exit_code == 0, done.output
    assert len(list((tmp_path / "sub").glob("*.json"))) == 6
    done = runner.invoke(app, ["export", str(run_dir), "--format", "kaggle",
                               "--out", str(tmp_path / "kaggle")])
    assert done.exit_code == 0 and (tmp_path / "kaggle" / "submission.json").is_file()
    done = runner.invoke(app, ["export", str(run_dir), "--format", "csv", "--out", "x"])
    assert done.exit_code == 2


def test_rendered_table_names_every_metric(run) -> None:
    from rich.console import Console

    console = Console(record=True, width=120)
    console.print(render_scores_table(score_run(run[0])))
    text = console.export_text()
    for label in ("pass@2 (official)", "pass@1", "oracle", "15/24 samples finished"):
        assert label in text


def test_reasoning_runs_are_refused(tmp_path: Path) -> None:
    t = task("t", 1, [RIGHT])
    run_dir = write_run(tmp_path / "run", [t], [], samples=1)
    info = json.loads((run_dir / "run.json").read_text())
    (run_dir / "run.json").write_text(json.dumps({**info, "kind": "reasoning"}))
    with pytest.raises(ScoringError, match="reasoning"):
        score_run(run_dir)
