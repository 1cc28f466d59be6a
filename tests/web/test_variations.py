"""Variations: preview, sign (new or identical), remove with permissions, swap guard."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import TASKS, csrf, login, second_client, studio

SWAP_56 = {"op": "permute_colours", "mapping": [0, 1, 2, 3, 4, 6, 5, 7, 8, 9]}


def test_preview_applies_the_spec_without_saving_or_revealing(client: TestClient) -> None:
    h = csrf(client)  # anonymous readers may preview
    r = client.post("/api/tasks/t2/variations/preview", headers=h,
                    json={"base_version": 0, "spec": [{"op": "flip_h"}, SWAP_56]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] is None
    assert body["train"] == [{"input": [[3, 2, 1]], "output": [[4, 3, 2]]}]
    assert body["test"] == [{"input": [[5, 6, 4]]}, {"input": [[2, 1, 1]]}]
    assert body["transform"] == [{"op": "flip_h"}, SWAP_56]
    assert len(studio(client).store.list_versions("t2")) == 1


def test_invalid_specs_are_refused_naming_the_field(client: TestClient) -> None:
    h = csrf(client)
    cases = [
        ({"op": "spin"}, "spec: transform[0]"),
        ({"op": "permute_colours", "mapping": [1, 1, 2, 3, 4, 5, 6, 7, 8, 9]},
         "not a permutation"),
        ([{"op": "rot90", "extra": 1}], "transform[0].rot90.extra"),
        ({"op": "reorder", "train": [0, 0]}, "reorder.train"),
        ({"op": "swap_train_test", "train": 5, "test": 0}, "swap_train_test"),
        ("rot90", "spec: "),
    ]
    for spec, fragment in cases:
        r = client.post("/api/tasks/t2/variations/preview", json={"base_version": 0, "spec": spec},
                        headers=h)
        assert r.status_code in (401, 422), (spec, r.text)
        if r.status_code == 422:
            assert fragment in r.json()["detail"], (spec, r.json())
    hl = login(client, "alice")
    bad = client.post("/api/tasks/t2/variations", json={"base_version": 0, "spec": {"op": "x"}},
                      headers=hl)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("spec: transform[0]")
    assert len(studio(client).store.list_versions("t2")) == 1


def test_signing_creates_then_adds_signatures(client: TestClient) -> None:
    assert client.post("/api/tasks/t2/variations", json={"base_version": 0, "spec": SWAP_56},
                       headers=csrf(client)).status_code == 401
    h = login(client, "alice")
    first = client.post("/api/tasks/t2/variations", json={"base_version": 0, "spec": SWAP_56},
                        headers=h)
    assert first.status_code == 200 and first.json()["version"] == 1
    assert first.json()["created"] is True
    bob = TestClient(client.app)
    hb = login(bob, "bob")
    same = bob.post("/api/tasks/t2/variations", json={"base_version": 0, "spec": [SWAP_56]},
                    headers=hb)
    assert same.json() == {"version": 1, "created": False, "outcome": "signed"}
    task = client.get("/api/tasks/t2", params={"version": 1}).json()
    assert task["signed_by"] == ["alice", "bob"]
    assert task["parent"] == {"id": "t2", "version": 0}
    assert task["test"] == [{"input": [[4, 6, 5]]}, {"input": [[1, 1, 2]]}]
    versions = {v["version"]: v for v in task["versions"]}
    assert versions[1]["can_delete"] is True and versions[1]["created_by"] == "alice"
    assert bob.get("/api/tasks/t2").json()["versions"][1]["can_delete"] is False
    # a variation of the variation gets the next number
    nxt = client.post("/api/tasks/t2/variations", headers=h,
                      json={"base_version": 1, "spec": {"op": "flip_h"}})
    assert nxt.json()["version"] == 2


def test_only_the_creator_or_an_admin_removes_a_version(client: TestClient) -> None:
    h = login(client, "alice")
    client.post("/api/tasks/t2/variations", json={"base_version": 0, "spec": SWAP_56}, headers=h)
    mallory = TestClient(client.app)
    hm = login(mallory, "mallory")
    refused = mallory.delete("/api/tasks/t2/versions/1", headers=hm)
    assert refused.status_code == 403
    assert client.get("/api/tasks/t2", params={"version": 1}).status_code == 200
    assert client.delete("/api/tasks/t2/versions/1").status_code == 403  # no CSRF token
    assert client.delete("/api/tasks/t2/versions/0", headers=h).status_code == 409
    assert client.delete("/api/tasks/t2/versions/9", headers=h).status_code == 404
    ok = client.delete("/api/tasks/t2/versions/1", headers=h)
    assert ok.status_code == 200 and ok.json() == {"removed": True}
    assert client.get("/api/tasks/t2", params={"version": 1}).status_code == 404
    listed = client.get("/api/tasks/t2").json()["versions"]
    assert [(v["version"], v["removed"]) for v in listed] == [(0, False), (1, True)]
    assert client.get("/api/tasks", params={"q": "t2"}).json()["items"][0]["versions"] == 1
    # an admin may remove anyone's variation
    swap_34 = {"op": "permute_colours", "mapping": [0, 1, 2, 4, 3, 5, 6, 7, 8, 9]}
    made = client.post("/api/tasks/t1/variations", json={"base_version": 0, "spec": swap_34},
                       headers=h)
    assert made.json()["created"] is True
    admin = TestClient(client.app)
    ha = login(admin, "root", role="admin")
    assert admin.delete("/api/tasks/t1/versions/1", headers=ha).status_code == 200


def test_swapping_a_test_pair_needs_it_solved(client: TestClient) -> None:
    swap = {"base_version": 0, "spec": {"op": "swap_train_test", "train": 0, "test": 0}}
    anon = client.post("/api/tasks/t1/variations/preview", json=swap, headers=csrf(client))
    assert anon.status_code == 401
    h = login(client, "alice")
    refused = client.post("/api/tasks/t1/variations/preview", json=swap, headers=h)
    assert refused.status_code == 403 and "moves a test output" in refused.json()["detail"]
    assert client.post("/api/tasks/t1/variations", json=swap, headers=h).status_code == 403
    answer = {"version": 0, "test_index": 0, "grid": TASKS["t1"]["test"][0]["output"],
              "actions": []}
    # a practice solve unlocks nothing: practice may be tried many times
    practised = client.post("/api/tasks/t1/attempts", headers=h,
                            json={**answer, "mode": "practice"})
    assert practised.json()["correct"] is True
    for path in ("/api/tasks/t1/variations/preview", "/api/tasks/t1/variations"):
        assert client.post(path, json=swap, headers=h).status_code == 403
    # a study solve after practice unlocks the answer (she may see it), but vouches for
    # nothing: she may not sign a version that shows it
    client.post("/api/tasks/t1/attempts", headers=h, json={**answer, "mode": "study"})
    preview = client.post("/api/tasks/t1/variations/preview", json=swap, headers=h)
    assert preview.status_code == 200
    assert preview.json()["train"][0] == TASKS["t1"]["test"][0]
    refused = client.post("/api/tasks/t1/variations", json=swap, headers=h)
    assert refused.status_code == 403 and "without practising" in refused.json()["detail"]
    carol = second_client(client)
    hc = login(carol, "carol")
    carol.post("/api/tasks/t1/attempts", headers=hc, json={**answer, "mode": "study"})
    assert carol.post("/api/tasks/t1/variations", json=swap, headers=hc).json()["created"]


def test_a_removed_version_cannot_be_varied_or_traced(client: TestClient) -> None:
    h = login(client, "alice")
    client.post("/api/tasks/t2/variations", json={"base_version": 0, "spec": SWAP_56}, headers=h)
    client.delete("/api/tasks/t2/versions/1", headers=h)
    body = {"base_version": 1, "spec": {"op": "rot180"}}
    assert client.post("/api/tasks/t2/variations/preview", json=body, headers=h).status_code == 404
    refused = client.post("/api/tasks/t2/variations", json=body, headers=h)
    assert refused.status_code == 409 and "removed" in refused.json()["detail"]
    trace = client.post("/api/tasks/t2/traces", json={"version": 1, "text": "x"}, headers=h)
    assert trace.status_code == 409
    # signing the same content again brings the version back under its old number
    again = client.post("/api/tasks/t2/variations", json={"base_version": 0, "spec": SWAP_56},
                        headers=h)
    assert again.json() == {"version": 1, "created": False, "outcome": "restored"}
    assert client.get("/api/tasks/t2", params={"version": 1}).status_code == 200


def test_only_the_creator_or_an_admin_may_restore_a_removed_version(client: TestClient) -> None:
    h = login(client, "alice")
    body = {"base_version": 0, "spec": {"op": "rot90"}}
    assert client.post("/api/tasks/t1/variations", json=body, headers=h).json()["version"] == 1
    assert client.delete("/api/tasks/t1/versions/1", headers=h).status_code == 200
    mallory = second_client(client)
    hm = login(mallory, "mallory")
    refused = mallory.post("/api/tasks/t1/variations", json=body, headers=hm)
    assert refused.status_code == 409
    assert "removed by its author" in refused.json()["detail"]
    assert client.get("/api/tasks/t1", params={"version": 1}).status_code == 404  # still removed
    admin = second_client(client)
    ha = login(admin, "root", role="admin")
    restored = admin.post("/api/tasks/t1/variations", json=body, headers=ha)
    assert restored.json() == {"version": 1, "created": False, "outcome": "restored"}
    assert client.get("/api/tasks/t1", params={"version": 1}).status_code == 200


def test_an_admin_swaps_without_solving(client: TestClient) -> None:
    h = login(client, "root", role="admin")
    swap = {"base_version": 0, "spec": {"op": "swap_train_test", "train": 0, "test": 0}}
    assert client.post("/api/tasks/t1/variations/preview", json=swap, headers=h).status_code == 200


def test_a_reorder_cannot_smuggle_an_unsolved_test_output(client: TestClient) -> None:
    h = login(client, "alice")
    client.post("/api/tasks/t2/attempts", headers=h, json={
        "version": 0, "test_index": 0, "grid": TASKS["t2"]["test"][0]["output"],
        "mode": "study", "actions": []})
    client.post("/api/tasks/t2/attempts", headers=h, json={
        "version": 0, "test_index": 1, "grid": TASKS["t2"]["test"][1]["output"],
        "mode": "practice", "actions": []})  # practice: test 1 still counts as unsolved
    direct = {"op": "swap_train_test", "train": 0, "test": 0}
    ok = client.post("/api/tasks/t2/variations/preview", headers=h,
                     json={"base_version": 0, "spec": direct})
    assert ok.status_code == 200  # test 0 is solved
    smuggle = [{"op": "reorder", "test": [1, 0]}, direct]  # slot 0 now holds test 1
    for path in ("/api/tasks/t2/variations/preview", "/api/tasks/t2/variations"):
        r = client.post(path, headers=h, json={"base_version": 0, "spec": smuggle})
        assert r.status_code == 403 and "moves a test output" in r.json()["detail"], r.text
