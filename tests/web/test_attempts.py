"""Attempts: checked by the server, budgets per hidden output, reveal, saved action logs."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from arcforge.web.app import create_app
from arcforge.web.settings import WebSettings

from .conftest import TASKS, csrf, login, second_client, studio

ANSWER_T1 = TASKS["t1"]["test"][0]["output"]


def attempt(grid: Any, mode: str = "practice", test_index: int = 0, **extra: Any) -> dict:
    return {"version": 0, "test_index": test_index, "grid": grid, "mode": mode,
            "actions": [], **extra}


def test_attempts_need_a_login(client: TestClient) -> None:
    r = client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1),
                    headers={"X-CSRF-Token": client.get("/api/me").json()["csrf_token"]})
    assert r.status_code == 401
    assert client.get("/api/tasks/t1/attempts").status_code == 401


def test_practice_attempts_are_budgeted_per_person_and_hidden_output(
    client: TestClient, settings: WebSettings
) -> None:
    h = login(client, "alice")
    near = [[0, 3], [0, 5]]
    budget = settings.practice_per_output
    lefts = [client.post("/api/tasks/t1/attempts", json=attempt(near), headers=h).json()
             ["practice_left"] for _ in range(budget)]
    assert lefts == list(range(budget - 1, -1, -1))
    refused = client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1), headers=h)
    assert refused.status_code == 429
    assert refused.json()["detail"] == (
        f"you used all {budget} practice attempts on test input 1: answer it in study mode "
        "or reveal it")
    # the refused attempt is neither checked nor saved
    store = studio(client).store
    alice = store.get_user_by_name("alice").id
    assert len(store.list_attempts(alice, "t1", mode="practice")) == budget
    # a variation of the task shares the budget (its test input is the same puzzle)
    client.post("/api/tasks/t1/variations", json={"base_version": 0, "spec": {"op": "rot90"}},
                headers=h)
    assert client.post("/api/tasks/t1/attempts", headers=h,
                       json={**attempt(near), "version": 1}).status_code == 429
    assert client.get("/api/tasks/t1/attempts", params={"version": 1}).json()[
        "practice_left"] == [0]
    # study attempts, other test outputs, other tasks and other people have their own
    assert client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1, "study"),
                       headers=h).json()["correct"] is True
    assert client.post("/api/tasks/t2/attempts", json=attempt([[1, 1, 1]], test_index=1),
                       headers=h).status_code == 200
    bob = second_client(client)
    assert bob.post("/api/tasks/t1/attempts", json=attempt(near),
                    headers=login(bob, "bob")).status_code == 200


def test_practice_attempts_an_hour_are_capped_per_person(settings: WebSettings) -> None:
    with TestClient(create_app(settings.model_copy(update=dict(practice_per_hour=3)))) as c:
        h = login(c, "alice")
        codes = [c.post(f"/api/tasks/{t}/attempts", json=attempt([[1]]), headers=h).status_code
                 for t in ("t1", "t2", "t1", "t2")]
        assert codes == [200, 200, 200, 429]
        refused = c.post("/api/tasks/t2/attempts", json=attempt([[1]]), headers=h)
        assert refused.json()["detail"].startswith(
            "too many practice attempts (at most 3 an hour); try again in ")
        assert 3000 < int(refused.headers["Retry-After"]) <= 3600
        assert c.post("/api/tasks/t2/attempts", json=attempt([[1]], "study"),
                      headers=h).status_code == 200  # study is not capped by it


def test_study_mode_says_right_or_wrong_with_two_attempts_per_test_input(
    client: TestClient,
) -> None:
    h = login(client, "alice")
    first = client.post("/api/tasks/t2/attempts", json=attempt([[1, 1, 1]], "study"), headers=h)
    assert first.json() == {"attempt_id": 1, "correct": False, "same_shape": None,
                            "attempts_left": 1, "practice_left": None}
    second = client.post("/api/tasks/t2/attempts", json=attempt([[5, 6, 7]], "study"), headers=h)
    assert second.json() == {"attempt_id": 2, "correct": True, "same_shape": None,
                             "attempts_left": 0, "practice_left": None}
    third = client.post("/api/tasks/t2/attempts", json=attempt([[5, 6, 7]], "study"), headers=h)
    assert third.status_code == 409
    assert third.json()["detail"] == "no attempts left for test input 1 (you solved it)"
    other_input = client.post("/api/tasks/t2/attempts", headers=h,
                              json=attempt([[2, 2, 3]], "study", test_index=1))
    assert other_input.json()["attempts_left"] == 0  # solved: nothing left to try
    mine = client.get("/api/tasks/t2/attempts").json()
    assert mine["attempts_left"] == [0, 0]
    assert [(a["test_index"], a["correct"], a["mode"]) for a in mine["items"]] == [
        (0, False, "study"), (0, True, "study"), (1, True, "study")]
    # another person has their own two attempts
    bob = TestClient(client.app)
    hb = login(bob, "bob")
    assert bob.post("/api/tasks/t2/attempts", json=attempt([[0]], "study"),
                    headers=hb).json()["attempts_left"] == 1


def test_using_up_the_study_attempts_unlocks_the_answer(client: TestClient) -> None:
    h = login(client, "alice")
    for grid in ([[1]], [[2]]):
        assert client.post("/api/tasks/t1/attempts", json=attempt(grid, "study"),
                           headers=h).json()["correct"] is False
    assert client.get("/api/tasks/t1").json()["test"] == [TASKS["t1"]["test"][0]]
    refused = client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1, "study"), headers=h)
    assert refused.json()["detail"] == "no attempts left for test input 1 (you used them up)"


def test_revealing_a_task_ends_its_study_attempts_and_shows_its_answers(
    client: TestClient,
) -> None:
    h = login(client, "alice")
    assert client.get("/api/tasks/t2").json()["test"] == [
        {"input": p["input"]} for p in TASKS["t2"]["test"]]
    assert client.post("/api/tasks/t2/reveal", headers=h).json() == {"revealed": True}
    assert client.get("/api/tasks/t2").json()["test"] == TASKS["t2"]["test"]
    refused = client.post("/api/tasks/t2/attempts", json=attempt([[5, 6, 7]], "study"),
                          headers=h)
    assert refused.status_code == 409 and "you revealed the answers" in refused.json()["detail"]
    assert client.get("/api/tasks/t2/attempts").json()["attempts_left"] == [0, 0]
    assert client.post("/api/tasks/t2/reveal", headers=h).status_code == 200  # once is enough
    store = studio(client).store
    assert store.unlocked_answers(store.get_user_by_name("alice").id, ["t2"]) == {
        "t2": frozenset({"*"})}
    assert client.post("/api/tasks/nope/reveal", headers=h).status_code == 404
    assert TestClient(client.app).post("/api/tasks/t2/reveal",
                                       headers=csrf(client)).status_code in (401, 403)


def test_practice_attempts_do_not_use_up_study_attempts(client: TestClient) -> None:
    h = login(client, "alice")
    for grid in ([[0]], [[1]], [[0, 3], [0, 5]]):
        wrong = client.post("/api/tasks/t1/attempts", json=attempt(grid), headers=h)
        assert wrong.status_code == 200 and wrong.json()["correct"] is False
    assert client.get("/api/tasks/t1/attempts").json()["attempts_left"] == [2]
    first = client.post("/api/tasks/t1/attempts", json=attempt([[1]], "study"), headers=h)
    assert first.json()["attempts_left"] == 1
    second = client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1, "study"), headers=h)
    assert {**second.json(), "attempt_id": 0} == {
        "attempt_id": 0, "correct": True, "same_shape": None, "attempts_left": 0,
        "practice_left": None}
    third = client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1, "study"), headers=h)
    assert third.status_code == 409 and "no attempts left for test input 1" in third.text
    # practice stays open after study is over, and does not change the study count
    more = client.post("/api/tasks/t1/attempts", json=attempt([[2]]), headers=h)
    assert more.status_code == 200 and more.json()["attempts_left"] is None
    mine = client.get("/api/tasks/t1/attempts").json()
    assert mine["attempts_left"] == [0]
    assert [a["correct"] for a in mine["items"]] == [False] * 3 + [False, True] + [False]
    store = studio(client).store
    saved = store.list_attempts(store.get_user_by_name("alice").id, "t1")
    assert [a.mode for a in saved] == ["practice"] * 3 + ["study"] * 2 + ["practice"]
    assert [a.after_practice for a in saved if a.mode == "study"] == [True, True]


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
        ("edit", [[0, 1]], 3, 1200), ("fill", [[1, 0], [1, 1]], 0, 2400),
        ("submit", [], None, 2400)]  # the store adds the submission and its result
    assert saved[0].actions[-1] | {"mode": "practice", "correct": True} == saved[0].actions[-1]
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
