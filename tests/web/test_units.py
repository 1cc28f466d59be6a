"""Small pieces of the studio on their own: rate limiter, id pattern, signing key, sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from arcforge.errors import ArcforgeError
from arcforge.web.ids import is_safe_id
from arcforge.web.ratelimit import RateLimiter
from arcforge.web.secret import load_or_create_secret
from arcforge.web.security import Signer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_window_slides() -> None:
    clock = Clock()
    limiter = RateLimiter(limit=2, window_s=60, clock=clock)
    limiter.hit("a")
    clock.now += 10
    limiter.hit("a")
    assert limiter.retry_after("a") == pytest.approx(50)
    assert limiter.retry_after("b") == 0
    clock.now += 50  # the first hit leaves the window
    assert limiter.retry_after("a") == 0
    limiter.hit("a")
    assert limiter.retry_after("a") == pytest.approx(10)
    limiter.reset("a")
    assert limiter.retry_after("a") == 0


def test_rate_limiter_take_checks_and_counts_in_one_step() -> None:
    clock = Clock()
    limiter = RateLimiter(limit=2, window_s=60, clock=clock)
    assert limiter.take("a") == 0
    clock.now += 10
    assert limiter.take("a") == 0
    assert limiter.take("a") == pytest.approx(50)  # refused: not counted
    clock.now += 50
    assert limiter.take("a") == 0 and limiter.retry_after("a") == pytest.approx(10)


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


def test_sessions_expire_and_are_bound_to_the_key() -> None:
    signer = Signer("k" * 40, max_age_s=60)
    cookie = signer.session_cookie(7, "$argon2id$hash")
    data = signer.read_session(cookie)
    assert data is not None and data.user_id == 7
    assert Signer("z" * 40, max_age_s=60).read_session(cookie) is None
    assert Signer("k" * 40, max_age_s=-1).read_session(cookie) is None  # expired
    assert signer.read_session("garbage") is None and signer.read_session(None) is None
    seed = signer.new_csrf_seed()
    assert signer.csrf_ok(seed, signer.csrf_token(seed))
    assert not signer.csrf_ok(seed, signer.csrf_token(seed + "x"))
    assert not signer.csrf_ok(None, signer.csrf_token(seed))
