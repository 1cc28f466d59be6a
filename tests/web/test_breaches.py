"""Four ways answers used to leave the studio, each tried as an attacker would.

1. run details carried every expected test output (``scores.summary``);
2. model traces print their predicted output, and the run viewer served the code of samples
   that pass the test;
3. practice feedback (the number of differing cells) could be walked to the answer with a
   few fresh sign-ups, and a reorder variation gave a fresh practice budget;
4. a signed train/test swap showed the original's test output to everyone, and variations
   derived from it stayed public after it was removed.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from arcforge.web.app import create_app
from arcforge.web.settings import WebSettings
from leakcheck import as_grid, leaks

from .conftest import PASSWORD, TASKS, csrf, login, second_client, studio

SECRETS = {as_grid(p["output"]) for t in TASKS.values() for p in t["test"] if "output" in p}
ANSWER_T1 = TASKS["t1"]["test"][0]["output"]
SWAP = {"op": "swap_train_test", "train": 0, "test": 0}


def attempt(grid: Any, mode: str = "practice", version: int = 0, test_index: int = 0) -> dict:
    return {"version": version, "test_index": test_index, "grid": grid, "mode": mode,
            "actions": []}


def fresh_user(client: TestClient, name: str) -> tuple[TestClient, dict[str, str]]:
    other = second_client(client)
    return other, login(other, name)


# --- 1. run details -----------------------------------------------------------------------


def test_run_details_carry_no_expected_output(
    client: TestClient, settings: WebSettings, code_run: Path
) -> None:
    # code_run holds the real summary.json (arcforge.scoring), with every grid
    admin, _ = fresh_user(client, "root")
    studio(client).store.set_role(studio(client).store.get_user_by_name("root").id, "admin")
    assert leaks(admin.get("/api/runs/r-code").json(), SECRETS)  # they are there to find
    reader, _ = fresh_user(client, "reader")
    for viewer in (TestClient(client.app), reader):
        body = viewer.get("/api/runs/r-code").json()
        assert body["scores"]["summary"]["arcprize_score"] == 0.5
        assert leaks(body, SECRETS) == set()
    with TestClient(create_app(settings.model_copy(update=dict(private=True)))) as private:
        login(private, "member")
        assert leaks(private.get("/api/runs/r-code").json(), SECRETS) == set()


# --- 2. model traces and sample code -----------------------------------------------------


def test_model_traces_and_sample_code_stay_hidden_until_solved(
    client: TestClient, code_run: Path
) -> None:
    store = studio(client).store
    store.record_run("r-merged", "builtin/dsl", "reasoning", "results.jsonl")
    model = store.create_user("builtin/dsl", kind="model")
    store.add_trace("t1", 0, model.id, "## The rule\nmirror\n\nPredicted output:\n```\n03\n00\n```",
                    run_id="r-merged", sample=0)
    reader, h = fresh_user(client, "reader")
    for viewer in (TestClient(client.app), reader):
        traces = viewer.get("/api/tasks/t1/traces").json()
        assert traces["items"] == [] and traces["hidden"] is True
        assert leaks(traces, SECRETS) == set()
        merged = viewer.get("/api/runs/r-merged/tasks/t1").json()
        assert leaks(merged, SECRETS) == set()
        assert [s["reasoning"] for s in merged["samples"]] == [None]
        view = viewer.get("/api/runs/r-code/tasks/t1").json()
        assert view["test_outputs_hidden"] is True and leaks(view, SECRETS) == set()
        # the code of a passing sample recomputes the hidden output from the test input
        assert [(s["code"], s["reasoning"]) for s in view["samples"]] == [(None, None)] * 2
    # solving the task in study mode shows its traces, reasoning and code to that person
    assert reader.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1, "study"),
                       headers=h).json()["correct"] is True
    assert leaks(reader.get("/api/tasks/t1/traces").json(), SECRETS) == {as_grid(ANSWER_T1)}
    view = reader.get("/api/runs/r-code/tasks/t1").json()
    assert view["test_outputs_hidden"] is False and view["samples"][0]["code"]


# --- 3. practice is not an oracle ---------------------------------------------------------


def walk_to_answer(app: Any, task: str, shape: tuple[int, int]) -> tuple[Any, int, int]:
    """Find a hidden output with practice feedback only, signing up afresh whenever a budget
    runs out: cell by cell when the answer says how many cells differ, else by trying grids
    in order. Returns (the answer or None, practice requests, accounts)."""
    rows, cols = shape
    requests = accounts = 0
    browser, headers = TestClient(app), {}

    def sign_up() -> bool:
        nonlocal browser, headers, accounts
        browser = TestClient(app)
        r = browser.post("/api/auth/signup", headers=csrf(browser),
                         json={"username": f"walker{accounts}", "password": PASSWORD})
        if r.status_code != 201:
            return False
        accounts += 1
        headers = {"X-CSRF-Token": r.json()["csrf_token"]}
        return True

    def check(grid: list[list[int]]) -> dict | None:
        nonlocal requests
        while True:
            r = browser.post(f"/api/tasks/{task}/attempts", json=attempt(grid), headers=headers)
            if r.status_code in (401, 429):
                if not sign_up():
                    return None
                continue
            requests += 1
            return r.json()

    grid = [[0] * cols for _ in range(rows)]
    first = check(grid) if sign_up() else None
    if first is None:
        return None, requests, accounts
    differing = (first.get("distance") or {}).get("differing")
    if first["correct"]:
        return grid, requests, accounts
    if differing is not None:  # walk: keep a colour when fewer cells differ
        for r, c in itertools.product(range(rows), range(cols)):
            for colour in range(1, 10):
                grid[r][c] = colour
                answer = check(grid)
                if answer is None:
                    return None, requests, accounts
                if answer["correct"]:
                    return grid, requests, accounts
                if answer["distance"]["differing"] < differing:
                    differing = answer["distance"]["differing"]
                    break
                if answer["distance"]["differing"] > differing:
                    grid[r][c] = 0
                    break
            else:
                grid[r][c] = 0
        return None, requests, accounts
    for cells in itertools.product(range(10), repeat=rows * cols):  # right or wrong only
        guess = [list(cells[i * cols:(i + 1) * cols]) for i in range(rows)]
        answer = check(guess)
        if answer is None:
            return None, requests, accounts
        if answer["correct"]:
            return guess, requests, accounts
    return None, requests, accounts


def test_practice_feedback_cannot_be_walked_to_the_answer(settings: WebSettings) -> None:
    with TestClient(create_app(settings)) as c:
        found, requests, accounts = walk_to_answer(c.app, "t1", (2, 2))
        s = settings
        assert found is None, f"found the answer in {requests} requests with {accounts} accounts"
        assert accounts == s.signup_limit_per_ip  # then sign-up from this address stops
        assert requests <= accounts * s.practice_per_output
        # the walker's accounts tried practice only: a study attempt is still possible, and
        # it is recorded as made after practice
        store = studio(c).store
        walker = store.get_user_by_name("walker0")
        assert {a.mode for a in store.list_attempts(walker.id, "t1")} == {"practice"}


def test_practice_answers_say_right_or_wrong_and_the_size_only(client: TestClient) -> None:
    h = login(client, "alice")
    near = client.post("/api/tasks/t1/attempts", json=attempt([[0, 3], [0, 5]]), headers=h)
    assert near.json() == {"attempt_id": 1, "correct": False, "same_shape": True,
                           "attempts_left": None, "practice_left": 19}
    size = client.post("/api/tasks/t1/attempts", json=attempt([[0, 3, 0]]), headers=h)
    assert size.json()["same_shape"] is False and "distance" not in size.json()


def test_a_reorder_variation_shares_the_practice_budget_of_the_same_output(
    client: TestClient, settings: WebSettings
) -> None:
    h = login(client, "alice")
    for _ in range(settings.practice_per_output):
        assert client.post("/api/tasks/t2/attempts", json=attempt([[1, 1, 1]]),
                           headers=h).status_code == 200
    assert client.post("/api/tasks/t2/attempts", json=attempt([[1, 1, 1]]),
                       headers=h).status_code == 429
    made = client.post("/api/tasks/t2/variations", headers=h, json={
        "base_version": 0, "spec": {"op": "reorder", "test": [1, 0]}}).json()
    # test input 1 of the reorder is test input 0 of the original: the same hidden output
    refused = client.post("/api/tasks/t2/attempts", headers=h,
                          json=attempt([[1, 1, 1]], version=made["version"], test_index=1))
    assert refused.status_code == 429
    rot = client.post("/api/tasks/t2/variations", headers=h, json={
        "base_version": 0, "spec": [{"op": "flip_h"}, {"op": "permute_colours",
                                                       "mapping": [0, 2, 1, 3, 4, 5, 6, 7, 8, 9]}]})
    assert client.post("/api/tasks/t2/attempts", headers=h, json=attempt(
        [[1, 1, 1]], version=rot.json()["version"])).status_code == 429
    other = client.post("/api/tasks/t2/attempts", headers=h,
                        json=attempt([[1, 1, 1]], version=made["version"], test_index=0))
    assert other.status_code == 200  # the other test output has its own budget


def test_a_study_attempt_after_practice_is_recorded_as_such_and_unlocks_no_swap(
    client: TestClient,
) -> None:
    h = login(client, "alice")
    assert client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1),
                       headers=h).json()["correct"] is True
    study = client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1, "study"), headers=h)
    assert study.json()["correct"] is True
    store = studio(client).store
    saved = store.list_attempts(store.get_user_by_name("alice").id, "t1", mode="study")
    assert [a.after_practice for a in saved] == [True]
    refused = client.post("/api/tasks/t1/variations", json={"base_version": 0, "spec": SWAP},
                          headers=h)
    assert refused.status_code == 403 and "without practising" in refused.json()["detail"]


def test_sign_up_is_limited_per_client_address(client: TestClient, settings: WebSettings) -> None:
    codes = []
    for i in range(settings.signup_limit_per_ip + 2):
        browser = TestClient(client.app)
        codes.append(browser.post("/api/auth/signup", headers=csrf(browser), json={
            "username": f"new{i}", "password": PASSWORD}).status_code)
    assert codes == [201] * settings.signup_limit_per_ip + [429] * 2
    elsewhere = TestClient(client.app, client=("198.51.100.7", 50000))
    assert elsewhere.post("/api/auth/signup", headers=csrf(elsewhere), json={
        "username": "faraway", "password": PASSWORD}).status_code == 201


# --- 4. swap variations -------------------------------------------------------------------


def test_a_swap_variation_shows_its_output_only_to_those_who_may_see_it(
    client: TestClient,
) -> None:
    h = login(client, "alice")
    assert client.post("/api/tasks/t1/attempts", json=attempt(ANSWER_T1, "study"),
                       headers=h).json()["correct"] is True
    swap = client.post("/api/tasks/t1/variations", json={"base_version": 0, "spec": SWAP},
                       headers=h).json()
    assert swap["created"] is True
    derived = client.post("/api/tasks/t1/variations", headers=h, json={
        "base_version": swap["version"], "spec": {"op": "rot90"}}).json()
    assert leaks(client.get("/api/tasks/t1", params={"version": derived["version"]}).json(),
                 SECRETS | {as_grid([[0, 0], [0, 3]])})  # alice solved it: she sees both
    assert client.delete(f"/api/tasks/t1/versions/{swap['version']}", headers=h).status_code == 200
    bob, hb = fresh_user(client, "bob")
    rotated = {as_grid([[0, 0], [0, 3]]), as_grid([[0, 0], [3, 0]]), as_grid([[3, 0], [0, 0]])}
    for viewer, headers in ((TestClient(client.app), csrf(client)), (bob, hb)):
        for version in (swap["version"], derived["version"]):
            r = viewer.get("/api/tasks/t1", params={"version": version})
            assert r.status_code in (403, 404) and leaks(r.json(), SECRETS | rotated) == set()
            traces = viewer.get("/api/tasks/t1/traces", params={"version": version})
            assert leaks(traces.json(), SECRETS | rotated) == set()
        listing = viewer.get("/api/tasks/t1").json()
        assert [v["version"] for v in listing["versions"]] == [0]
        preview = viewer.post("/api/tasks/t1/variations/preview", headers=headers, json={
            "base_version": derived["version"], "spec": {"op": "rot270"}})
        assert preview.status_code in (401, 403, 404)
        assert leaks(preview.json(), SECRETS | rotated) == set()
