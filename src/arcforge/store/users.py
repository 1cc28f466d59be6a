"""Users: people and models. Names are unique regardless of case; hashing is the caller's."""

from __future__ import annotations

from typing import get_args

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from arcforge.store.engine import StoreBase, now
from arcforge.store.errors import ConflictError, NotFoundError, StoreError
from arcforge.store.schema import MAX_NAME, LoginSession, User
from arcforge.store.views import Kind, Role, UserView


def name_key(username: str) -> str:
    """The case-insensitive form of a name that makes it unique."""
    return username.casefold()


def check_username(username: str) -> str:
    name = username.strip() if isinstance(username, str) else username
    if not isinstance(name, str) or not name:
        raise StoreError("username: must not be empty")
    if len(name) > MAX_NAME:
        raise StoreError(f"username: at most {MAX_NAME} characters, got {len(name)}")
    if any(not ch.isprintable() for ch in name):
        raise StoreError(f"username {name!r}: must not contain control characters")
    return name


def _check(role: str, kind: str) -> None:
    if role not in get_args(Role):
        raise StoreError(f"role: {role!r} is not one of {', '.join(get_args(Role))}")
    if kind not in get_args(Kind):
        raise StoreError(f"kind: {kind!r} is not one of {', '.join(get_args(Kind))}")


def user_view(user: User) -> UserView:
    return UserView(
        id=user.id,
        username=user.username,
        role=user.role,  # type: ignore[arg-type]
        kind=user.kind,  # type: ignore[arg-type]
        password_hash=user.password_hash,
        imported=user.imported,
        created_at=user.created_at,
    )


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.name_key == name_key(username)))


def ensure_user(session: Session, username: str, kind: Kind, imported: bool = False) -> User:
    """The user of that name, created (role 'user', no password) when missing."""
    user = find_user(session, username)
    if user is None:
        user = User(
            username=check_username(username),
            name_key=name_key(check_username(username)),
            role="user",
            kind=kind,
            imported=imported,
            created_at=now(),
        )
        session.add(user)
        session.flush()
    return user


def get_user_row(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"no user with id {user_id}")
    return user


class UserRepository(StoreBase):
    def create_user(
        self,
        username: str,
        *,
        role: Role = "user",
        kind: Kind = "human",
        password_hash: str | None = None,
        imported: bool = False,
    ) -> UserView:
        """Create a user; :class:`ConflictError` when the name is taken (in any case)."""
        name = check_username(username)
        _check(role, kind)

        def create(session: Session) -> UserView:
            if find_user(session, name) is not None:
                raise ConflictError(f"username {name!r} is taken")
            user = User(
                username=name,
                name_key=name_key(name),
                role=role,
                kind=kind,
                password_hash=password_hash,
                imported=imported,
                created_at=now(),
            )
            session.add(user)
            session.flush()
            return user_view(user)

        return self.transact(create)

    def get_user(self, user_id: int) -> UserView:
        with self.reading() as session:
            return user_view(get_user_row(session, user_id))

    def get_user_by_name(self, username: str) -> UserView | None:
        """The user of that name (any case), or None."""
        with self.reading() as session:
            user = find_user(session, username)
            return None if user is None else user_view(user)

    def set_password_hash(self, user_id: int, password_hash: str | None) -> UserView:
        """Store a new password hash (an imported user who gets one can then sign in) and
        end every session of that user."""

        def update(session: Session) -> UserView:
            user = get_user_row(session, user_id)
            user.password_hash = password_hash
            session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
            return user_view(user)

        return self.transact(update)

    def set_role(self, user_id: int, role: Role) -> UserView:
        _check(role, "human")

        def update(session: Session) -> UserView:
            user = get_user_row(session, user_id)
            user.role = role
            return user_view(user)

        return self.transact(update)

    def list_users(self, kind: Kind | None = None) -> list[UserView]:
        """Every user (or every user of one kind), by name."""
        with self.reading() as session:
            query = select(User).order_by(User.name_key)
            if kind is not None:
                query = query.where(User.kind == kind)
            return [user_view(u) for u in session.scalars(query)]

    def count_admins(self) -> int:
        with self.reading() as session:
            return session.scalar(select(func.count()).where(User.role == "admin")) or 0
