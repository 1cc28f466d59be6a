"""Bad input never answers 500: integers past any column, text that is not valid Unicode,
oversized specs, spam, and hostile strings in run files."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import OperationalError

from arcforge.store.errors import StoreUnavailable
from arcforge.web.app import create_app
from arcforge.web.settings import WebSettings

from .conftest import TASKS, csrf, login, studio
from .runfolders import write_hostile_run

HUGE = [2**31, 2**63, 2**64 + 1, -(2**63) - 1, 10**30]


def raw(client: TestClient, method: str, url: str, text: str, headers: dict[str, str]) -> Any:
    """A request whose JSON body is sent exactly as written (escapes included)."""
    return client.request(method, url, content=text.encode(),
                          headers={**headers, "Content-Type": "application/json"})


def test_integers_past_any_column_are_422_naming_the_field(client: TestClient) -> None:
    h = login(client, "alice")
    for n in HUGE:
        for url in (f"/api/tasks/t1?version={n}", f"/api/tasks/t1/traces?version={n}",
                    f"/api/tasks/t1/attempts?version={n}", f"/api/tasks?offset={n}",
                    f"/api/tasks/t1/versions?offset={n}", f"/api/runs/x/tasks/t1?version={n}",
                    f"/api/checks/{n}", f"/api/export/traces.jsonl?min_score={n}"):
            r = client.get(url)
            assert r.status_code == 422, (url, r.status_code)
        for method, url in (("POST", f"/api/traces/{n}/vote"), ("DELETE", f"/api/traces/{n}"),
                            ("DELETE", f"/api/tasks/t1/versions/{n}"),
                            ("POST", f"/api/descriptions/{n}/check"),
                            ("POST", f"/api/checks/{n}/attempts")):
            r = client.request(method, url, json={"value": 1}, headers=h)
            assert r.status_code == 422, (method, url, r.status_code)
            assert r.json()["detail"][0]["loc"][0] == "path"
        bodies = {
            "/api/tasks/t1/attempts": [
                {"version": n, "test_index": 0, "grid": [[1]], "mode": "study"},
                {"version": 0, "test_index": n, "grid": [[1]], "mode": "study"},
                {"version": 0, "test_index": 0, "grid": [[1]], "mode": "study",
                 "duration_ms": n},
                {"version": 0, "test_index": 0, "grid": [[1]], "mode": "study",
                 "actions": [{"tool": "edit", "cells": [[n, 0]], "t_ms": 1}]},
                {"version": 0, "test_index": 0, "grid": [[1]], "mode": "study",
                 "actions": [{"tool": "edit", "t_ms": n}]},
            ],
            "/api/tasks/t1/traces": [{"version": n, "text": "x"}],
            "/api/tasks/t1/descriptions": [{"attempt_id": n, "fields": {"how_to_build": "x"}}],
            "/api/checks/1/attempts": [
                {"grid": [[1]], "duration_ms": n},
                {"grid": [[1]], "actions": [{"tool": "edit", "cells": [[0, n]], "t_ms": 1}]},
            ],
            "/api/tasks/t1/variations": [{"base_version": n, "spec": {"op": "rot90"}}],
            "/api/tasks/t1/variations/preview": [{"base_version": n, "spec": {"op": "rot90"}}],
        }
        for url, cases in bodies.items():
            for body in cases:
                r = client.post(url, json=body, headers=h)
                assert r.status_code == 422, (url, body, r.text)
                assert str(n) not in r.text  # the error names the field, not the value
    store = studio(client).store
    assert store.list_attempts(store.get_user_by_name("alice").id, "t1") == []


def test_lone_surrogates_are_422_without_the_text(client: TestClient) -> None:
    h = login(client, "alice")
    bad = "\\udead"
    cases = {
        "/api/tasks/t1/traces": f'{{"version": 0, "text": "x{bad}y"}}',
        "/api/tasks/t1/attempts": (
            '{"version": 0, "test_index": 0, "grid": [[1]], "mode": "study", '
            f'"actions": [{{"tool": "e{bad}", "t_ms": 1}}]}}'),
        "/api/tasks/t1/variations/preview": f'{{"base_version": 0, "spec": {{"op{bad}": 1}}}}',
        "/api/auth/login": f'{{"username": "a{bad}", "password": "whatever it is"}}',
        "/api/tasks/t1/descriptions":
            f'{{"attempt_id": 1, "fields": {{"how_to_build": "x{bad}"}}}}',
        "/api/checks/1/attempts": f'{{"grid": [[1]], "actions": [{{"tool": "{bad}", "t_ms": 1}}]}}',
        "/api/auth/signup": f'{{"username": "ok", "password": "{bad}{bad}{bad}{bad}x"}}',
    }
    for url, text in cases.items():
        r = raw(client, "POST", url, text, h)
        assert r.status_code == 422, (url, r.text)
        assert "udead" not in r.text.lower() and "unpaired surrogate" in r.json()["detail"]
    paired = raw(client, "POST", "/api/tasks/t1/traces",
                 '{"version": 0, "text": "a pair \\ud83d\\ude00 is fine"}', h)
    assert paired.status_code == 201 and paired.json()["text"] == "a pair \U0001f600 is fine"
    with client.websocket_connect("/api/ws") as ws:
        ws.send_text(f'{{"subscribe": ["t{bad}"]}}')
        reply = ws.receive_json()
        assert reply["type"] == "error" and "udead" not in json.dumps(reply).lower()


def test_a_spec_of_16000_operations_is_refused_cheaply(client: TestClient) -> None:
    h = login(client, "alice")
    huge = {"base_version": 0, "spec": [{"op": "rot90"}] * 16_000}
    for url in ("/api/tasks/t1/variations/preview", "/api/tasks/t1/variations"):
        assert client.post(url, json=huge, headers=h).status_code == 413
    many = {"base_version": 0, "spec": [{"op": "rot90"}] * 33}  # fits the body limit
    r = client.post("/api/tasks/t1/variations/preview", json=many, headers=h)
    assert r.status_code == 422
    assert r.json()["detail"] == "spec: transform: at most 32 operations, got 33"
    assert len(studio(client).store.list_versions("t1")) == 1


def test_versions_per_person_and_previews_are_limited(settings: WebSettings) -> None:
    limited = settings.model_copy(update=dict(versions_per_user=3, preview_limit=4))
    with TestClient(create_app(limited)) as c:
        h = login(c, "alice")
        made = [c.post("/api/tasks/t1/variations", headers=h, json={
            "base_version": 0, "spec": {"op": op}}) for op in ("flip_h", "flip_v", "rot90",
                                                                "rot270")]
        assert [r.status_code for r in made] == [200, 200, 200, 409]
        assert "the most one person may" in made[3].json()["detail"]
        assert c.get("/api/tasks/t1").json()["versions_total"] == 4
        codes = [c.post("/api/tasks/t1/variations/preview", headers=h, json={
            "base_version": 0, "spec": {"op": "rot180"}}).status_code for _ in range(6)]
        assert codes == [200] * 4 + [429] * 2


def test_a_tasks_answer_lists_one_page_of_versions(settings: WebSettings) -> None:
    with TestClient(create_app(settings.model_copy(update=dict(versions_page=2)))) as c:
        h = login(c, "alice")
        for op in ("flip_h", "flip_v", "rot90", "rot270"):
            c.post("/api/tasks/t1/variations", headers=h, json={"base_version": 0,
                                                                "spec": {"op": op}})
        task = c.get("/api/tasks/t1").json()
        assert [v["version"] for v in task["versions"]] == [0, 1]
        assert task["versions_total"] == 5
        rest = c.get("/api/tasks/t1/versions", params={"offset": 2, "limit": 10}).json()
        assert (rest["total"], [v["version"] for v in rest["items"]]) == (5, [2, 3, 4])


def test_hostile_run_files_never_break_an_answer(client: TestClient, settings: WebSettings) -> None:
    write_hostile_run(settings.runs_dir, "t1", TASKS["t1"]["test"][0]["output"])
    answer = json.dumps(TASKS["t1"]["test"][0]["output"], separators=(",", ":"))
    for url in ("/api/runs", "/api/runs/hostile", "/api/runs/hostile/tasks/t1", "/runs/hostile",
                "/api/runs/broken", "/api/runs/broken/tasks/t1", "/runs/broken"):
        r = client.get(url)
        assert r.status_code in (200, 409), (url, r.status_code, r.text[:300])
        if r.headers["content-type"].startswith("application/json"):
            text = r.content.decode("utf-8")  # valid UTF-8, valid JSON (no NaN)
            json.loads(text)
            assert answer not in text.replace(" ", "")
            assert "/srv/secret" not in text and "10.0.0.7" not in text
            assert str(settings.runs_dir) not in text
            assert "OPENAI_API_KEY" not in text and "/srv/p.txt" not in text


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8"), max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["version", "test_index", "grid", "mode", "actions", "text", "value",
                         "spec", "base_version", "username", "password", "op", "attempt_id",
                         "fields", "how_to_build", "duration_ms"]),
        inner, max_size=5),
    max_leaves=20))
def test_no_body_makes_a_500(client: TestClient, body: Any) -> None:
    h = csrf(client)
    for url in ("/api/tasks/t1/attempts", "/api/tasks/t1/traces", "/api/traces/1/vote",
                "/api/tasks/t1/variations/preview", "/api/tasks/t1/variations",
                "/api/auth/login", "/api/tasks/t1/descriptions", "/api/checks/1/attempts",
                "/api/descriptions/1/check"):
        assert client.post(url, json=body, headers=h).status_code < 500, (url, body)


def test_an_unreachable_database_answers_503_not_500(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lost(*_args: object, **_kw: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    token = csrf(client)
    monkeypatch.setattr(studio(client).store, "session_user", lost)
    r = client.get("/api/me", headers={"Cookie": "arcforge_session=" + "x" * 20})
    assert r.status_code == 503 and r.headers["Retry-After"] == "2"
    assert "server closed" not in r.text
    def busy(*_args: object, **_kw: object) -> None:
        raise StoreUnavailable("store x: database is locked")

    monkeypatch.setattr(studio(client).store, "transact", busy)
    r = client.post("/api/auth/login", json={"username": "ann", "password": "x" * 10},
                    headers=token)
    assert r.status_code == 503


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_lost_database_connections_answer_503_then_recover(client: TestClient) -> None:
    login(client, "ann")
    assert client.get("/api/tasks/t1").status_code == 200
    store = studio(client).store
    with store.engine.connect() as conn:  # the server drops every other connection
        conn.execute(sqlalchemy.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                          "datname = current_database() AND pid <> pg_backend_pid()"))
    statuses = [client.get("/api/tasks/t1").status_code for _ in range(5)]
    assert set(statuses) <= {200, 503} and statuses[-1] == 200, statuses
