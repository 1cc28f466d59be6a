"""Small pieces of the studio on their own: id pattern, signing key, CSRF, client addresses."""

from __future__ import annotations

from pathlib import Path

import pytest

from arcforge.errors import ArcforgeError
from arcforge.web.clients import client_key
from arcforge.web.ids import is_safe_id
from arcforge.web.secret import load_or_create_secret
from arcforge.web.security import Signer


def test_id_pattern() -> None:
    assert all(map(is_safe_id, ["007bbfb7", "t1", "run_2026-11-27.a", "A" * 100]))
    assert not any(map(is_safe_id, ["", ".", "..", "a..b", ".x", "-x", "a/b", "a\\b", "a b",
                                    "a\x00", "é", "A" * 101]))


def test_secret_is_created_once(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "key"
    key = load_or_create_secret(path)
    assert len(key) >= 32 and (path.stat().st_mode & 0o777) == 0o600
    assert load_or_create_secret(path) == key
    path.write_text("short\n")
    with pytest.raises(ArcforgeError, match="too short"):
        load_or_create_secret(path)


def test_csrf_tokens_are_bound_to_the_key_and_the_browser() -> None:
    signer = Signer("k" * 40)
    seed = signer.new_csrf_seed()
    assert signer.csrf_ok(seed, signer.csrf_token(seed))
    assert not signer.csrf_ok(seed, Signer("z" * 40).csrf_token(seed))
    assert not signer.csrf_ok(seed, signer.csrf_token(seed + "x"))
    assert not signer.csrf_ok(None, signer.csrf_token(seed))
    assert not signer.csrf_ok(seed, "é" * 64)  # any header text is refused, never an error


def test_client_addresses_count_ipv6_by_network() -> None:
    from starlette.requests import Request

    def key(host: str) -> str:
        return client_key(Request({"type": "http", "client": (host, 1), "headers": []}))

    assert key("203.0.113.9") == "203.0.113.9"
    assert key("::ffff:203.0.113.9") == "203.0.113.9"
    assert key("2001:db8:1:2:aaaa::1") == key("2001:db8:1:2:bbbb::7") == "2001:db8:1:2::/64"
    assert key("2001:db8:1:3::1") != key("2001:db8:1:2::1")
    assert key("testclient") == "testclient"
