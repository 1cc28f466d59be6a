"""Sources, the task browser, one task as a solver sees it, and id validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from arcforge.web.app import create_app
from arcforge.web.settings import WebSettings

from .conftest import SECRET_OUTPUTS, TASKS, login, second_client, studio


def contains_grid(value: Any, grid: list[list[int]]) -> bool:
    """True when ``grid`` appears anywhere inside a JSON value."""
    if value == grid:
        return True
    if isinstance(value, dict):
        return any(contains_grid(v, grid) for v in value.values())
    if isinstance(value, list):
        return any(contains_grid(v, grid) for v in value)
    return False


def assert_no_test_outputs(payload: Any, extra: list[Any] = ()) -> None:
    for grid in [*SECRET_OUTPUTS, *extra]:
        assert not contains_grid(payload, grid), f"test output {grid} leaked"


def test_sources_list_the_data_and_the_store(client: TestClient) -> None:
    body = client.get("/api/sources").json()
    assert body["default"] == "tasks"  # the folder's name, not the server's path
    assert body["items"] == [
        {"id": "tasks", "label": body["items"][0]["label"], "tasks": 3, "conflicts": 0},
        {"id": "store", "label": "all tasks in the store", "tasks": 3, "conflicts": 0},
    ]


def test_task_list_numbers_counts_and_paging(client: TestClient) -> None:
    body = client.get("/api/tasks").json()
    assert body["total"] == 3
    assert [(i["id"], i["number"]) for i in body["items"]] == [("t1", 1), ("t2", 2), ("t3", 3)]
    assert body["items"][0] == {"id": "t1", "number": 1, "versions": 1, "traces": 0,
                                "attempts": 0, "solved_by_me": False, "thumbnail": None}
    page = client.get("/api/tasks", params={"offset": 1, "limit": 1}).json()
    assert page["total"] == 3 and [i["id"] for i in page["items"]] == ["t2"]
    found = client.get("/api/tasks", params={"q": "T2"}).json()
    assert [i["id"] for i in found["items"]] == ["t2"]
    assert client.get("/api/tasks", params={"source": "nope"}).status_code == 404
    assert client.get("/api/tasks", params={"limit": 0}).status_code == 422


def test_task_list_filters(client: TestClient) -> None:
    h = login(client, "alice")
    client.post("/api/tasks/t2/traces", json={"version": 0, "text": "mirror"}, headers=h)
    swap56 = {"op": "permute_colours", "mapping": [0, 1, 2, 3, 4, 6, 5, 7, 8, 9]}
    client.post("/api/tasks/t3/variations", json={"base_version": 0, "spec": swap56},
                headers=h)
    client.post("/api/tasks/t1/attempts", headers=h, json={
        "version": 0, "test_index": 0, "grid": TASKS["t1"]["test"][0]["output"],
        "mode": "practice", "actions": []})

    def ids(**params: Any) -> list[str]:
        r = client.get("/api/tasks", params=params)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert ids(has_traces="true") == ["t2"]
    assert ids(has_traces="false") == ["t1", "t3"]
    assert ids(has_variations="true") == ["t3"]
    assert ids(solved_by_me="true") == ["t1"]
    assert ids(solved_by_me="false") == ["t2", "t3"]
    row = client.get("/api/tasks", params={"q": "t1"}).json()["items"][0]
    assert row["attempts"] == 1 and row["solved_by_me"] is True
    assert client.get("/api/tasks", params={"q": "t3"}).json()["items"][0]["versions"] == 2
    # the unfiltered page (counted for its ids only) agrees with the filtered queries
    unfiltered = client.get("/api/tasks").json()["items"]
    split = [*client.get("/api/tasks", params={"has_traces": "true"}).json()["items"],
             *client.get("/api/tasks", params={"has_traces": "false"}).json()["items"]]
    assert unfiltered == sorted(split, key=lambda i: i["number"])
    assert [i["solved_by_me"] for i in unfiltered] == [True, False, False]
    assert TestClient(client.app).get("/api/tasks").json()["items"][0]["solved_by_me"] is False


def test_solved_by_me_needs_a_login(client: TestClient) -> None:
    assert client.get("/api/tasks", params={"solved_by_me": "true"}).status_code == 401


def test_random_task_is_in_the_source(client: TestClient) -> None:
    seen = {client.get("/api/tasks/random").json()["id"] for _ in range(20)}
    assert seen <= set(TASKS) and len(seen) >= 2


def test_task_detail_hides_test_outputs_and_links_neighbours(client: TestClient) -> None:
    r = client.get("/api/tasks/t2")
    assert r.status_code == 200
    body = r.json()
    assert body["test"] == [{"input": [[4, 5, 6]]}, {"input": [[1, 1, 2]]}]
    assert body["train"] == TASKS["t2"]["train"]
    assert (body["number"], body["prev"], body["next"]) == (2, "t1", "t3")
    assert body["versions"][0]["version"] == 0 and body["versions"][0]["can_delete"] is False
    assert_no_test_outputs(body)
    first, last = client.get("/api/tasks/t1").json(), client.get("/api/tasks/t3").json()
    assert first["prev"] is None and last["next"] is None


def test_no_solve_view_response_carries_a_test_output(client: TestClient) -> None:
    h = login(client, "alice")
    client.post("/api/tasks/t1/variations", json={"base_version": 0, "spec": [{"op": "flip_v"}]},
                headers=h)
    flipped_output = studio(client).store.get_version("t1", 1).content["test"][0]["output"]
    assert flipped_output == [[0, 0], [0, 3]]
    responses = [
        client.get("/api/tasks"),
        client.get("/api/tasks/t1"),
        client.get("/api/tasks/t1", params={"version": 1}),
        client.get("/api/tasks/t2"),
        client.get("/api/tasks/t1/traces"),
        client.post("/api/tasks/t2/variations/preview", headers=h,
                    json={"base_version": 0, "spec": {"op": "flip_h"}}),
        client.post("/api/tasks/t2/attempts", headers=h, json={
            "version": 0, "test_index": 0, "grid": [[0]], "mode": "practice", "actions": []}),
        client.post("/api/tasks/t2/attempts", headers=h, json={
            "version": 0, "test_index": 1, "grid": [[2, 2, 4]], "mode": "study", "actions": []}),
    ]
    for r in responses:
        assert r.status_code in (200, 201), r.text
        assert_no_test_outputs(r.json(), [flipped_output])
    flipped = client.get("/api/tasks/t1", params={"version": 1}).json()
    assert flipped["test"] == [{"input": [[0, 0], [3, 0]]}]


@pytest.mark.parametrize("bad", ["%2E%2E", "..%2F..%2Fetc%2Fpasswd", "t1%00", ".hidden", "a..b",
                                 "x" * 101, "%2Fetc%2Fpasswd", "t1%20"])
def test_task_ids_outside_the_pattern_are_not_found(client: TestClient, bad: str) -> None:
    for path in (f"/api/tasks/{bad}", f"/api/tasks/{bad}/traces", f"/task/{bad}"):
        r = client.get(path)
        assert r.status_code == 404, (path, r.status_code)


def test_unknown_task_and_version(client: TestClient) -> None:
    assert client.get("/api/tasks/zzz").status_code == 404
    r = client.get("/api/tasks/t1", params={"version": 7})
    assert r.status_code == 404 and "no version 7" in r.json()["detail"]
    assert client.get("/api/tasks/t1", params={"version": -1}).status_code == 422


def test_conflicting_source_is_reported_and_stored_content_served(
    settings: WebSettings, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    changed = {"train": TASKS["t1"]["train"][::-1], "test": TASKS["t1"]["test"]}
    (other / "t1.json").write_text(json.dumps(changed))
    (other / "t9.json").write_text(json.dumps(TASKS["t3"]))
    wider = settings.model_copy(update=dict(data=(*settings.data, str(other))))
    with TestClient(create_app(wider)) as c:
        items = {s["id"]: s for s in c.get("/api/sources").json()["items"]}
        assert items["other"]["tasks"] == 2 and items["other"]["conflicts"] == 1
        served = c.get("/api/tasks/t1", params={"source": "other"}).json()
        assert served["train"] == TASKS["t1"]["train"]  # the first import's content
        assert served["source_differs"] is True
        assert c.get("/api/tasks/t1").json()["source_differs"] is False
        assert (served["number"], served["next"]) == (1, "t9")
        listed = c.get("/api/tasks", params={"source": "store"}).json()
        assert [i["id"] for i in listed["items"]] == ["t1", "t2", "t3", "t9"]


def test_invalid_data_refuses_to_start(settings: WebSettings, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x1.json").write_text(json.dumps({"train": [{"input": [[1, 12]], "output": [[1]]}],
                                             "test": [{"input": [[1]]}]}))
    from arcforge.tasks import TaskFormatError

    with pytest.raises(TaskFormatError, match=r"x1.json: train\[0\].input: row 0 column 1: 12"):
        create_app(settings.model_copy(update=dict(data=(str(bad),))))


def test_pages_are_served(client: TestClient) -> None:
    for path, marker in (("/", "index"), ("/task/t1", "task"), ("/runs", "runs"),
                         ("/runs/r1", "run"), ("/login", "login")):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert f'data-page="{marker}"' in r.text, path
        assert "script-src 'self'" in r.headers["content-security-policy"]
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/tasks/{task_id}/attempts" in spec["paths"]
    assert studio(client).settings.static_dir.is_dir()


def test_the_store_is_not_a_data_source_to_import(settings: WebSettings) -> None:
    from arcforge.errors import UsageError

    with pytest.raises(UsageError, match="always offered"):
        create_app(settings.model_copy(update=dict(data=("store",))))


def test_a_task_shows_exactly_the_test_outputs_its_viewer_unlocked(client: TestClient) -> None:
    h = login(client, "alice")
    answer = TASKS["t2"]["test"][0]["output"]
    assert client.post("/api/tasks/t2/attempts", headers=h, json={
        "version": 0, "test_index": 0, "grid": answer, "mode": "study", "actions": []}
    ).json()["correct"] is True
    assert client.get("/api/tasks/t2").json()["test"] == [
        TASKS["t2"]["test"][0], {"input": TASKS["t2"]["test"][1]["input"]}]
    flipped = client.post("/api/tasks/t2/variations", headers=h, json={
        "base_version": 0, "spec": [{"op": "reorder", "test": [1, 0]}, {"op": "flip_h"}]})
    shown = client.get("/api/tasks/t2", params={"version": flipped.json()["version"]}).json()
    assert shown["test"] == [{"input": [[2, 1, 1]]}, {"input": [[6, 5, 4]], "output": [[7, 6, 5]]}]
    bob = second_client(client)
    login(bob, "bob")
    for viewer in (TestClient(client.app), bob):  # nobody else sees them
        assert_no_test_outputs(viewer.get("/api/tasks/t2").json())
