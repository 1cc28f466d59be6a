"""Passwords (argon2) and CSRF tokens.

Sessions are stored in the database (:mod:`arcforge.store.sessions`); the session cookie
holds a random token. The CSRF token is bound to a random per-browser value kept in its own
HttpOnly cookie and signed with the server key; state-changing requests send the token in
``X-CSRF-Token`` (a header another site cannot set).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

SESSION_COOKIE = "arcforge_session"
CSRF_COOKIE = "arcforge_csrf"
CSRF_HEADER = "X-CSRF-Token"

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_password_check(password: str) -> None:
    """Spend the time of one verification (a hash with the same costs), so that unknown
    names are not revealed by a quicker answer."""
    _hasher.hash(password)


class Signer:
    """Derives CSRF tokens from the server's secret key."""

    def __init__(self, secret_key: str) -> None:
        self._csrf_key = hashlib.sha256(("arcforge.csrf:" + secret_key).encode()).digest()

    @staticmethod
    def new_csrf_seed() -> str:
        return secrets.token_urlsafe(24)

    def csrf_token(self, seed: str) -> str:
        digest = hmac.new(self._csrf_key, seed.encode("utf-8", "replace"), hashlib.sha256)
        return digest.hexdigest()

    def csrf_ok(self, seed: str | None, token: str | None) -> bool:
        if not seed or not token:
            return False
        given = token.encode("utf-8", "replace")
        return hmac.compare_digest(self.csrf_token(seed).encode(), given)
