"""Passwords (argon2), signed session cookies and CSRF tokens.

The session cookie holds the user's id and a fingerprint of their password hash, signed
with the server key: changing a password ends every session of that user. The CSRF token
is bound to a random per-browser value kept in its own HttpOnly cookie; state-changing
requests send the token in ``X-CSRF-Token`` (a header another site cannot set).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

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


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class SessionData:
    user_id: int
    fingerprint: str


class Signer:
    """Signs session cookies and derives CSRF tokens from one secret key."""

    def __init__(self, secret_key: str, max_age_s: int) -> None:
        self._sessions = URLSafeTimedSerializer(secret_key, salt="arcforge.session")
        self._csrf_key = hashlib.sha256(("arcforge.csrf:" + secret_key).encode()).digest()
        self.max_age_s = max_age_s

    def session_cookie(self, user_id: int, password_hash: str) -> str:
        return self._sessions.dumps([user_id, password_fingerprint(password_hash)])

    def read_session(self, cookie: str | None) -> SessionData | None:
        if not cookie:
            return None
        try:
            data = self._sessions.loads(cookie, max_age=self.max_age_s)
        except BadSignature:
            return None
        if (
            not isinstance(data, list)
            or len(data) != 2
            or type(data[0]) is not int
            or not isinstance(data[1], str)
        ):
            return None
        return SessionData(data[0], data[1])

    @staticmethod
    def new_csrf_seed() -> str:
        return secrets.token_urlsafe(24)

    def csrf_token(self, seed: str) -> str:
        return hmac.new(self._csrf_key, seed.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, seed: str | None, token: str | None) -> bool:
        if not seed or not token:
            return False
        return hmac.compare_digest(self.csrf_token(seed), token)
