"""Run folders written by arcforge 0.1.0 (``tests/fixtures/runs_0_1_0``) are read, scored,
exported, reported, merged, replayed and shown by this version with the results 0.1.0 gave."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from arcforge.export import export_arcprize, export_kaggle
from arcforge.report import write_report
from arcforge.runfiles import JOURNAL, read_results, read_run_info
from arcforge.scoring import score_run
from arcforge.store import open_store
from arcforge.store.legacy import export_traces_data
from arcforge.store.merge import merge_files

FIXTURES = Path(__file__).parents[1] / "fixtures"
RUNS = FIXTURES / "runs_0_1_0"
EXPECTED = FIXTURES / "expected_0_1_0"
CODE = RUNS / "codegen-20261204_062523-fake-model-ee04"
TRACES = RUNS / "traces-20261204_062520-fake-model-7fd3"
RESUMED = RUNS / "traces-20261204_062528-fake-model-1eb6"


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    """A copy of the fixtures: readers must work on them as they are, writers on a copy."""
    target = tmp_path / "runs"
    shutil.copytree(RUNS, target)
    return target


@pytest.mark.parametrize("folder", [CODE, TRACES, RESUMED], ids=lambda p: p.name[:8])
def test_every_form_reads_as_the_same_records(folder: Path) -> None:
    whole = read_results(folder)
    assert whole.info is not None and whole.info.format_version == 1  # no version field
    assert whole.skipped == []
    journal = read_results(folder / JOURNAL)
    final = read_results(sorted(folder.glob("results_*.json"))[-1])
    assert [r.to_dict() for r in journal.records] == [r.to_dict() for r in whole.records]
    assert {r.key for r in final.records} == {r.key for r in whole.records}
    raw = [json.loads(line) for line in (folder / JOURNAL).read_text().splitlines()]
    assert [r.to_dict() for r in whole.records] == raw  # nothing lost or changed on reading


def test_the_resumed_run_keeps_both_sessions() -> None:
    info = read_run_info(RESUMED)
    assert [s["resumed"] for s in info.sessions] == [False, True]
    assert len(read_results(RESUMED).records) == len(info.task_keys or []) * info.samples


def test_scores_and_summary_are_the_same(runs: Path) -> None:
    scores = score_run(runs / CODE.name).to_dict()
    old = json.loads((EXPECTED / "score_codegen.json").read_text())
    assert old == json.loads((CODE / "summary.json").read_text())
    assert {k: scores[k] for k in old} == old  # every key 0.1.0 wrote, with its value
    assert scores["cost"]["total"] == 0.0011 and scores["augmentations"] == {}  # 11 priced


def test_exports_are_the_same(runs: Path, tmp_path: Path) -> None:
    folder = runs / CODE.name
    paths = export_arcprize(folder, tmp_path / "arcprize")
    assert sorted(p.name for p in paths) == sorted(p.name for p in (CODE / "submission").iterdir())
    for path in paths:
        assert json.loads(path.read_text()) == json.loads((CODE / "submission" / path.name)
                                                          .read_text())
    kaggle = export_kaggle(folder, tmp_path / "kaggle.json")
    assert json.loads(kaggle.read_text()) == json.loads((CODE / "submission.json").read_text())


def test_the_report_is_written(runs: Path) -> None:
    for name in (CODE.name, TRACES.name):
        html = write_report(runs / name, None).read_text()
        assert name in html and "3c9b0459" in html


def test_merging_gives_the_same_traces(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        added = 0
        for folder in (CODE, TRACES, RESUMED):  # as 0.1.0 merged them, one after the other
            report = merge_files(store, [folder / JOURNAL])
            assert not report.files[0].skipped
            added += report.added
        assert added == 27
        assert export_traces_data(store) == json.loads(
            (EXPECTED / "merged_traces.json").read_text())
        assert merge_files(store, [CODE / JOURNAL]).added == 0  # idempotent
    finally:
        store.dispose()


def test_the_run_viewer_shows_them(tmp_path: Path, runs: Path) -> None:
    from arcforge.web.app import create_app
    from arcforge.web.settings import WebSettings

    app = create_app(WebSettings(store_url=f"sqlite:///{tmp_path / 'web.db'}", data=[],
                                 runs_dir=runs))
    with TestClient(app) as client:
        items = {r["id"]: r for r in client.get("/api/runs").json()["items"]}
        assert {CODE.name, TRACES.name, RESUMED.name} <= set(items)
        assert items[CODE.name]["status"] == "complete" and items[CODE.name]["samples"] == 12
        detail = client.get(f"/api/runs/{CODE.name}").json()
        summary = json.loads((CODE / "summary.json").read_text())
        assert detail["scores"]["tasks"] == 4
        assert detail["scores"]["summary"]["arcprize_score"] == summary["arcprize_score"]
        task = client.get(f"/api/runs/{CODE.name}/tasks/3c9b0459").json()
        assert [s["sample"] for s in task["samples"]] == [0, 1, 2]
        assert task["samples"][0]["pairs"][0]["status"] == "pass"


def test_replay_answers_from_an_old_run(tmp_path: Path) -> None:
    import asyncio

    from arcforge.models import get_model
    from arcforge.models.base import RequestContext
    from arcforge.runfiles import read_tasks

    model = get_model(f"replay/{TRACES}")
    record = read_results(TRACES).records[0]
    task = {t.id: t for t in read_tasks(TRACES, read_run_info(TRACES))}[record.task_id]
    context = RequestContext(task.without_test_outputs(), record.sample, "reasoning",
                             record.prompt_hash)
    answer = asyncio.run(model.generate(record.messages, context))
    assert answer.text == record.response
