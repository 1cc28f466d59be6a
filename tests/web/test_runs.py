"""The run viewer: run folders (the bench's record format) and runs merged into the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from arcforge.runs.records import JOURNAL, RUN_INFO, SUMMARY, SampleRecord
from arcforge.web.settings import WebSettings

from .conftest import TASKS, studio


def verdicts(outputs: dict[tuple[str, int], tuple[str, list[list[int]] | None]]) -> dict:
    return {
        "pairs": [
            {"split": split, "index": index, "status": status, "output": out, "error": None}
            for (split, index), (status, out) in outputs.items()
        ],
        "duration_s": 0.01,
    }


def write_run(runs: Path, run_id: str, records: list[SampleRecord], **info: object) -> Path:
    folder = runs / run_id
    folder.mkdir(parents=True)
    (folder / RUN_INFO).write_text(json.dumps({"run_id": run_id, **info}))
    (folder / JOURNAL).write_text("".join(json.dumps(r.to_dict()) + "\n" for r in records))
    return folder


@pytest.fixture
def code_run(settings: WebSettings) -> Path:
    t1 = TASKS["t1"]
    good = SampleRecord(
        run_id="r-code", kind="code", task_id="t1", task_version=0, sample=0,
        model="builtin/dsl", reasoning="Move every cell **right**.",
        code="def solve_task(grid):\n    return [row[::-1] for row in grid]\n",
        verification=verdicts({
            ("train", 0): ("pass", t1["train"][0]["output"]),
            ("train", 1): ("pass", t1["train"][1]["output"]),
            ("test", 0): ("pass", t1["test"][0]["output"]),
        }),
    )
    bad = SampleRecord(
        run_id="r-code", kind="code", task_id="t1", task_version=0, sample=1,
        model="builtin/dsl", reasoning="Nothing moves.", code="def solve_task(g):\n    return g\n",
        verification=verdicts({
            ("train", 0): ("fail", t1["train"][0]["input"]),
            ("train", 1): ("fail", t1["train"][1]["input"]),
            ("test", 0): ("fail", t1["test"][0]["input"]),
        }),
    )
    failed = SampleRecord(
        run_id="r-code", kind="code", task_id="t2", task_version=0, sample=0,
        model="builtin/dsl", error={"kind": "timeout", "message": "no answer in 30 s"},
    )
    folder = write_run(settings.runs_dir, "r-code", [good, bad, failed], kind="code",
                       model="builtin/dsl", data="tasks", started_at="2026-11-27T09:00:00Z")
    (folder / SUMMARY).write_text(json.dumps({"score": 0.5}))
    return folder


def test_list_runs_from_folders_and_store(client: TestClient, code_run: Path) -> None:
    store = studio(client).store
    store.record_run("r-merged", "openai/gpt-x", "reasoning", "results.json")
    model = store.create_user("openai/gpt-x", kind="model")
    store.add_trace("t2", 0, model.id, "Add one to every colour.", run_id="r-merged", sample=3)
    (code_run.parent / "not-a-run").mkdir()  # no run.json: not listed
    items = {r["id"]: r for r in client.get("/api/runs").json()["items"]}
    assert set(items) == {"r-code", "r-merged"}
    assert items["r-code"] == {
        "id": "r-code", "origin": "folder", "kind": "code", "model": "builtin/dsl",
        "data": "tasks", "started_at": "2026-11-27T09:00:00Z", "samples": 3, "tasks": 2,
        "errors": 1, "status": "finished", "merged": False,
    }
    assert items["r-merged"]["origin"] == "store" and items["r-merged"]["samples"] == 1


def test_run_detail_scores_and_tasks(client: TestClient, code_run: Path) -> None:
    body = client.get("/api/runs/r-code").json()
    assert body["info"]["model"] == "builtin/dsl"
    assert body["scores"] == {"samples": 3, "tasks": 2, "errors": 1, "tasks_passed_train": 1,
                              "tasks_passed_test": 1, "summary": {"score": 0.5}}
    assert body["tasks"] == [
        {"task_id": "t1", "version": 0, "samples": 2, "errors": 0, "passed_train": True,
         "passed_test": True},
        {"task_id": "t2", "version": 0, "samples": 1, "errors": 1, "passed_train": False,
         "passed_test": False},
    ]


def test_run_task_shows_outputs_next_to_expected(client: TestClient, code_run: Path) -> None:
    body = client.get("/api/runs/r-code/tasks/t1").json()
    assert body["kind"] == "code" and body["expected_known"] is True
    assert body["test"] == [{"input": [[3, 0], [0, 0]], "output": [[0, 3], [0, 0]]}]
    good, bad = body["samples"]
    assert good["reasoning_html"] == "<p>Move every cell <strong>right</strong>.</p>\n"
    assert good["code"].startswith("def solve_task")
    test_pair = next(p for p in good["pairs"] if p["split"] == "test")
    assert test_pair == {"split": "test", "index": 0, "status": "pass",
                         "output": [[0, 3], [0, 0]], "expected": [[0, 3], [0, 0]], "error": None}
    assert [p["status"] for p in bad["pairs"]] == ["fail", "fail", "fail"]
    assert bad["pairs"][0]["expected"] == TASKS["t1"]["train"][0]["output"]
    failed = client.get("/api/runs/r-code/tasks/t2").json()["samples"][0]
    assert failed["error"] == {"kind": "timeout", "message": "no answer in 30 s"}
    assert client.get("/api/runs/r-code/tasks/t3").status_code == 404


def test_merged_run_shows_its_traces(client: TestClient) -> None:
    store = studio(client).store
    store.record_run("r-merged", "openai/gpt-x", "reasoning", "results.json")
    model = store.create_user("openai/gpt-x", kind="model")
    store.add_trace("t2", 0, model.id, "Add *one*.", run_id="r-merged", sample=0)
    detail = client.get("/api/runs/r-merged").json()
    assert detail["origin"] == "store" and detail["tasks"][0]["task_id"] == "t2"
    sample = client.get("/api/runs/r-merged/tasks/t2").json()["samples"][0]
    assert sample["reasoning_html"] == "<p>Add <em>one</em>.</p>\n"
    assert sample["model"] == model.username
    trace = client.get("/api/tasks/t2/traces").json()["items"][0]
    assert (trace["author_kind"], trace["run_id"], trace["sample"]) == ("model", "r-merged", 0)


def test_run_ids_are_validated(client: TestClient, code_run: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write_run(outside.parent / "elsewhere", "secret", [], kind="code")
    (code_run.parent / "link").symlink_to(outside.parent / "elsewhere" / "secret")
    for bad in ("%2E%2E", "..%2Felsewhere%2Fsecret", "link", "nope", ".hidden"):
        assert client.get(f"/api/runs/{bad}").status_code == 404, bad
        assert client.get(f"/api/runs/{bad}/tasks/t1").status_code == 404, bad
    assert client.get("/api/runs/r-code/tasks/%2E%2E").status_code == 404
    assert [r["id"] for r in client.get("/api/runs").json()["items"]] == ["r-code"]


def test_a_damaged_run_is_listed_with_its_problem(
    client: TestClient, settings: WebSettings
) -> None:
    folder = settings.runs_dir / "broken"
    folder.mkdir(parents=True)
    (folder / RUN_INFO).write_text("{not json")
    items = client.get("/api/runs").json()["items"]
    assert items[0]["id"] == "broken" and "cannot read" in items[0]["error"]
    r = client.get("/api/runs/broken")
    assert r.status_code == 409 and "cannot be read" in r.json()["detail"]
