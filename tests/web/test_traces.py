"""Traces: add, list blind, vote, retract, remove with permissions; safe markdown; body limits."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from arcforge.web.markdown import is_safe_url, render_markdown
from arcforge.web.visibility import ANONYMOUS_REASON, LOCKED_REASON

from .conftest import csrf, login, studio


def add(client: TestClient, headers: dict[str, str], text: str, task: str = "t1") -> dict:
    r = client.post(f"/api/tasks/{task}/traces", json={"version": 0, "text": text},
                    headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_adding_needs_a_login(client: TestClient) -> None:
    r = client.post("/api/tasks/t1/traces", json={"version": 0, "text": "x"}, headers=csrf(client))
    assert r.status_code == 401


def reader(client: TestClient, name: str, *tasks: str) -> tuple[TestClient, dict[str, str]]:
    """Another browser, logged in as someone who revealed these tasks (so reads their traces)."""
    other = TestClient(client.app)
    h = login(other, name)
    for task in tasks:
        assert other.post(f"/api/tasks/{task}/reveal", headers=h).status_code == 200
    return other, h


def test_add_and_list_traces(client: TestClient) -> None:
    h = login(client, "alice")
    made = add(client, h, "Each cell moves **one step right**.")
    assert made["author"] == "alice" and made["author_kind"] == "human"
    assert made["html"] == "<p>Each cell moves <strong>one step right</strong>.</p>\n"
    assert made["can_delete"] is True and made["score"] == 0 and made["my_vote"] == 0
    bob, _ = reader(client, "bob", "t1")
    listed = bob.get("/api/tasks/t1/traces").json()
    assert [t["id"] for t in listed["items"]] == [made["id"]] and listed["hidden"] is False
    assert listed["items"][0]["can_delete"] is False
    assert client.get("/api/tasks/t1/traces", params={"version": 1}).status_code == 404
    assert bob.get("/api/tasks/t2/traces").json() == {
        "items": [], "hidden": True, "hidden_reason": LOCKED_REASON}
    assert client.post("/api/tasks/nope/traces", json={"version": 0, "text": "x"},
                       headers=h).status_code == 404
    blank = client.post("/api/tasks/t1/traces", json={"version": 0, "text": "   "}, headers=h)
    assert blank.status_code == 422


def test_traces_are_read_blind_until_the_answers_are_unlocked(client: TestClient) -> None:
    h = login(client, "alice")
    theirs = add(client, h, "the answer is a mirror")
    carol = TestClient(client.app)
    hc = login(carol, "carol")
    mine = add(carol, hc, "my own notes")
    anon = TestClient(client.app).get("/api/tasks/t1/traces").json()
    assert anon == {"items": [], "hidden": True, "hidden_reason": ANONYMOUS_REASON}
    hidden = carol.get("/api/tasks/t1/traces").json()
    assert [t["id"] for t in hidden["items"]] == [mine["id"]]  # one's own always
    assert hidden["hidden"] is True and hidden["hidden_reason"] == LOCKED_REASON
    assert carol.post(f"/api/traces/{theirs['id']}/vote", json={"value": 1},
                      headers=hc).status_code == 404  # what she may not read does not exist
    carol.post("/api/tasks/t1/attempts", headers=hc, json={
        "version": 0, "test_index": 0, "grid": [[0, 3], [0, 0]], "mode": "study",
        "actions": []})
    solved = carol.get("/api/tasks/t1/traces").json()
    assert {t["id"] for t in solved["items"]} == {theirs["id"], mine["id"]}
    assert solved["hidden"] is False and solved["hidden_reason"] is None


def test_votes_one_per_user_retractable_and_ordering(client: TestClient) -> None:
    h = login(client, "alice")
    first = add(client, h, "first idea")
    second = add(client, h, "second idea")
    bob, hb = reader(client, "bob", "t1")
    carol, hc = reader(client, "carol", "t1")
    up = bob.post(f"/api/traces/{second['id']}/vote", json={"value": 1}, headers=hb)
    assert up.json() == {"id": second["id"], "score": 1, "my_vote": 1}
    again = bob.post(f"/api/traces/{second['id']}/vote", json={"value": 1}, headers=hb)
    assert again.json()["score"] == 1  # still one vote
    carol.post(f"/api/traces/{second['id']}/vote", json={"value": 1}, headers=hc)
    listed = bob.get("/api/tasks/t1/traces").json()["items"]
    assert [(t["id"], t["score"], t["my_vote"]) for t in listed] == [
        (second["id"], 2, 1), (first["id"], 0, 0)]
    down = bob.post(f"/api/traces/{second['id']}/vote", json={"value": -1}, headers=hb)
    assert down.json() == {"id": second["id"], "score": 0, "my_vote": -1}
    retract = bob.post(f"/api/traces/{second['id']}/vote", json={"value": 0}, headers=hb)
    assert retract.json() == {"id": second["id"], "score": 1, "my_vote": 0}
    for bad in (2, "up", None, True):
        r = bob.post(f"/api/traces/{second['id']}/vote", json={"value": bad}, headers=hb)
        assert r.status_code == 422, bad
    assert bob.post("/api/traces/999/vote", json={"value": 1}, headers=hb).status_code == 404
    assert TestClient(client.app).post(f"/api/traces/{first['id']}/vote", json={"value": 1},
                                       headers=csrf(client)).status_code in (401, 403)
    own = client.post(f"/api/traces/{first['id']}/vote", json={"value": 1}, headers=h)
    assert own.status_code == 403 and own.json() == {
        "detail": "you cannot vote on your own trace"}


def test_only_the_author_or_an_admin_removes_a_trace(client: TestClient) -> None:
    h = login(client, "alice")
    mine = add(client, h, "mine")
    other = add(client, h, "also mine")
    mallory, hm = reader(client, "mallory", "t1")
    assert mallory.delete(f"/api/traces/{mine['id']}", headers=hm).status_code == 403
    assert client.delete(f"/api/traces/{mine['id']}").status_code == 403  # no CSRF token
    assert client.delete(f"/api/traces/{mine['id']}", headers=h).json() == {"removed": True}
    assert [t["id"] for t in client.get("/api/tasks/t1/traces").json()["items"]] == [other["id"]]
    assert client.delete(f"/api/traces/{mine['id']}", headers=h).status_code == 404
    assert mallory.post(f"/api/traces/{mine['id']}/vote", json={"value": 1},
                        headers=hm).status_code == 404
    admin = TestClient(client.app)
    ha = login(admin, "root", role="admin")
    listed = admin.get("/api/tasks/t1/traces").json()["items"]
    assert listed[0]["can_delete"] is True
    assert admin.delete(f"/api/traces/{other['id']}", headers=ha).status_code == 200
    assert studio(client).store.get_trace(other["id"]).removed is True  # kept, hidden


XSS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "![x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox(1))",
    '<a href="javascript:alert(1)">a</a>',
    "<javascript:alert(1)>",
    "[x]: javascript:alert(1)\n\n[x]",
    '<svg onload="alert(1)"></svg>',
    "```html\n<iframe src=javascript:alert(1)>\n```",
]

ALLOWED_TAGS = {"p", "em", "strong", "a", "img", "code", "pre", "ul", "ol", "li", "blockquote",
                "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br", "table", "thead", "tbody", "tr",
                "th", "td", "s"}


class _Audit(HTMLParser):
    """Collects every element and attribute of rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]


