"""Login sessions kept in the database, so logging out ends a session for every server process.

A browser holds a random token; the store keeps only its sha256. Changing a password ends
every session of that person (:meth:`UserRepository.set_password_hash`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from arcforge.store.engine import StoreBase, now
from arcforge.store.schema import LoginSession, User
from arcforge.store.tasks import chunks
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

    def session_users(self, tokens: Iterable[str | None]) -> dict[str, UserView]:
        """:meth:`session_user` of many tokens in one query: the live ones, by token."""
        by_id = {token_id(t): t for t in tokens if t and len(t) <= MAX_TOKEN}
        if not by_id:
            return {}
        found: dict[str, UserView] = {}
        with self.reading() as session:
            for part in chunks(list(by_id)):
                query = (
                    select(LoginSession.id, User)
                    .join(User, LoginSession.user_id == User.id)
                    .where(LoginSession.id.in_(part), LoginSession.expires_at > now())
                )
                for sid, user in session.execute(query):
                    if user.password_hash is not None:
                        found[by_id[sid]] = user_view(user)
        return found

    def end_session(self, token: str | None) -> None:
        """Log out: the token stops working everywhere."""
        if not token or len(token) > MAX_TOKEN:
            return
        self.transact(
            lambda s: s.execute(delete(LoginSession).where(LoginSession.id == token_id(token)))
        )
