"""Login sessions kept in the database, so logging out ends a session for every server process.

A browser holds a random token; the store keeps only its sha256. Changing a password ends
every session of that person (:meth:`UserRepository.set_password_hash`).
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from arcforge.store.engine import StoreBase, now
from arcforge.store.schema import LoginSession, User
from arcforge.store.users import get_user_row, user_view
from arcforge.store.views import UserView

MAX_TOKEN = 100  # longer cookies are not tokens this store made


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class SessionRepository(StoreBase):
    def start_session(self, user_id: int, max_age_s: float) -> str:
        """A new session of that user; returns the token for the browser's cookie."""
        token = secrets.token_urlsafe(32)
        stamp = now()

        def run(session: Session) -> None:
            get_user_row(session, user_id)
            session.execute(delete(LoginSession).where(LoginSession.expires_at <= stamp))
            session.add(LoginSession(id=token_id(token), user_id=user_id, created_at=stamp,
                                     expires_at=stamp + max_age_s))

        self.transact(run)
        return token

    def session_user(self, token: str | None) -> UserView | None:
        """The user of a live session, or None (unknown, ended or expired token)."""
        if not token or len(token) > MAX_TOKEN:
            return None
        query = (
            select(User)
            .join(LoginSession, LoginSession.user_id == User.id)
            .where(LoginSession.id == token_id(token), LoginSession.expires_at > now())
        )
        with self.reading() as session:
            user = session.scalar(query)
            return None if user is None or user.password_hash is None else user_view(user)

    def end_session(self, token: str | None) -> None:
        """Log out: the token stops working everywhere."""
        if not token or len(token) > MAX_TOKEN:
            return
        self.transact(
            lambda s: s.execute(delete(LoginSession).where(LoginSession.id == token_id(token)))
        )
