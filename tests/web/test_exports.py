"""Exports for admins through the API; thumbnails of a page of tasks in one request; a first
task for newcomers."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
from fastapi.testclient import TestClient

from .conftest import SECRET_OUTPUTS, TASKS, login, second_client


def test_only_admins_export(client: TestClient) -> None:
    h = login(client, "alice")
    client.post("/api/tasks/t1/attempts", headers=h, json={
        "version": 0, "test_index": 0, "grid": [[1]], "mode": "study",
        "actions": [{"tool": "edit", "cells": [[0, 0]], "colour": 1, "t_ms": 30}]})
    client.post("/api/tasks/t1/traces", headers=h, json={"version": 0, "text": "alice says"})
    for file in ("attempts.jsonl", "traces.parquet"):
        assert client.get(f"/api/export/{file}").status_code == 403
        assert second_client(client).get(f"/api/export/{file}").status_code == 401
    root = second_client(client)
    login(root, "root", role="admin")
    r = root.get("/api/export/attempts.jsonl")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    [row] = [json.loads(line) for line in r.text.splitlines()]
    assert row["user"].startswith("p-") and "alice" not in r.text
    assert [a["tool"] for a in row["actions"]] == ["edit", "submit"]
    tasks = root.get("/api/export/tasks.jsonl")
    outputs = [p["output"] for t in map(json.loads, tasks.text.splitlines()) for p in t["test"]]
    assert SECRET_OUTPUTS[0] in outputs  # admins get the answers: that is the data
    table = pq.read_table(io.BytesIO(root.get("/api/export/traces.parquet").content))
    assert table.column("author").to_pylist() == [row["user"]]
    assert root.get("/api/export/traces.jsonl?source=model").text == ""
    assert root.get("/api/export/traces.jsonl?min_score=1").text == ""
    for bad in ("/api/export/users.jsonl", "/api/export/traces.csv", "/api/export/..",
                "/api/export/traces.jsonl?source=people",
                "/api/export/traces.jsonl?min_score=99999999999"):
        assert root.get(bad).status_code in (404, 422), bad


def test_a_page_of_thumbnails_in_one_request(client: TestClient) -> None:
    plain = client.get("/api/tasks").json()
    assert all(item["thumbnail"] is None for item in plain["items"])
    body = client.get("/api/tasks?thumbnails=true&limit=2").json()
    assert [(i["id"], i["thumbnail"]) for i in body["items"]] == [
        (tid, TASKS[tid]["train"][0]) for tid in ("t1", "t2")]


def test_newcomers_start_with_an_easy_unsolved_task(client: TestClient) -> None:
    # the fewest cells of the folder, among tasks that can be solved (t3 cannot)
    assert client.get("/api/start").json() == {"id": "t2", "source": "tasks"}
    h = login(client, "newbie")
    for i, pair in enumerate(TASKS["t2"]["test"]):
        client.post("/api/tasks/t2/attempts", headers=h, json={
            "version": 0, "test_index": i, "grid": pair["output"], "mode": "study"})
    assert client.get("/api/start").json()["id"] == "t1"  # solved t2
    assert second_client(client).get("/api/start").json()["id"] == "t2"
    assert client.get("/api/start?source=nope").status_code == 404
