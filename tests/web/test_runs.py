"""The run viewer: run folders (the bench's record format) and runs merged into the store."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from arcforge.runfiles import RUN_INFO, TASKS, SampleRecord
from arcforge.scoring import score_run, write_summary
from arcforge.web.settings import WebSettings
from arcforge.web.visibility import ANONYMOUS_REASON, FOREIGN_REASON, LOCKED_REASON

from .conftest import SECRET_OUTPUTS, login, second_client, studio
from .conftest import TASKS as TASKS_
from .runfolders import verdicts, write_run


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
        "errors": 1, "total_samples": 4, "status": "incomplete", "merged": False,
        "rounds": 1, "cost": None, "cost_per_task": None,  # no sample was priced
    }
    assert items["r-merged"]["origin"] == "store" and items["r-merged"]["samples"] == 1


def test_run_detail_scores_and_tasks(client: TestClient, code_run: Path) -> None:
    body = client.get("/api/runs/r-code").json()
    assert body["info"]["model"] == "builtin/dsl"
    summary = body["scores"].pop("summary")
    assert body["scores"] == {"samples": 3, "tasks": 2, "errors": 1, "tasks_passed_train": 1,
                              "tasks_passed_test": 1, "cost": None, "cost_per_task": None}
    assert summary["arcprize_score"] == 0.5 and summary["counts"]["tasks_solved"] == 1
    t1 = summary["tasks"][0]
    assert (t1["task_id"], t1["answers_hidden"], t1["scores"]["pass@1"]) == ("t1", True, 1.0)
    assert t1["tests"] == [{"index": 0, "correct_1": True, "correct_2": False, "oracle": True,
                            "solved": True, "distinct_outputs": 2, "attempt_1_samples": [0],
                            "attempt_2_samples": [1]}]
    assert shows_no_test_output(summary)
    assert body["tasks"] == [
        {"task_id": "t1", "version": 0, "samples": 2, "errors": 0, "passed_train": True,
         "passed_test": True},
        {"task_id": "t2", "version": 0, "samples": 1, "errors": 1, "passed_train": False,
         "passed_test": False},
    ]


def solve(client: TestClient, headers: dict[str, str], task_id: str, mode: str = "study",
          tests: range | None = None) -> None:
    """Submit the right answer to each test input (all by default) of version 0."""
    outputs = [p["output"] for p in TASKS_[task_id]["test"]]
    for i in tests if tests is not None else range(len(outputs)):
        r = client.post(f"/api/tasks/{task_id}/attempts", headers=headers, json={
            "version": 0, "test_index": i, "grid": outputs[i], "mode": mode, "actions": []})
        assert r.json()["correct"] is True, r.text


def shows_no_test_output(body: dict) -> bool:
    text = json.dumps(body)
    return not any(json.dumps(out) in text for out in SECRET_OUTPUTS)


def test_run_task_shows_outputs_next_to_expected(client: TestClient, code_run: Path) -> None:
    login(client, "root", role="admin")
    body = client.get("/api/runs/r-code/tasks/t1").json()
    assert body["kind"] == "code" and body["expected_known"] is True
    assert body["test_outputs_hidden"] is False and body["hidden_reason"] is None
    assert body["test"] == [{"input": [[3, 0], [0, 0]], "output": [[0, 3], [0, 0]]}]
    good, bad = body["samples"]
    assert good["reasoning_html"] == "<p>Move every cell <strong>right</strong>.</p>\n"
    assert good["code"].startswith("def solve_task")
    test_pair = next(p for p in good["pairs"] if p["split"] == "test")
    assert test_pair == {"split": "test", "index": 0, "status": "pass",
                         "output": [[0, 3], [0, 0]], "expected": [[0, 3], [0, 0]], "error": None}
    assert [p["status"] for p in bad["pairs"]] == ["fail", "fail", "fail"]
    assert bad["pairs"][0]["expected"] == TASKS_["t1"]["train"][0]["output"]
    failed = client.get("/api/runs/r-code/tasks/t2").json()["samples"][0]
    assert failed["error"] == {"kind": "timeout", "message": "no answer in 30 s"}
    assert client.get("/api/runs/r-code/tasks/t3").status_code == 404


def test_test_outputs_are_hidden_from_those_who_have_not_solved_the_task(
    client: TestClient, code_run: Path
) -> None:
    anon = client.get("/api/runs/r-code/tasks/t1").json()
    assert anon["test_outputs_hidden"] is True
    assert anon["hidden_reason"] == ANONYMOUS_REASON
    assert shows_no_test_output(anon)
    assert anon["test"] == [{"input": [[3, 0], [0, 0]], "output": None}]
    assert anon["train"] == TASKS_["t1"]["train"]  # train pairs stay whole
    good, bad = anon["samples"]
    test_pair = next(p for p in good["pairs"] if p["split"] == "test")
    assert test_pair == {"split": "test", "index": 0, "status": "pass", "output": None,
                         "expected": None, "error": None}  # the verdict stays
    train_pair = next(p for p in bad["pairs"] if p["split"] == "train")
    assert train_pair["output"] == TASKS_["t1"]["train"][0]["input"]
    assert train_pair["expected"] == TASKS_["t1"]["train"][0]["output"]

    h = login(client, "alice")
    mine = client.get("/api/runs/r-code/tasks/t1").json()
    assert mine["test_outputs_hidden"] is True and shows_no_test_output(mine)
    assert mine["hidden_reason"] == LOCKED_REASON
    client.post("/api/tasks/t1/attempts", headers=h, json={
        "version": 0, "test_index": 0, "grid": [[0, 0], [0, 0]], "mode": "study",
        "actions": []})  # a wrong answer is not enough
    assert client.get("/api/runs/r-code/tasks/t1").json()["test_outputs_hidden"] is True
    solve(client, h, "t1", mode="practice")  # nor a practice solve
    assert client.get("/api/runs/r-code/tasks/t1").json()["test_outputs_hidden"] is True
    solve(client, h, "t1")  # the second study attempt, right
    solved = client.get("/api/runs/r-code/tasks/t1").json()
    assert solved["test_outputs_hidden"] is False
    assert solved["test"][0]["output"] == TASKS_["t1"]["test"][0]["output"]
    assert solved["samples"][0]["pairs"][2]["output"] == TASKS_["t1"]["test"][0]["output"]
    # other tasks stay hidden to alice; a solver of one test input of two sees neither
    assert shows_no_test_output(client.get("/api/runs/r-code/tasks/t2").json())


def test_a_task_with_several_test_inputs_needs_all_of_them_solved(
    client: TestClient, settings: WebSettings
) -> None:
    t2 = TASKS_["t2"]
    record = SampleRecord(
        run_id="r-two", kind="code", task_id="t2", task_version=0, sample=0, model="m",
        verification=verdicts({("test", 0): ("pass", t2["test"][0]["output"]),
                               ("test", 1): ("pass", t2["test"][1]["output"])}))
    write_run(settings.runs_dir, "r-two", [record], {"t2": t2}, kind="code", samples=1)
    h = login(client, "bob")
    solve(client, h, "t2", tests=range(1))
    half = client.get("/api/runs/r-two/tasks/t2").json()
    assert half["test_outputs_hidden"] is True and shows_no_test_output(half)
    solve(client, h, "t2", tests=range(1, 2))
    whole = client.get("/api/runs/r-two/tasks/t2").json()
    assert whole["test_outputs_hidden"] is False
    assert [p["output"] for p in whole["test"]] == [p["output"] for p in t2["test"]]


def test_merged_run_hides_the_store_test_outputs(client: TestClient) -> None:
    store = studio(client).store
    store.record_run("r-merged", "openai/gpt-x", "reasoning", "results.json")
    model = store.create_user("openai/gpt-x", kind="model")
    store.add_trace("t2", 0, model.id, "Add one.", run_id="r-merged", sample=0)
    body = client.get("/api/runs/r-merged/tasks/t2").json()
    assert body["test_outputs_hidden"] is True and shows_no_test_output(body)
    assert [p["input"] for p in body["test"]] == [p["input"] for p in TASKS_["t2"]["test"]]


def test_merged_run_shows_its_traces(client: TestClient) -> None:
    store = studio(client).store
    store.record_run("r-merged", "openai/gpt-x", "reasoning", "results.json")
    model = store.create_user("openai/gpt-x", kind="model")
    store.add_trace("t2", 0, model.id, "Add *one*.", run_id="r-merged", sample=0)
    detail = client.get("/api/runs/r-merged").json()
    assert detail["origin"] == "store" and detail["tasks"][0]["task_id"] == "t2"
    assert detail["info"] == {"run_id": "r-merged", "model": "openai/gpt-x", "kind": "reasoning"}
    hidden = client.get("/api/runs/r-merged/tasks/t2").json()["samples"][0]
    assert hidden["reasoning"] is None and hidden["reasoning_html"] is None
    login(client, "root", role="admin")
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


def test_expected_grids_come_from_the_runs_own_snapshot(
    client: TestClient, settings: WebSettings
) -> None:
    other_t1 = {"train": TASKS_["t1"]["train"],
                "test": [{"input": [[3, 0], [0, 0]], "output": [[9, 9], [9, 9]]}]}
    record = SampleRecord(run_id="r-own", kind="code", task_id="t1", task_version=0, sample=0,
                          model="m", verification=verdicts({("test", 0): ("fail", [[0]])}))
    folder = write_run(settings.runs_dir, "r-own", [record], {"t1": other_t1}, kind="code",
                       samples=1)
    solver = second_client(client)
    solve(solver, login(solver, "solver"), "t1")
    other = solver.get("/api/runs/r-own/tasks/t1").json()  # solved the store's t1, not this
    assert other["test_outputs_hidden"] is True and other["hidden_reason"] == FOREIGN_REASON
    assert other["test"][0]["output"] is None and other["samples"][0]["pairs"][0]["output"] is None
    login(client, "root", role="admin")
    body = client.get("/api/runs/r-own/tasks/t1").json()
    assert body["test"][0]["output"] == [[9, 9], [9, 9]]  # not the store's [[0, 3], [0, 0]]
    assert body["samples"][0]["pairs"][0]["expected"] == [[9, 9], [9, 9]]
    assert client.get("/api/runs").json()["items"][0]["status"] == "complete"
    tampered = json.loads((folder / TASKS).read_text())
    tampered[0]["test"][0]["output"] = [[8]]
    (folder / TASKS).write_text(json.dumps(tampered))
    refused = client.get("/api/runs/r-own/tasks/t1")
    assert refused.status_code == 409 and "differ" in refused.json()["detail"]


def test_without_a_snapshot_the_store_gives_the_expected_grids(
    client: TestClient, settings: WebSettings
) -> None:
    record = SampleRecord(run_id="r-old", kind="reasoning", task_id="t2", task_version=0,
                          sample=0, model="m", reasoning="add one")
    write_run(settings.runs_dir, "r-old", [record], kind="reasoning")
    solve(client, login(client, "alice"), "t2")
    body = client.get("/api/runs/r-old/tasks/t2").json()
    assert body["expected_known"] is True and body["test"][1]["output"] == [[2, 2, 3]]
    assert client.get("/api/runs").json()["items"][0]["status"] == "unknown"


def test_a_refining_run_shows_every_round_and_hides_feedback_with_the_answers(
        client: TestClient, settings: WebSettings) -> None:
    """Rounds of one sample: each with its code, verdicts and the feedback it led to; the
    answering round marked; the list counts the sample once. Feedback, like code, is only
    for those who may see the task's answers."""
    t1 = TASKS_["t1"]
    first = SampleRecord(
        run_id="r-rounds", kind="code", task_id="t1", task_version=0, sample=0, round=1,
        model="m", code="def solve_task(g):\n    return g\n",
        feedback="Training example 1: wrong output.",
        verification=verdicts({("train", 0): ("fail", t1["train"][0]["input"]),
                               ("train", 1): ("fail", t1["train"][1]["input"]),
                               ("test", 0): ("fail", t1["test"][0]["input"])}))
    second = SampleRecord(
        run_id="r-rounds", kind="code", task_id="t1", task_version=0, sample=0, round=2,
        model="m", code="def solve_task(g):\n    return [r[::-1] for r in g]\n",
        messages=[{"role": "assistant", "content": "..."},
                  {"role": "user", "content": "Training example 1: wrong output."}],
        verification=verdicts({("train", 0): ("pass", t1["train"][0]["output"]),
                               ("train", 1): ("pass", t1["train"][1]["output"]),
                               ("test", 0): ("pass", t1["test"][0]["output"])}))
    folder = write_run(settings.runs_dir, "r-rounds", [first, second], {"t1": t1},
                       kind="code", samples=1, rounds=3, model="m", data="tasks")
    write_summary(folder, score_run(folder))
    listed = {r["id"]: r for r in client.get("/api/runs").json()["items"]}["r-rounds"]
    assert (listed["samples"], listed["rounds"], listed["status"]) == (1, 3, "complete")
    summary = client.get("/api/runs/r-rounds").json()["scores"]["summary"]
    assert [(r["round"], r["tasks_solved"]) for r in summary["rounds"]] == [(1, 0), (2, 1), (3, 1)]
    assert summary["tasks"][0]["samples"][0]["round"] == 2
    login(client, "admin-r", "admin")
    seen = client.get("/api/runs/r-rounds/tasks/t1").json()["samples"]
    assert [(s["round"], s["chosen"], s["feedback"]) for s in seen] == [
        (1, False, "Training example 1: wrong output."), (2, True, None)]
    anonymous = second_client(client).get("/api/runs/r-rounds/tasks/t1").json()
    assert anonymous["test_outputs_hidden"]
    assert [(s["round"], s["feedback"], s["code"]) for s in anonymous["samples"]] == [
        (1, None, None), (2, None, None)]


def test_a_growing_journal_is_read_again(client: TestClient, code_run: Path) -> None:
    """The viewer keeps an index of each journal; a record appended by a live run shows on
    the next request (runs list, run detail and the task's samples)."""
    login(client, "root", role="admin")
    assert client.get("/api/runs/r-code").json()["scores"]["samples"] == 3
    before = client.get("/api/runs/r-code/tasks/t2").json()["samples"]
    extra = SampleRecord(run_id="r-code", kind="code", task_id="t2", task_version=0, sample=1,
                         model="builtin/dsl", reasoning="Try again.", cost=0.25)
    with (code_run / "results.jsonl").open("a") as fh:
        fh.write(json.dumps(extra.to_dict()) + "\n")
    body = client.get("/api/runs/r-code").json()
    assert (body["scores"]["samples"], body["scores"]["cost"]) == (4, 0.25)
    assert body["scores"]["cost_per_task"] == 0.125
    after = client.get("/api/runs/r-code/tasks/t2").json()["samples"]
    assert [s["sample"] for s in after] == [s["sample"] for s in before] + [1]
    listed = {r["id"]: r for r in client.get("/api/runs").json()["items"]}["r-code"]
    assert (listed["samples"], listed["status"]) == (4, "complete")
