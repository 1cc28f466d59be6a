"""Accounts, sessions, CSRF, rate limits and private mode."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
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


def test_login_flooding_is_limited_per_username(client: TestClient) -> None:
    add_user(client, "alice")
    h = csrf(client)
    for _ in range(3):  # the fixture allows 3 failures per name
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


def test_tampered_session_cookie_is_anonymous(client: TestClient) -> None:
    login(client, "alice")
    value = client.cookies.get(SESSION_COOKIE)
    payload, rest = value.split(".", 1)  # itsdangerous: payload.timestamp.signature
    forged = payload.replace(payload[1], "2" if payload[1] != "2" else "3", 1) + "." + rest
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, forged)
    assert client.get("/api/me").json()["user"] is None
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, value)
    assert client.get("/api/me").json()["user"]["name"] == "alice"


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
    private = replace(settings, private=True)
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
