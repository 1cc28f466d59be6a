"""Accounts, sessions, CSRF, rate limits and private mode."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from arcforge.errors import ArcforgeError
from arcforge.web.app import create_app
from arcforge.web.security import SESSION_COOKIE, hash_password
from arcforge.web.settings import WebSettings

from .conftest import PASSWORD, add_user, csrf, login, second_client, studio


def test_me_anonymous_gives_a_csrf_token_and_no_user(client: TestClient) -> None:
    r = client.get("/api/me")
    assert r.status_code == 200
    body = r.json()
    assert body["user"] is None and body["private"] is False
    assert len(body["csrf_token"]) == 64
    assert client.get("/api/me").json()["csrf_token"] == body["csrf_token"]  # stable per browser


def test_signup_logs_in_and_sets_a_hardened_cookie(client: TestClient) -> None:
    r = client.post("/api/auth/signup", json={"username": "alice", "password": PASSWORD},
                    headers=csrf(client))
    assert r.status_code == 201, r.text
    assert r.json()["user"] == {"name": "alice", "role": "user"}
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert client.get("/api/me").json()["user"] == {"name": "alice", "role": "user"}
    stored = studio(client).store.get_user_by_name("alice")
    assert stored.password_hash.startswith("$argon2id$")


def test_session_cookie_is_secure_over_https(settings: WebSettings) -> None:
    with TestClient(create_app(settings), base_url="https://studio.test") as c:
        r = c.post("/api/auth/signup", json={"username": "alice", "password": PASSWORD},
                   headers=csrf(c))
        assert r.status_code == 201
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
        assert "Secure" in cookie


def test_signup_refusals(client: TestClient) -> None:
    h = csrf(client)
    add_user(client, "bob")
    taken = client.post("/api/auth/signup", json={"username": "BOB", "password": PASSWORD},
                        headers=h)
    assert taken.status_code == 409 and "taken" in taken.json()["detail"]
    bad_name = client.post("/api/auth/signup", json={"username": "../x", "password": PASSWORD},
                           headers=h)
    assert bad_name.status_code == 422 and bad_name.json()["detail"].startswith("username:")
    short = client.post("/api/auth/signup", json={"username": "carol", "password": "short"},
                        headers=h)
    assert short.status_code == 422 and short.json()["detail"].startswith("password:")
    assert client.get("/api/me").json()["user"] is None


def test_login_wrong_password_then_right_then_logout(client: TestClient) -> None:
    add_user(client, "alice")
    h = csrf(client)
    wrong = client.post("/api/auth/login", json={"username": "alice", "password": "nope-nope"},
                        headers=h)
    assert wrong.status_code == 401
    unknown = client.post("/api/auth/login", json={"username": "nobody", "password": PASSWORD},
                          headers=h)
    assert unknown.status_code == 401 and unknown.json() == wrong.json()
    ok = client.post("/api/auth/login", json={"username": "Alice", "password": PASSWORD}, headers=h)
    assert ok.status_code == 200 and ok.json()["user"]["name"] == "alice"
    token = ok.json()["csrf_token"]
    assert client.get("/api/me").json()["user"]["name"] == "alice"
    out = client.post("/api/auth/logout", headers={"X-CSRF-Token": token})
    assert out.status_code == 200 and out.json()["user"] is None
    assert client.get("/api/me").json()["user"] is None


def test_csrf_is_required_on_every_state_change(client: TestClient) -> None:
    h = login(client, "alice")
    body = {"version": 0, "text": "idea"}
    missing = client.post("/api/tasks/t1/traces", json=body)
    assert missing.status_code == 403 and "CSRF" in missing.json()["detail"]
    wrong = client.post("/api/tasks/t1/traces", json=body, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    other = second_client(client)  # a token valid for another browser is not valid here
    stolen = {"X-CSRF-Token": other.get("/api/me").json()["csrf_token"]}
    assert client.post("/api/tasks/t1/traces", json=body, headers=stolen).status_code == 403
    assert client.post("/api/auth/logout").status_code == 403
    assert client.post("/api/auth/signup", json={"username": "x1", "password": PASSWORD}
                       ).status_code == 403
    assert client.post("/api/tasks/t1/traces", json=body, headers=h).status_code == 201
    assert studio(client).store.list_traces("t1", 0)[0].text == "idea"


def test_login_flooding_is_limited_per_account_and_address(client: TestClient) -> None:
    add_user(client, "alice")
    h = csrf(client)
    for _ in range(3):  # the fixture allows 3 failures per account and address
        r = client.post("/api/auth/login", json={"username": "alice", "password": "bad-guess"},
                        headers=h)
        assert r.status_code == 401
    limited = client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD},
                          headers=h)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert client.get("/api/me").json()["user"] is None  # even the right password waits


def test_login_flooding_is_limited_per_address(client: TestClient) -> None:
    add_user(client, "alice")
    h = csrf(client)
    for _ in range(8):  # successful logins do not count
        ok = client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD},
                         headers=h)
        assert ok.status_code == 200
        h = {"X-CSRF-Token": ok.json()["csrf_token"]}
    codes = [
        client.post("/api/auth/login", json={"username": f"user{i}", "password": "bad-guess"},
                    headers=h).status_code
        for i in range(7)  # different names: only the per-address limit (6) applies
    ]
    assert codes == [401] * 6 + [429]


def test_password_change_ends_sessions(client: TestClient) -> None:
    login(client, "alice")
    assert client.get("/api/me").json()["user"] is not None
    store = studio(client).store
    store.set_password_hash(store.get_user_by_name("alice").id, hash_password("another password"))
    assert client.get("/api/me").json()["user"] is None


def test_an_unknown_or_forged_session_token_is_anonymous(client: TestClient) -> None:
    login(client, "alice")
    value = client.cookies.get(SESSION_COOKIE)
    for forged in (value[:-1] + ("A" if value[-1] != "A" else "B"), "x" * 43, "%00",
                   "y" * 5000):
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, forged)
        assert client.get("/api/me").json()["user"] is None
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, value)
    assert client.get("/api/me").json()["user"]["name"] == "alice"


def test_logout_ends_the_session_on_the_server(client: TestClient) -> None:
    h = login(client, "alice")
    old = client.cookies.get(SESSION_COOKIE)
    thief = second_client(client)  # a copy of the cookie, taken before logging out
    thief.cookies.set(SESSION_COOKIE, old)
    assert thief.get("/api/me").json()["user"]["name"] == "alice"
    assert client.post("/api/auth/logout", headers=h).status_code == 200
    assert thief.get("/api/me").json()["user"] is None
    refused = thief.post("/api/tasks/t1/traces", json={"version": 0, "text": "x"},
                         headers=csrf(thief))
    assert refused.status_code == 401
    assert thief.get("/api/tasks/t1/attempts").status_code == 401


def test_logging_in_again_replaces_the_session(client: TestClient) -> None:
    login(client, "alice")
    first = client.cookies.get(SESSION_COOKIE)
    client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD},
                headers=csrf(client))
    assert client.cookies.get(SESSION_COOKIE) != first
    stale = second_client(client)
    stale.cookies.set(SESSION_COOKIE, first)
    assert stale.get("/api/me").json()["user"] is None


def test_failed_logins_elsewhere_do_not_lock_an_account(client: TestClient) -> None:
    add_user(client, "alice")
    attacker = TestClient(client.app, client=("198.51.100.66", 4000))
    ha = csrf(attacker)
    codes = [attacker.post("/api/auth/login", headers=ha, json={
        "username": "alice", "password": "bad-guess"}).status_code for _ in range(5)]
    assert codes == [401] * 3 + [429] * 2  # 3 per account and address in these settings
    owner = TestClient(client.app, client=("203.0.113.5", 4000))
    ok = owner.post("/api/auth/login", headers=csrf(owner),
                    json={"username": "alice", "password": PASSWORD})
    assert ok.status_code == 200 and ok.json()["user"]["name"] == "alice"


async def test_parallel_wrong_logins_check_at_most_the_limit(client: TestClient) -> None:
    import asyncio

    import httpx

    add_user(client, "alice")
    transport = httpx.ASGITransport(app=client.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://studio.test") as c:
        token = {"X-CSRF-Token": (await c.get("/api/me")).json()["csrf_token"]}
        answers = await asyncio.gather(*(
            c.post("/api/auth/login", headers=token,
                   json={"username": "alice", "password": f"guess number {i}"})
            for i in range(40)
        ))
    codes = sorted(r.status_code for r in answers)
    assert codes == [401] * 3 + [429] * 37  # each checked guess took a slot first


def test_trivial_passwords_are_refused(client: TestClient) -> None:
    h = csrf(client)
    for password, why in (("aaaaaaaaaa", "one character repeated"),
                          ("alice2026!!", "must not contain the username"),
                          ("password123", "too easy to guess"),
                          ("qwertyuiop", "too easy to guess")):
        r = client.post("/api/auth/signup", json={"username": "alice", "password": password},
                        headers=h)
        assert r.status_code == 422 and why in r.json()["detail"], (password, r.json())
    assert client.post("/api/auth/signup", json={"username": "alice", "password": PASSWORD},
                       headers=h).status_code == 201


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_the_store_file_is_private(
    settings: WebSettings, caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(create_app(settings)) as c:
        login(c, "alice")
        db = Path(settings.store_url.removeprefix("sqlite:///"))
        for path in (db, db.with_name(db.name + "-wal")):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    assert "can be read by other users" not in caplog.text
    os.chmod(db, 0o644)  # an older store, made before stores were private
    create_app(settings).state.studio.store.dispose()
    assert "can be read by other users" in caplog.text


def test_secret_key_file_is_private_and_kept_across_restarts(settings: WebSettings) -> None:
    with TestClient(create_app(settings)) as c:
        login(c, "alice")
        cookie = c.cookies.get(SESSION_COOKIE)
    key_file = Path(settings.secret_file)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    with TestClient(create_app(settings)) as c2:
        c2.cookies.set(SESSION_COOKIE, cookie)
        assert c2.get("/api/me").json()["user"]["name"] == "alice"


def test_a_secret_key_readable_by_others_is_refused(settings: WebSettings) -> None:
    with TestClient(create_app(settings)):
        pass
    os.chmod(settings.secret_file, 0o644)
    with pytest.raises(ArcforgeError, match="readable by other users"):
        create_app(settings)


def test_private_mode_refuses_anonymous_readers(settings: WebSettings) -> None:
    private = settings.model_copy(update=dict(private=True))
    with TestClient(create_app(private)) as c:
        assert c.get("/api/me").json()["private"] is True
        for path in ("/api/tasks", "/api/tasks/t1", "/api/sources", "/api/tasks/t1/traces",
                     "/api/runs"):
            assert c.get(path).status_code == 401, path
        signup = c.post("/api/auth/signup", json={"username": "eve", "password": PASSWORD},
                        headers=csrf(c))
        assert signup.status_code == 403 and "private" in signup.json()["detail"]
        assert studio(c).store.get_user_by_name("eve") is None
        login(c, "alice")
        assert c.get("/api/tasks/t1").status_code == 200
