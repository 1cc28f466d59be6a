"""Live events over ``WS /api/ws``: what one browser does reaches another on the same task."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from arcforge.web.app import create_app
from arcforge.web.settings import WebSettings
from arcforge.web.visibility import Audiences

from .conftest import csrf, login

pytestmark = pytest.mark.timeout(60)

SWAP_12 = {"op": "permute_colours", "mapping": [0, 2, 1, 3, 4, 5, 6, 7, 8, 9]}


def watcher_who_revealed(client: TestClient, *task_ids: str) -> tuple[TestClient, dict]:
    """A second browser, logged in as someone who may read these tasks' traces."""
    watcher = TestClient(client.app)
    h = login(watcher, "watcher")
    for task_id in task_ids:
        assert watcher.post(f"/api/tasks/{task_id}/reveal", headers=h).status_code == 200
    return watcher, h


def test_trace_and_variation_events_reach_a_subscriber(client: TestClient) -> None:
    h = login(client, "alice")
    watcher, hw = watcher_who_revealed(client, "t1")
    with watcher.websocket_connect("/api/ws") as ws:
        ws.send_json({"subscribe": ["t1"]})
        assert ws.receive_json() == {"type": "subscribed", "task_ids": ["t1"]}
        # an event of a task the page does not show is not sent: the next one is t1's
        client.post("/api/tasks/t2/traces", json={"version": 0, "text": "elsewhere"}, headers=h)
        made = client.post("/api/tasks/t1/traces", json={"version": 0, "text": "*live*"},
                           headers=h).json()
        added = ws.receive_json()
        assert added["type"] == "trace_added" and added["task_id"] == "t1"
        assert added["version"] == 0
        assert added["trace"]["id"] == made["id"] and added["trace"]["html"] == made["html"]
        assert added["trace"]["can_delete"] is False and added["trace"]["my_vote"] == 0

        watcher.post(f"/api/traces/{made['id']}/vote", json={"value": 1}, headers=hw)
        assert ws.receive_json() == {"type": "trace_voted", "task_id": "t1", "version": 0,
                                     "trace_id": made["id"], "score": 1}
        client.delete(f"/api/traces/{made['id']}", headers=h)
        assert ws.receive_json() == {"type": "trace_removed", "task_id": "t1", "version": 0,
                                     "trace_id": made["id"]}
        client.post("/api/tasks/t1/variations", json={"base_version": 0, "spec": SWAP_12},
                    headers=h)
        assert ws.receive_json() == {"type": "variation_signed", "task_id": "t1", "version": 1,
                                     "created": True, "signed_by": ["alice"]}
        client.delete("/api/tasks/t1/versions/1", headers=h)
        assert ws.receive_json() == {"type": "variation_removed", "task_id": "t1", "version": 1}


def test_two_subscribers_and_resubscribing(client: TestClient) -> None:
    h = login(client, "alice")
    (a, _), b = watcher_who_revealed(client, "t2"), TestClient(client.app)
    login(b, "bob")
    b.post("/api/tasks/t2/reveal", headers=csrf(b))
    with a.websocket_connect("/api/ws") as wa, b.websocket_connect("/api/ws") as wb:
        wa.send_json({"subscribe": ["t1", "t2"]})
        wa.receive_json()
        wb.send_json({"subscribe": ["t2"]})
        wb.receive_json()
        client.post("/api/tasks/t2/traces", json={"version": 0, "text": "both"}, headers=h)
        assert wa.receive_json()["trace"]["text"] == "both"
        assert wb.receive_json()["trace"]["text"] == "both"
        wb.send_json({"subscribe": ["t3"]})  # replaces t2
        assert wb.receive_json() == {"type": "subscribed", "task_ids": ["t3"]}
        client.post("/api/tasks/t2/traces", json={"version": 0, "text": "only a"}, headers=h)
        client.post("/api/tasks/t3/traces", json={"version": 0, "text": "b's"}, headers=h)
        assert wa.receive_json()["trace"]["text"] == "only a"
        assert wb.receive_json()["trace"]["text"] == "b's"
    assert client.app.state.studio.hub.subscriber_count == 0


def test_bad_messages_get_an_error_and_the_connection_stays(client: TestClient) -> None:
    with TestClient(client.app).websocket_connect("/api/ws") as ws:
        for message, fragment in (("not json", "expected JSON"),
                                  ('{"subscribe": "t1"}', "expected"),
                                  ('{"subscribe": ["../x"]}', "subscribe[0]: not a task id"),
                                  ('{"subscribe": ["t1", "\\ud800"]}', "subscribe[1]: not"),
                                  ('{"subscribe": ' + str([f"t{i}" for i in range(101)])
                                   .replace("'", '"') + "}", "at most 100")):
            ws.send_text(message)
            reply = ws.receive_json()
            assert reply["type"] == "error" and fragment in reply["detail"], reply
        ws.send_bytes(b'{"subscribe": ["t1"]}')  # a binary frame: refused, not a crash
        assert ws.receive_json() == {"type": "error", "detail": "expected a text frame"}
        ws.send_json({"subscribe": ["t1"]})
        assert ws.receive_json()["type"] == "subscribed"


def test_cross_site_connections_are_refused(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
        "/api/ws", headers={"Origin": "https://evil.example"}
    ):
        pass
    assert refused.value.code == 1008
    with client.websocket_connect("/api/ws", headers={"Origin": "http://testserver"}) as ws:
        ws.send_json({"subscribe": []})
        assert ws.receive_json()["type"] == "subscribed"


