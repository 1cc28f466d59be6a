"""Request dependencies: the studio state, the signed-in user, read access and CSRF."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from arcforge.store import UserView
from arcforge.web.security import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from arcforge.web.state import Studio

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_studio(request: Request) -> Studio:
    return request.app.state.studio


StudioDep = Annotated[Studio, Depends(get_studio)]


def session_user(studio: Studio, token: str | None) -> UserView | None:
    """The user of a live stored session (None once it logged out or expired)."""
    return studio.store.session_user(token)


def current_user(request: Request, studio: StudioDep) -> UserView | None:
    """The signed-in user of this request (looked up once per request), or None."""
    return session_user(studio, request.cookies.get(SESSION_COOKIE))


MaybeUser = Annotated[UserView | None, Depends(current_user)]


def require_user(user: MaybeUser) -> UserView:
    if user is None:
        raise HTTPException(401, "log in first")
    return user


User = Annotated[UserView, Depends(require_user)]


def require_reader(user: MaybeUser, studio: StudioDep) -> UserView | None:
    """Anyone may read, except on a private server, where readers must log in."""
    if studio.settings.private and user is None:
        raise HTTPException(401, "this studio is private: log in first")
    return user


Reader = Annotated[UserView | None, Depends(require_reader)]


def csrf_protect(request: Request, studio: StudioDep) -> None:
    """Refuse state-changing requests without the CSRF token bound to this browser."""
    if request.method in SAFE_METHODS:
        return
    seed = request.cookies.get(CSRF_COOKIE)
    if not studio.signer.csrf_ok(seed, request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, "CSRF token missing or invalid")


def is_https(request: Request) -> bool:
    """True when the page was fetched over https (uvicorn applies trusted proxy headers)."""
    return request.url.scheme in ("https", "wss")
