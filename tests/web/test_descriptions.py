"""Descriptions and checks by use through the API, from a writer's, a checker's and a hostile
visitor's side: what each may see and do, what the description records."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from .conftest import TASKS, csrf, login, second_client

ANSWER_T1 = TASKS["t1"]["test"][0]["output"]
FIELDS = {"what_you_see": "a dot top left", "output_size": "same as the input",
          "how_to_build": "move the dot one cell right"}


def solve(client: TestClient, h: dict[str, str], grid: Any = ANSWER_T1) -> dict[str, Any]:
    r = client.post("/api/tasks/t1/attempts", headers=h, json={
        "version": 0, "test_index": 0, "grid": grid, "mode": "study",
        "actions": [{"tool": "view", "t_ms": 0}]})
    assert r.status_code == 200, r.text
    return r.json()


def describe(client: TestClient, h: dict[str, str], attempt: int,
             fields: Any = FIELDS) -> Any:
    return client.post("/api/tasks/t1/descriptions", headers=h,
                       json={"attempt_id": attempt, "fields": fields})


def test_a_description_follows_a_study_solve(client: TestClient) -> None:
    h = login(client, "alice")
    wrong = solve(client, h, [[1]])
    early = describe(client, h, wrong["attempt_id"])
    assert early.status_code == 409 and "a description follows" in early.text
    right = solve(client, h)
    r = describe(client, h, right["attempt_id"])
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["kind"], body["fields"], body["test_index"]) == ("description", FIELDS, 0)
    assert body["text"].startswith("**What you see:** a dot top left")
    assert (body["uses_ok"], body["uses_failed"], body["author"]) == (0, 0, "alice")
    listed = client.get("/api/tasks/t1/attempts").json()["items"]
    assert [(a["id"], a["description_id"]) for a in listed] == [
        (wrong["attempt_id"], None), (right["attempt_id"], body["id"])]
    again = describe(client, h, right["attempt_id"])
    assert again.status_code == 409
    # a description is a trace: blind for those who have not solved the task
    other = second_client(client)
    login(other, "bob")
    assert other.get("/api/tasks/t1/traces").json()["items"] == []
    assert second_client(client).get("/api/tasks/t1/traces").json()["items"] == []


def test_bad_descriptions_answer_422_or_404_never_500(client: TestClient) -> None:
    h = login(client, "alice")
    attempt = solve(client, h)["attempt_id"]
    cases = [
        {"attempt_id": attempt, "fields": {"how_to_build": ""}},
        {"attempt_id": attempt, "fields": {"how_to_build": "x" * 5001}},
        {"attempt_id": attempt, "fields": {"what_you_see": "only this"}},
        {"attempt_id": attempt, "fields": "text"},
        {"attempt_id": 2**31, "fields": FIELDS},
        {"attempt_id": -1, "fields": FIELDS},
        {"fields": FIELDS},
    ]
    for body in cases:
        r = client.post("/api/tasks/t1/descriptions", headers=h, json=body)
        assert r.status_code == 422, (body, r.text)
    other = second_client(client)
    hb = login(other, "bob")
    assert describe(other, hb, attempt).status_code == 404  # alice's attempt
    assert client.post("/api/tasks/t2/descriptions", headers=h,
                       json={"attempt_id": attempt, "fields": FIELDS}).status_code == 404
    assert client.post("/api/tasks/..%2f/descriptions", headers=h,
                       json={"attempt_id": attempt, "fields": FIELDS}).status_code == 404
    anonymous = second_client(client)
    assert anonymous.post("/api/tasks/t1/descriptions", headers=csrf(anonymous),
                          json={"attempt_id": attempt, "fields": FIELDS}).status_code == 401


def test_check_by_use_shows_the_description_and_test_input_only(client: TestClient) -> None:
    h = login(client, "alice")
    description = describe(client, h, solve(client, h)["attempt_id"]).json()["id"]
    checker = second_client(client)
    hc = login(checker, "carol")
    offered = checker.get("/api/checks/next").json()
    assert offered == {"description_id": description, "test_index": 0}  # not its task
    assert client.get("/api/checks/next").json()["description_id"] is None  # one's own
    started = checker.post(f"/api/descriptions/{description}/check", headers=hc)
    assert started.status_code == 200, started.text
    check = started.json()
    assert check["description"]["fields"] == FIELDS
    assert (check["task_id"], check["version"]) == (None, None)  # named once it is over
    assert check["test_input"] == TASKS["t1"]["test"][0]["input"]
    assert (check["attempts_left"], check["outcome"], check["output"]) == (2, None, None)
    assert "train" not in check and ANSWER_T1 not in check.values()
    # the task page still hides the answer; study on it ended with the check
    assert "output" not in checker.get("/api/tasks/t1").json()["test"][0]
    blocked = checker.post("/api/tasks/t1/attempts", headers=hc, json={
        "version": 0, "test_index": 0, "grid": ANSWER_T1, "mode": "practice"})
    assert blocked.status_code == 409 and "finish your check" in blocked.text
    # others may not read or use the check
    nosy = second_client(client)
    hn = login(nosy, "dave")
    assert nosy.get(f"/api/checks/{check['id']}").status_code == 404
    assert nosy.post(f"/api/checks/{check['id']}/attempts", headers=hn,
                     json={"grid": ANSWER_T1}).status_code == 404
    assert second_client(client).get(f"/api/checks/{check['id']}").status_code == 401
    # a wrong build, then the right one: a successful use; the answer opens for the checker
    first = checker.post(f"/api/checks/{check['id']}/attempts", headers=hc,
                         json={"grid": [[1]], "actions": [{"tool": "view", "t_ms": 0}]})
    assert first.json() == {"correct": False, "attempts_left": 1, "outcome": None}
    second = checker.post(f"/api/checks/{check['id']}/attempts", headers=hc,
                          json={"grid": ANSWER_T1, "duration_ms": 4000})
    assert second.json() == {"correct": True, "attempts_left": 0, "outcome": "success"}
    over = checker.get(f"/api/checks/{check['id']}").json()
    assert (over["outcome"], over["output"], over["attempts_left"]) == ("success", ANSWER_T1, 0)
    assert (over["task_id"], over["version"]) == ("t1", 0)
    late = checker.post(f"/api/checks/{check['id']}/attempts", headers=hc,
                        json={"grid": ANSWER_T1})
    assert late.status_code == 409
    study = checker.post("/api/tasks/t1/attempts", headers=hc, json={
        "version": 0, "test_index": 0, "grid": ANSWER_T1, "mode": "study"})
    assert study.status_code == 409 and "checked a description" in study.text
    # the next person fails; the description counts one use each way
    quitter = second_client(client)
    hq = login(quitter, "erin")
    mine = quitter.post(f"/api/descriptions/{description}/check", headers=hq).json()
    for _ in range(2):
        quitter.post(f"/api/checks/{mine['id']}/attempts", headers=hq, json={"grid": [[5]]})
    assert quitter.get(f"/api/checks/{mine['id']}").json()["outcome"] == "failure"
    [trace] = client.get("/api/tasks/t1/traces").json()["items"]
    assert (trace["uses_ok"], trace["uses_failed"]) == (1, 1)


def test_checks_refuse_those_who_know_the_task(client: TestClient) -> None:
    h = login(client, "alice")
    description = describe(client, h, solve(client, h)["attempt_id"]).json()["id"]
    assert client.post(f"/api/descriptions/{description}/check",
                       headers=h).status_code == 403  # the author
    veteran = second_client(client)
    hv = login(veteran, "victor")
    solve(veteran, hv, [[2]])
    assert veteran.get("/api/checks/next").json()["description_id"] is None
    refused = veteran.post(f"/api/descriptions/{description}/check", headers=hv)
    assert refused.status_code == 409 and "new to the task" in refused.text
    for bad in ("/api/descriptions/999/check", "/api/descriptions/2147483648/check",
                "/api/descriptions/-1/check", "/api/descriptions/x/check"):
        assert veteran.post(bad, headers=hv).status_code in (404, 422), bad
    for bad in ("/api/checks/2147483648", "/api/checks/-1", "/api/checks/x",
                "/api/checks/next?task_id=..", "/api/checks/next?task_id=" + "a" * 101):
        assert veteran.get(bad).status_code in (404, 422), bad
    assert veteran.get("/api/checks/next?task_id=t2").json()["description_id"] is None


def test_hostile_bodies_to_an_open_check_answer_422(client: TestClient) -> None:
    h = login(client, "alice")
    description = describe(client, h, solve(client, h)["attempt_id"]).json()["id"]
    checker = second_client(client)
    hc = login(checker, "mallory")
    check = checker.post(f"/api/descriptions/{description}/check", headers=hc).json()
    url = f"/api/checks/{check['id']}/attempts"
    bodies: list[Any] = [
        {}, [], "grid", {"grid": None}, {"grid": [[10]]}, {"grid": [[1, 2], [3]]},
        {"grid": [[0]] * 31}, {"grid": [[True]]}, {"grid": [["1"]]},
        {"grid": [[1]], "actions": [{"tool": "", "t_ms": 1}]},
        {"grid": [[1]], "actions": [{"tool": "x" * 33, "t_ms": 1}]},
        {"grid": [[1]], "actions": [{"tool": "edit", "t_ms": -1}]},
        {"grid": [[1]], "actions": [{"tool": "edit", "colour": 10, "t_ms": 1}]},
        {"grid": [[1]], "actions": [{"tool": "edit", "cells": [[30, 0]], "t_ms": 1}]},
        {"grid": [[1]], "actions": [{"tool": "edit", "t_ms": 1}] * 20_001},
        {"grid": [[1]], "duration_ms": "soon"},
    ]
    for body in bodies:
        r = checker.post(url, headers=hc, json=body)
        assert r.status_code in (413, 422), (str(body)[:80], r.status_code, r.text[:200])
    assert checker.get(f"/api/checks/{check['id']}").json()["attempts_left"] == 2  # none counted
