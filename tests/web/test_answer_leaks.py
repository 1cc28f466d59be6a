"""No answer leaves the studio: after ``arcforge demo`` (runs served), every GET path of
/openapi.json, every page and the live WebSocket are tried as an anonymous visitor and as a
fresh user, and no test output of any task may appear in any form (JSON compact, spaced or
over lines, digit rows; see ``leakcheck``). Then the fresh user solves one task in study
mode: they see that task's answers and traces, and still no other task's. A checker who
starts a check by use reads that one description (which here prints the answer) and nothing
else of any answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from arcforge.cli.demo import DEMO_FOLDER, demo_task_list
from arcforge.web.app import create_app
from arcforge.web.security import hash_password
from arcforge.web.settings import WebSettings
from leakcheck import Grid, as_grid, grids_in, leaks, secret_outputs

from .conftest import PASSWORD, csrf

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

SOLVED = "3c9b0459"  # builtin/dsl solves it, and its trace prints the predicted output
SWAPPED = "0d3d703e"  # an admin signs a swap of it (and a rotation of the swap)
CHECKED = "1cf80156"  # an admin describes it, printing the answer in the description
PAGES = ("/", "/login", "/runs", "/docs", "/openapi.json", "/tutorial", "/check", "/check/1")
EXPORTS = [f"{name}.{fmt}" for name in ("traces", "tasks", "attempts")
           for fmt in ("jsonl", "parquet")]
CHECK_IDS = range(1, 6)


@dataclass
class Demo:
    app: Any
    secrets: set[Grid]
    outputs: dict[str, set[Grid]]  # task id -> its test outputs
    admin: TestClient


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("demo")
    store = f"sqlite:///{root / 'store.db'}"
    env = {**os.environ, "HOME": str(root / "home"), "XDG_DATA_HOME": str(root / "data"),
           "NO_COLOR": "1"}
    for key in ("OPENAI_API_KEY", "OPENROUTER_API_KEY", "ANTHROPIC_API_KEY", "ARCFORGE_STORE"):
        env.pop(key, None)
    done = subprocess.run(
        [sys.executable, "-m", "arcforge", "demo", "--no-serve", "--no-progress",
         "--out", str(root / "runs"), "--store", store],
        capture_output=True, text=True, env=env, cwd=root, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    spec, _ids = demo_task_list()
    settings = WebSettings(store_url=store, data=(str(root / "runs" / DEMO_FOLDER), spec),
                           runs_dir=root / "runs", secret_file=root / "studio.secret")
    with TestClient(create_app(settings)) as admin:
        studio = admin.app.state.studio
        tasks = studio.store.all_tasks()
        contents = [t.content() for t in tasks if t.version == 0]
        secrets, _public = secret_outputs(contents)
        outputs = {t.id: {as_grid(p.output) for p in t.test if p.output} for t in tasks
                   if t.version == 0}
        studio.store.create_user("root", role="admin", password_hash=hash_password(PASSWORD))
        r = admin.post("/api/auth/login", headers=csrf(admin),
                       json={"username": "root", "password": PASSWORD})
        assert r.status_code == 200
        h = {"X-CSRF-Token": r.json()["csrf_token"]}
        swap = admin.post(f"/api/tasks/{SWAPPED}/variations", headers=h, json={
            "base_version": 0, "spec": {"op": "swap_train_test", "train": 0, "test": 0}}).json()
        admin.post(f"/api/tasks/{SWAPPED}/variations", headers=h, json={
            "base_version": swap["version"], "spec": {"op": "rot90"}})
        answer = tasks[[t.id for t in tasks].index(SWAPPED)].test[0].output
        admin.post(f"/api/tasks/{SWAPPED}/traces", headers=h, json={
            "version": 0, "text": "The answer:\n\n" + json.dumps(answer)})
        checked = tasks[[t.id for t in tasks].index(CHECKED)].test[0].output
        solved = admin.post(f"/api/tasks/{CHECKED}/attempts", headers=h, json={
            "version": 0, "test_index": 0, "grid": checked, "mode": "study"}).json()
        r = admin.post(f"/api/tasks/{CHECKED}/descriptions", headers=h, json={
            "attempt_id": solved["attempt_id"],
            "fields": {"how_to_build": "Draw exactly this:\n\n" + json.dumps(checked)}})
        assert r.status_code == 201, r.text
        yield Demo(admin.app, secrets, outputs, admin)


def get(client: TestClient, url: str, seen: list[tuple[str, Any]]) -> Any:
    r = client.get(url)
    assert r.status_code < 500, (url, r.status_code, r.text[:300])
    kind = r.headers.get("content-type", "")
    body = r.json() if kind.startswith("application/json") else r.text
    seen.append((url, body))
    return body if r.status_code == 200 else None


def crawl(client: TestClient, admin: TestClient) -> tuple[list[tuple[str, Any]], set[str]]:
    """Every GET path of the API (ids from the studio's own listings, version numbers from an
    admin's, so hidden ones are tried too) and every page; returns the answers and the path
    templates visited."""
    seen: list[tuple[str, Any]] = []
    visited: set[str] = set()

    def visit(template: str, url: str) -> Any:
        visited.add(template)
        return get(client, url, seen)

    visit("/api/me", "/api/me")
    sources = visit("/api/sources", "/api/sources") or {"items": []}
    task_ids: set[str] = set()
    for source in sources["items"]:
        for flags in ("", "&has_traces=true", "&has_variations=true&thumbnails=true"):
            page = visit("/api/tasks", f"/api/tasks?source={source['id']}&limit=500{flags}")
            items = page["items"] if page else []
            task_ids.update(t["id"] for t in (items if flags else items[:12]))
        visit("/api/tasks/random", f"/api/tasks/random?source={source['id']}")
        visit("/api/start", f"/api/start?source={source['id']}")
    visit("/api/checks/next", "/api/checks/next")
    for check in CHECK_IDS:
        visit("/api/checks/{check_id}", f"/api/checks/{check}")
    for file in EXPORTS:
        visit("/api/export/{file}", f"/api/export/{file}")
    task_ids.update(demo_task_list()[1])
    for tid in sorted(task_ids):
        every = admin.get(f"/api/tasks/{tid}/versions?limit=500").json()["items"]
        visit("/api/tasks/{task_id}/versions", f"/api/tasks/{tid}/versions")
        for v in [x["version"] for x in every]:
            visit("/api/tasks/{task_id}", f"/api/tasks/{tid}?version={v}")
            visit("/api/tasks/{task_id}/traces", f"/api/tasks/{tid}/traces?version={v}")
            visit("/api/tasks/{task_id}/attempts", f"/api/tasks/{tid}/attempts?version={v}")
        visit("page", f"/task/{tid}")
    runs = visit("/api/runs", "/api/runs") or {"items": []}
    for run in runs["items"]:
        detail = visit("/api/runs/{run_id}", f"/api/runs/{run['id']}")
        visit("page", f"/runs/{run['id']}")
        for task in (detail or {}).get("tasks", []):
            visit("/api/runs/{run_id}/tasks/{task_id}",
                  f"/api/runs/{run['id']}/tasks/{task['task_id']}?version={task['version']}")
    for page in PAGES:
        visit("page", page)
    return seen, visited


def live_events(demo: Demo, client: TestClient) -> list[dict[str, Any]]:
    """Events this client's WebSocket receives while an admin adds a trace holding an answer
    and signs a swap, up to a rotation everyone may see (the last event)."""
    admin = demo.admin
    h = csrf(admin)
    ids = sorted(demo_task_list()[1])
    events = []
    with client.websocket_connect("/api/ws") as ws:
        ws.send_json({"subscribe": ids})
        assert ws.receive_json()["type"] == "subscribed"
        for tid in ids[:3]:
            answer = json.dumps(sorted(demo.outputs[tid], key=str)[0])
            admin.post(f"/api/tasks/{tid}/traces", headers=h,
                       json={"version": 0, "text": f"Predicted output:\n{answer}"})
        admin.post(f"/api/tasks/{ids[3]}/variations", headers=h, json={
            "base_version": 0, "spec": {"op": "swap_train_test", "train": 0, "test": 0}})
        done = admin.post(f"/api/tasks/{ids[4]}/variations", headers=h, json={
            "base_version": 0, "spec": [{"op": "flip_h"}, {"op": "flip_v"}]}).json()
        while True:
            event = ws.receive_json()
            events.append(event)
            if event.get("task_id") == ids[4] and event.get("version") == done["version"]:
                return events


def fresh_user(demo: Demo, name: str) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(demo.app)
    r = client.post("/api/auth/signup", headers=csrf(client),
                    json={"username": name, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return client, {"X-CSRF-Token": r.json()["csrf_token"]}


def test_the_finder_reads_every_form() -> None:
    grid = [[7, 6, 4], [4, 6, 6], [4, 4, 6]]
    secret = {as_grid(grid)}
    forms = [
        grid,
        json.dumps(grid),
        json.dumps(grid, indent=1),
        "Predicted output:\n```\n764\n466\n446\n```",
        "<pre><code>7 6 4\n4 6 6\n4 4 6\n</code></pre>",
        "first\n1234\n764\n466\n446\n",  # inside a taller block
        {"a": [{"b": "x " + json.dumps(grid, separators=(",", ":")) + " y"}]},
    ]
    for form in forms:
        assert leaks(form, secret) == secret, form
    for clean in ([[7, 6, 4], [4, 6, 6]], "7646 466 446", "764 466 446", [[7, 6, 4, 4]]):
        assert leaks(clean, secret) == set(), clean


def test_an_admin_sees_the_answers_the_crawl_looks_for(demo: Demo) -> None:
    seen, _ = crawl(demo.admin, demo.admin)
    found = set().union(*(grids_in(body) for _, body in seen)) & demo.secrets
    assert demo.outputs[SOLVED] <= found and demo.outputs[SWAPPED] <= found
    assert len(found) >= 10  # model traces, run views and summaries hold many


def test_no_answer_reaches_anonymous_visitors_or_fresh_users(demo: Demo) -> None:
    spec = demo.admin.get("/openapi.json").json()
    get_paths = {p for p, ops in spec["paths"].items() if "get" in ops}
    fresh, _ = fresh_user(demo, "newcomer")
    for client in (TestClient(demo.app), fresh):
        seen, visited = crawl(client, demo.admin)
        assert get_paths <= visited, get_paths - visited
        assert len(seen) > 150
        leaked = [(url, leaks(body, demo.secrets)) for url, body in seen]
        assert [x for x in leaked if x[1]] == []
        events = live_events(demo, client)
        assert [e["type"] for e in events] == ["variation_signed"]  # only the rotation
        assert leaks(events, demo.secrets) == set()


def test_a_solver_sees_that_tasks_answers_and_no_other(demo: Demo) -> None:
    solver, h = fresh_user(demo, "solver")
    answers = demo.outputs[SOLVED]
    store = demo.app.state.studio.store
    for i, pair in enumerate(store.get_task(SOLVED).test):
        r = solver.post(f"/api/tasks/{SOLVED}/attempts", headers=h, json={
            "version": 0, "test_index": i, "grid": pair.output, "mode": "study", "actions": []})
        assert r.json()["correct"] is True
    seen, _ = crawl(solver, demo.admin)
    found = {url: leaks(body, demo.secrets) for url, body in seen}
    assert {url for url, grids in found.items() if grids - answers} == set()
    assert answers <= found[f"/api/tasks/{SOLVED}?version=0"]  # the test output itself
    traces = found[f"/api/tasks/{SOLVED}/traces?version=0"]
    assert answers <= traces  # the model's trace prints it
    views = [url for url in found if url.startswith("/api/runs/") and url.endswith(
        f"/tasks/{SOLVED}?version=0")]
    assert views and all(answers <= found[url] for url in views)


def test_a_checker_reads_that_description_and_no_other_answer(demo: Demo) -> None:
    checker, h = fresh_user(demo, "checker")
    offered = checker.get(f"/api/checks/next?task_id={CHECKED}").json()
    assert offered["description_id"] is not None and leaks(offered, demo.secrets) == set()
    started = checker.post(f"/api/descriptions/{offered['description_id']}/check", headers=h)
    check = started.json()
    assert check["id"] in CHECK_IDS and check["output"] is None
    answers = demo.outputs[CHECKED]
    assert leaks(check, demo.secrets) == answers  # the description prints it: a chosen read
    seen, _ = crawl(checker, demo.admin)
    found = {url: leaks(body, demo.secrets) for url, body in seen}
    assert {url for url, grids in found.items() if grids} == {f"/api/checks/{check['id']}"}
