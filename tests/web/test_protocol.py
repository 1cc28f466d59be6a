"""The study protocol of a server: attempts per test input, practice offered or not, traces
after solving; the pages learn the real limits from /api/me."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from arcforge.web.app import create_app
from arcforge.web.settings import WebSettings

from .conftest import login, second_client

ANSWER_T1 = [[0, 3], [0, 0]]


@pytest.fixture
def harc(settings: WebSettings) -> Iterator[TestClient]:
    """H-ARC's protocol: three attempts, no practice, no traces after solving."""
    changed = settings.model_copy(update={"study_per_output": 3, "practice": False,
                                          "traces_after_solving": False})
    with TestClient(create_app(changed)) as c:
        yield c


def study(client: TestClient, h: dict[str, str], grid: list[list[int]]) -> dict:
    r = client.post("/api/tasks/t1/attempts", headers=h, json={
        "version": 0, "test_index": 0, "grid": grid, "mode": "study"})
    assert r.status_code == 200, r.text
    return r.json()


def test_me_states_the_protocol(client: TestClient, harc: TestClient) -> None:
    assert client.get("/api/me").json()["protocol"] == {
        "study_attempts": 2, "practice": True, "practice_attempts": 20,
        "practice_per_hour": 60, "traces_after_solving": True}
    assert harc.get("/api/me").json()["protocol"] == {
        "study_attempts": 3, "practice": False, "practice_attempts": 20,
        "practice_per_hour": 60, "traces_after_solving": False}


def test_three_attempts_and_no_practice(harc: TestClient) -> None:
    h = login(harc, "alice")
    refused = harc.post("/api/tasks/t1/attempts", headers=h, json={
        "version": 0, "test_index": 0, "grid": ANSWER_T1, "mode": "practice"})
    assert refused.status_code == 403 and "does not offer practice" in refused.text
    assert [study(harc, h, [[1]])["attempts_left"] for _ in range(3)] == [2, 1, 0]
    fourth = harc.post("/api/tasks/t1/attempts", headers=h, json={
        "version": 0, "test_index": 0, "grid": ANSWER_T1, "mode": "study"})
    assert fourth.status_code == 409
    assert fourth.json()["detail"] == "no attempts left for test input 1 (you used them up)"
    assert harc.get("/api/tasks/t1/attempts").json()["attempts_left"] == [0]


def test_traces_stay_closed_after_solving_when_the_studio_says_so(harc: TestClient) -> None:
    h = login(harc, "alice")
    writer = second_client(harc)
    hw = login(writer, "bob")
    assert writer.post("/api/tasks/t1/traces", headers=hw,
                       json={"version": 0, "text": "shift right"}).status_code == 201
    assert study(harc, h, ANSWER_T1)["correct"] is True
    body = harc.get("/api/tasks/t1/traces").json()
    assert body["items"] == [] and body["hidden"] is True
    assert body["hidden_reason"] == "this studio does not show other people's traces"
    assert harc.get("/api/tasks/t1").json()["test"][0]["output"] == ANSWER_T1  # the answer opens
    [trace] = writer.get("/api/tasks/t1/traces").json()["items"]  # one's own, always
    assert harc.post(f"/api/traces/{trace['id']}/vote", headers=h,
                     json={"value": 1}).status_code == 404
    root = second_client(harc)
    login(root, "root", role="admin")
    assert len(root.get("/api/tasks/t1/traces").json()["items"]) == 1


def test_labels_count_test_inputs_from_one(client: TestClient) -> None:
    h = login(client, "alice")
    r = client.post("/api/tasks/t3/attempts", headers=h, json={
        "version": 0, "test_index": 0, "grid": [[6]], "mode": "study"})
    assert r.status_code == 409 and r.json()["detail"].startswith("test input 1 has no known")