def test_private_studio_needs_a_login_for_live_events(settings: WebSettings) -> None:
    with TestClient(create_app(settings.model_copy(update=dict(private=True)))) as c:
        with pytest.raises(WebSocketDisconnect) as refused, c.websocket_connect("/api/ws"):
            pass
        assert refused.value.code == 1008
        login(c, "alice")
        with c.websocket_connect("/api/ws") as ws:
            ws.send_json({"subscribe": ["t1"]})
            assert ws.receive_json()["type"] == "subscribed"


async def test_a_subscriber_that_falls_behind_is_told_to_stop() -> None:
    from arcforge.web.hub import QUEUE_SIZE, Hub

    hub = Hub()
    slow, other = hub.add(), hub.add()
    hub.subscribe(slow, ["t1"])
    hub.subscribe(other, ["t2"])
    for n in range(QUEUE_SIZE):
        hub.publish({"type": "trace_voted", "task_id": "t1", "score": n}, lambda _s: True)
    assert slow.queue.qsize() == QUEUE_SIZE and not slow.overflowed
    assert other.queue.empty()
    hub.publish({"type": "trace_voted", "task_id": "t1", "score": -1}, lambda _s: True)
    assert slow.overflowed and slow.queue.qsize() == 1
    assert await slow.queue.get() is None  # the sender closes the connection


def test_events_reach_only_those_who_may_see_them(client: TestClient) -> None:
    """Trace events of a task go to those who may read its traces (and their author), and
    a swap version's events to those who may see it; t3 has no known output, so its traces
    are for everyone: its events show that nothing else came before them."""
    h = login(client, "root", role="admin")
    anon = TestClient(client.app)
    fresh = TestClient(client.app)
    login(fresh, "fresh")
    solver = TestClient(client.app)
    hs = login(solver, "solver")
    assert solver.post("/api/tasks/t1/attempts", headers=hs, json={
        "version": 0, "test_index": 0, "grid": [[0, 3], [0, 0]], "mode": "study",
        "actions": []}).json()["correct"] is True
    with anon.websocket_connect("/api/ws") as wa, fresh.websocket_connect("/api/ws") as wf, \
            solver.websocket_connect("/api/ws") as wsv:
        for ws in (wa, wf, wsv):
            ws.send_json({"subscribe": ["t1", "t3"]})
            ws.receive_json()
        made = client.post("/api/tasks/t1/traces", headers=h, json={
            "version": 0, "text": "Predicted output:\n```\n03\n00\n```"}).json()
        assert solver.post(f"/api/traces/{made['id']}/vote", json={"value": 1},
                           headers=hs).status_code == 200
        client.post("/api/tasks/t1/variations", headers=h, json={
            "base_version": 0, "spec": {"op": "swap_train_test", "train": 0, "test": 0}})
        client.post("/api/tasks/t3/traces", headers=h, json={"version": 0, "text": "open"})
        for ws in (wa, wf):
            event = ws.receive_json()
            assert (event["type"], event["task_id"]) == ("trace_added", "t3"), event
        seen = [wsv.receive_json() for _ in range(4)]
        assert [(e["type"], e["task_id"]) for e in seen] == [
            ("trace_added", "t1"), ("trace_voted", "t1"), ("variation_signed", "t1"),
            ("trace_added", "t3")]


def test_a_logged_out_connection_gets_no_more_answers(client: TestClient) -> None:
    h = login(client, "root", role="admin")
    reader = TestClient(client.app)
    hr = login(reader, "reader")
    reader.post("/api/tasks/t1/reveal", headers=hr)
    with reader.websocket_connect("/api/ws") as ws:
        ws.send_json({"subscribe": ["t1", "t3"]})
        ws.receive_json()
        client.post("/api/tasks/t1/traces", headers=h, json={"version": 0, "text": "one"})
        assert ws.receive_json()["trace"]["text"] == "one"
        reader.post("/api/auth/logout", headers=hr)
        client.post("/api/tasks/t1/traces", headers=h, json={"version": 0, "text": "two"})
        client.post("/api/tasks/t3/traces", headers=h, json={"version": 0, "text": "three"})
        assert ws.receive_json()["trace"]["text"] == "three"


def test_audiences_decide_alike_with_and_without_prefetching(client: TestClient) -> None:
    """Deliveries look subscribers up in a few queries; the decisions are the one rule's."""
    s = client.app.state.studio  # type: ignore[attr-defined]
    store = s.store
    people = {name: store.create_user(name, role=role, password_hash="x")
              for name, role in (("ann", "user"), ("ben", "user"), ("root", "admin"))}
    tokens = {name: store.start_session(u.id, 3600) for name, u in people.items()}
    store.reveal_answers(people["ben"].id, "t1")
    gone = store.start_session(people["ben"].id, 3600)
    store.end_session(gone)
    subscribers = [None, "not a token", gone, *tokens.values()]
    events = [{"type": "trace_added", "task_id": t, "version": 0} for t in ("t1", "t2", "t9")]
    events += [{"type": "variation_signed", "task_id": "t1", "version": 0},
               {"type": "other", "task_id": "t1", "version": 0}]

    def decisions(prefetch: bool) -> list[bool]:
        audiences = Audiences(s.visibility, store.session_user)
        if prefetch:
            audiences.prefetch(subscribers, ["t1", "t2", "t9"])
        return [audiences.of(e, author)(token) for e in events for author in (None, "ann")
                for token in subscribers]

    assert decisions(True) == decisions(False)
    first = decisions(True)[:len(subscribers)]  # t1's trace, no author
    assert first == [False, False, False, False, True, True]  # ben revealed t1; root is admin
