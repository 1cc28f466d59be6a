"""``arcforge serve --workers 2`` on SQLite and PostgreSQL: limits, scores and live events hold
across the processes exactly as in one (requests are spread over both workers on purpose)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from arcforge.store import Store, open_store
from arcforge.web.security import hash_password

from .conftest import PASSWORD
from .workers import Workers, events, serving_workers

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

WRONG = [[9, 9], [9, 9]]  # not the answer of t1's test input


@pytest.fixture
def shared_store(store_url: str) -> Iterator[Store]:
    store = open_store(store_url)
    yield store
    store.dispose()


@pytest.fixture
def workers(tmp_path: Path, shared_store: Store, store_url: str) -> Iterator[Workers]:
    with serving_workers(tmp_path, shared_store, store_url, "--attempts", "3",
                         ARCFORGE_STUDIO__LOGIN_LIMIT_PER_ACCOUNT="10") as running:
        yield running


def parallel(calls: list[tuple[httpx.Client, dict[str, str]]], method: str, path: str,
             body: dict) -> list[int]:
    """The same request over every connection at once; the statuses."""
    def one(call: tuple[httpx.Client, dict[str, str]]) -> int:
        client, token = call
        try:
            return client.request(method, path, json=body, headers=token).status_code
        finally:
            client.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(one, calls))


def test_forty_voters_make_the_exact_score_and_every_page_sees_every_vote(
    workers: Workers, shared_store: Store
) -> None:
    workers.login("ann")
    trace = shared_store.add_trace("t1", 0, shared_store.get_user_by_name("ann").id, "mirror it")
    voters = [f"voter{i:02d}" for i in range(40)]
    for name in [*voters, "wes"]:
        workers.login(name)
        shared_store.reveal_answers(shared_store.get_user_by_name(name).id, "t1")
    pages = workers.pages("wes", "t1")  # one page on each process
    statuses = parallel(workers.clients(voters), "POST", f"/api/traces/{trace.id}/vote",
                        {"value": 1})
    assert statuses == [200] * 40
    for page in pages.values():
        seen = events(page, 40)
        assert {e["type"] for e in seen} == {"trace_voted"}
        assert sorted(e["score"] for e in seen) == list(range(1, 41))
        page.close()
    client, _, _ = workers.client("wes")
    [listed] = client.get("/api/tasks/t1/traces").json()["items"]
    client.close()
    assert listed["score"] == 40 == shared_store.get_trace(trace.id).score


def test_twelve_wrong_logins_are_refused_across_the_processes(workers: Workers,
                                                              shared_store: Store) -> None:
    shared_store.create_user("bob", password_hash=hash_password(PASSWORD))
    clients = workers.clients([None] * 12)
    statuses = parallel(clients, "POST", "/api/auth/login",
                        {"username": "bob", "password": "not his password"})
    assert sorted(statuses) == [401] * 10 + [429] * 2  # the limit is 10 per account
    client, token, _ = workers.client()
    last = client.post("/api/auth/login", json={"username": "bob", "password": "wrong!!!"},
                       headers=token)
    client.close()
    assert last.status_code == 429 and "Retry-After" in last.headers


def test_fifty_parallel_study_attempts_accept_exactly_the_allowed_number(
    workers: Workers, shared_store: Store
) -> None:
    workers.login("sam")
    statuses = parallel(workers.clients(["sam"] * 50), "POST", "/api/tasks/t1/attempts",
                        {"version": 0, "test_index": 0, "grid": WRONG, "mode": "study"})
    assert sorted(statuses) == [200] * 3 + [409] * 47  # --attempts 3
    sam = shared_store.get_user_by_name("sam").id
    assert len([a for a in shared_store.list_attempts(sam, "t1") if a.mode == "study"]) == 3


def test_a_restarted_worker_loses_no_page(workers: Workers, shared_store: Store) -> None:
    workers.login("ann")
    workers.login("wes")
    shared_store.reveal_answers(shared_store.get_user_by_name("wes").id, "t1")
    pages = workers.pages("wes", "t1")
    gone = min(pages)
    workers.stop_worker(gone)
    with pytest.raises(ConnectionClosed):  # that page's connection ended with its worker
        pages[gone].recv(timeout=10)
    reconnected = workers.pages("wes", "t1")  # as the page's script does
    assert gone not in reconnected
    client, token, _ = workers.client("ann")
    made = client.post("/api/tasks/t1/traces", json={"version": 0, "text": "after restart"},
                       headers=token)
    client.close()
    assert made.status_code == 201, made.text
    for page in [*reconnected.values(), *(p for pid, p in pages.items() if pid != gone)]:
        [event] = events(page, 1)
        assert event["type"] == "trace_added" and event["trace"]["text"] == "after restart"
        page.close()


def test_logging_out_through_one_process_ends_the_session_in_every_one(
    workers: Workers,
) -> None:
    workers.login("lou")
    clients = workers.clients(["lou"] * 4)  # two connections on each process
    out, token = clients[0]
    assert out.post("/api/auth/logout", headers=token).status_code == 200
    for client, _ in clients[1:]:
        assert client.get("/api/me").json()["user"] is None
        assert client.get("/api/tasks/t1/attempts").status_code == 401
        client.close()
    out.close()