def assert_inert(html: str) -> None:
    audit = _Audit()
    audit.feed(html)
    assert set(audit.tags) <= ALLOWED_TAGS, audit.tags
    for name, value in audit.attrs:
        assert not name.startswith("on"), (name, html)
        if name in ("href", "src"):
            assert is_safe_url(value), (value, html)
        assert name in ("href", "src", "alt", "title", "rel", "class", "style"), name


def test_markdown_payloads_are_rendered_inert(client: TestClient) -> None:
    h = login(client, "alice")
    made = {add(client, h, payload)["id"]: payload for payload in XSS}
    listed = client.get("/api/tasks/t1/traces").json()["items"]
    assert len(listed) == len(XSS)
    for trace in listed:
        assert trace["text"] == made[trace["id"]]
        assert_inert(trace["html"])


def test_the_audit_catches_unsafe_html() -> None:
    for unsafe in ('<img src=x onerror="alert(1)">', '<a href="javascript:alert(1)">x</a>',
                   "<script>alert(1)</script>"):
        with pytest.raises(AssertionError):
            assert_inert(unsafe)


def test_safe_links_survive_with_a_safe_rel() -> None:
    html = render_markdown("[a](https://arcprize.org) [b](/task/t1) [c](mailto:x@y.z) ![i](/i.png)")
    assert 'href="https://arcprize.org" rel="nofollow noopener noreferrer"' in html
    assert 'href="/task/t1"' in html and 'href="mailto:x@y.z"' in html
    assert '<img src="/i.png"' in html
    assert [is_safe_url(u) for u in ("http://a", "t1", "#x", "javascript:x", "data:x",
                                     " javascript:x", "java\nscript:x", "file:///etc")] == [
        True, True, True, False, False, False, False, False]


def test_oversized_bodies_are_refused_with_413(client: TestClient) -> None:
    h = login(client, "alice")
    big = {"version": 0, "text": "x" * (300 * 1024)}
    r = client.post("/api/tasks/t1/traces", json=big, headers=h)
    assert r.status_code == 413
    assert studio(client).store.list_traces("t1", 0) == []

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        yield b'{"version": 0, "text": "'
        for _ in range(40):
            yield b"y" * 8192
        yield b'"}'

    streamed = client.post("/api/tasks/t1/traces", content=chunks(),
                           headers={**h, "Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert studio(client).store.list_traces("t1", 0) == []
    fits = {"version": 0, "text": "z" * 40_000}
    assert client.post("/api/tasks/t1/traces", json=fits, headers=h).status_code == 201
    too_long = {"version": 0, "text": "z" * 60_000}  # under the body limit, over the text limit
    assert client.post("/api/tasks/t1/traces", json=too_long, headers=h).status_code == 422
