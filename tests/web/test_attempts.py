"""Attempts: checked by the server, practice distance, study limit, saved action logs."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from .conftest import TASKS, login, second_client, studio

ANSWER_T1 = TASKS["t1"]["test"][0]["output"]


def attempt(grid: Any, mode: str = "practice", test_index: int = 0, **extra: Any) -> dict:
    return {"version": 0, "test_index": test_index, "grid": grid, "mode": mode,
            "actions": [], **extra}


def test_attempts_need_a_login(client: TestClient) -> None:
    r = client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1),
                    headers={"X-CSRF-Token": client.get("/api/me").json()["csrf_token"]})
    assert r.status_code == 401
    assert client.get("/api/tasks/t1/attempts").status_code == 401


def test_practice_attempts_are_limited_per_user_task_and_test_input(
    client: TestClient,
) -> None:
    h = login(client, "alice")
    near = [[0, 3], [0, 5]]
    for _ in range(30):
        r = client.post("/api/tasks/t1/attempts", json=attempt(near), headers=h)
        assert r.status_code == 200
    refused = client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1), headers=h)
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith(
        "too many practice attempts on test input 0 of this task (at most 30 in 10 minutes)")
    assert int(refused.headers["Retry-After"]) >= 1
    # the refused attempt is neither checked nor saved
    store = studio(client).store
    alice = store.get_user_by_name("alice").id
    assert len(store.list_attempts(alice, "t1", mode="practice")) == 30
    # a variation of the task shares the count (its test input is the same puzzle)
    client.post("/api/tasks/t1/variations", json={"base_version": 0, "spec": {"op": "rot90"}},
                headers=h)
    assert client.post("/api/tasks/t1/attempts", headers=h,
                       json={**attempt(near), "version": 1}).status_code == 429
    # study attempts, other test inputs, other tasks and other people are not limited by it
    assert client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1, "study"),
                       headers=h).json()["correct"] is True
    assert client.post("/api/tasks/t2/attempts", json=attempt([[1, 1, 1]], test_index=1),
                       headers=h).status_code == 200
    bob = second_client(client)
    assert bob.post("/api/tasks/t1/attempts", json=attempt(near),
                    headers=login(bob, "bob")).status_code == 200


def test_practice_reports_the_distance(client: TestClient) -> None:
    h = login(client, "alice")
    wrong = client.post("/api/tasks/t1/attempts", json=attempt([[0, 3], [0, 5]]), headers=h)
    assert wrong.status_code == 200
    assert wrong.json() == {
        "correct": False,
        "distance": {"same_shape": True, "differing": 1, "total": 4, "fraction": 0.25},
        "attempts_left": None,
    }
    shape = client.post("/api/tasks/t1/attempts", json=attempt([[0, 3, 0]]), headers=h).json()
    assert shape["distance"]["same_shape"] is False and shape["distance"]["fraction"] is None
    right = client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1), headers=h).json()
    assert right["correct"] is True and right["distance"]["fraction"] == 0.0


def test_study_mode_hides_distance_and_allows_two_attempts_per_test_input(
    client: TestClient,
) -> None:
    h = login(client, "alice")
    first = client.post("/api/tasks/t2/attempts", json=attempt([[1, 1, 1]], "study"), headers=h)
    assert first.json() == {"correct": False, "distance": None, "attempts_left": 1}
    second = client.post("/api/tasks/t2/attempts", json=attempt([[5, 6, 7]], "study"), headers=h)
    assert second.json() == {"correct": True, "distance": None, "attempts_left": 0}
    third = client.post("/api/tasks/t2/attempts", json=attempt([[5, 6, 7]], "study"), headers=h)
    assert third.status_code == 409 and "no attempts left for test input 0" in third.text
    other_input = client.post("/api/tasks/t2/attempts", headers=h,
                              json=attempt([[2, 2, 3]], "study", test_index=1))
    assert other_input.json()["attempts_left"] == 1
    mine = client.get("/api/tasks/t2/attempts").json()
    assert mine["attempts_left"] == [0, 1]
    assert [(a["test_index"], a["correct"]) for a in mine["items"]] == [
        (0, False), (0, True), (1, True)]
    # another person has their own two attempts
    bob = TestClient(client.app)
    hb = login(bob, "bob")
    assert bob.post("/api/tasks/t2/attempts", json=attempt([[0]], "study"),
                    headers=hb).json()["attempts_left"] == 1


def test_practice_attempts_do_not_use_up_study_attempts(client: TestClient) -> None:
    h = login(client, "alice")
    for grid in ([[0]], [[1]], [[0, 3], [0, 5]]):
        wrong = client.post("/api/tasks/t1/attempts", json=attempt(grid), headers=h)
        assert wrong.status_code == 200 and wrong.json()["correct"] is False
    assert client.get("/api/tasks/t1/attempts").json()["attempts_left"] == [2]
    first = client.post("/api/tasks/t1/attempts", json=attempt([[1]], "study"), headers=h)
    assert first.json() == {"correct": False, "distance": None, "attempts_left": 1}
    second = client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1, "study"), headers=h)
    assert second.json() == {"correct": True, "distance": None, "attempts_left": 0}
    third = client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1, "study"), headers=h)
    assert third.status_code == 409 and "no attempts left for test input 0" in third.text
    # practice stays open after study is used up, and does not change the study count
    more = client.post("/api/tasks/t1/attempts", json=attempt([[2]]), headers=h)
    assert more.status_code == 200 and more.json()["attempts_left"] is None
    mine = client.get("/api/tasks/t1/attempts").json()
    assert mine["attempts_left"] == [0]
    assert [a["correct"] for a in mine["items"]] == [False] * 3 + [False, True] + [False]
    store = studio(client).store
    saved = store.list_attempts(store.get_user_by_name("alice").id, "t1")
    assert [a.mode for a in saved] == ["practice"] * 3 + ["study"] * 2 + ["practice"]


def test_attempt_is_saved_with_its_action_log(client: TestClient) -> None:
    h = login(client, "alice")
    actions = [
        {"tool": "edit", "cells": [[0, 1]], "colour": 3, "t_ms": 1200},
        {"tool": "fill", "cells": [[1, 0], [1, 1]], "colour": 0, "t_ms": 2400},
    ]
    r = client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1, actions=actions), headers=h)
    assert r.status_code == 200
    store = studio(client).store
    saved = store.list_attempts(store.get_user_by_name("alice").id, "t1")
    assert len(saved) == 1
    assert saved[0].correct is True and saved[0].grid == ANSWER_T1
    assert [(a["tool"], a["cells"], a["colour"], a["t_ms"]) for a in saved[0].actions] == [
        ("edit", [[0, 1]], 3, 1200), ("fill", [[1, 0], [1, 1]], 0, 2400)]
    assert saved[0].duration_ms == 2400


def test_invalid_grids_and_fields_are_refused_by_name(client: TestClient) -> None:
    h = login(client, "alice")
    cases = {
        "grid: row 1 has 1 cells, expected 2": [[0, 3], [0]],
        "grid: row 0 column 1: 11 is outside 0-9": [[0, 11]],
        "grid: row 0 column 0: '1' is str, expected an int 0-9": [["1"]],
        "grid: row 0 column 0: True is bool": [[True]],
        "grid: grid has 31 rows": [[0]] * 31,
        "grid: expected a list of rows, got dict": {"a": 1},
    }
    for message, grid in cases.items():
        r = client.post("/api/tasks/t1/attempts", json=attempt(grid), headers=h)
        assert r.status_code == 422, grid
        assert r.json()["detail"].startswith(message), r.json()
    far = client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1, test_index=3), headers=h)
    assert far.status_code == 422 and "test_index" in far.json()["detail"]
    mode = client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1, mode="exam"), headers=h)
    assert mode.status_code == 422
    bad_action = client.post("/api/tasks/t1/attempts", headers=h, json=attempt(
        ANSWER_T1, actions=[{"tool": "edit", "cells": [[0, 1]], "colour": 12, "t_ms": 1}]))
    assert bad_action.status_code == 422
    assert "colour" in str(bad_action.json()["detail"])
    assert studio(client).store.list_attempts(studio(client).store.get_user_by_name("alice").id,
                                              "t1") == []


def test_unknown_output_cannot_be_checked(client: TestClient) -> None:
    h = login(client, "alice")
    r = client.post("/api/tasks/t3/attempts", json=attempt([[6, 6]]), headers=h)
    assert r.status_code == 409 and "cannot be checked" in r.json()["detail"]


def test_unknown_task_or_version(client: TestClient) -> None:
    h = login(client, "alice")
    r = client.post("/api/tasks/nope/attempts", json=attempt([[1]]), headers=h)
    assert r.status_code == 404
    assert client.post("/api/tasks/t1/attempts", json={**attempt([[1]]), "version": 4},
                       headers=h).status_code == 404
