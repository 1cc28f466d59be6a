"""Accounts: who am I, sign up, log in, log out."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from arcforge.store import ConflictError, UserView
from arcforge.web.accounts import MAX_PASSWORD, password_problem, username_problem
from arcforge.web.deps import MaybeUser, StudioDep, is_https
from arcforge.web.schemas import MeOut
from arcforge.web.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Signer,
    burn_password_check,
    hash_password,
    verify_password,
)
from arcforge.web.state import Studio

router = APIRouter(prefix="/api", tags=["accounts"])


class Credentials(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=MAX_PASSWORD)


def user_json(user: UserView | None) -> dict[str, Any] | None:
    return None if user is None else {"name": user.username, "role": user.role}


def _csrf_seed(request: Request, response: Response, signer: Signer, fresh: bool = False) -> str:
    seed = request.cookies.get(CSRF_COOKIE)
    if fresh or not seed or len(seed) > 100:
        seed = signer.new_csrf_seed()
        response.set_cookie(
            CSRF_COOKIE, seed, httponly=True, samesite="lax", secure=is_https(request), path="/"
        )
    return seed


def _me(
    request: Request, response: Response, studio: Studio, user: UserView | None, fresh: bool
) -> dict[str, Any]:
    seed = _csrf_seed(request, response, studio.signer, fresh)
    return {
        "user": user_json(user),
        "csrf_token": studio.signer.csrf_token(seed),
        "private": studio.settings.private,
    }


def _start_session(request: Request, response: Response, studio: Studio, user: UserView) -> None:
    assert user.password_hash is not None
    response.set_cookie(
        SESSION_COOKIE,
        studio.signer.session_cookie(user.id, user.password_hash),
        max_age=studio.settings.session_max_age_s,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _check_rate(studio: Studio, ip: str, name_key: str | None) -> None:
    waits = [studio.login_by_ip.retry_after(ip)]
    if name_key is not None:
        waits.append(studio.login_by_user.retry_after(name_key))
    wait = max(waits)
    if wait > 0:
        raise HTTPException(
            429,
            "too many login attempts; try again later",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


@router.get("/me", response_model=MeOut)
def me(request: Request, response: Response, studio: StudioDep, user: MaybeUser) -> dict[str, Any]:
    """The signed-in user (or null) and the CSRF token for state-changing requests."""
    return _me(request, response, studio, user, fresh=False)


@router.post("/auth/signup", status_code=201, response_model=MeOut)
def signup(
    body: Credentials, request: Request, response: Response, studio: StudioDep
) -> dict[str, Any]:
    """Create an account (role user) and log in; counts towards the per-address limit.

    A private studio has no open sign-up: its accounts come from ``arcforge user add``.
    """
    if studio.settings.private:
        raise HTTPException(403, "this studio is private: ask an administrator for an account")
    ip = _client(request)
    _check_rate(studio, ip, None)
    studio.login_by_ip.hit(ip)
    for problem in (username_problem(body.username), password_problem(body.password)):
        if problem:
            raise HTTPException(422, problem)
    try:
        user = studio.store.create_user(body.username, password_hash=hash_password(body.password))
    except ConflictError:
        raise HTTPException(409, f"username {body.username!r} is taken") from None
    _start_session(request, response, studio, user)
    return _me(request, response, studio, user, fresh=True)


@router.post("/auth/login", response_model=MeOut)
def login(
    body: Credentials, request: Request, response: Response, studio: StudioDep
) -> dict[str, Any]:
    """Log in; failed attempts are limited per username and per client address (429)."""
    ip = _client(request)
    key = body.username.strip().casefold()
    _check_rate(studio, ip, key)
    user = studio.store.get_user_by_name(body.username.strip()) if body.username.strip() else None
    if user is None or user.password_hash is None or user.kind != "human":
        burn_password_check(body.password)
        ok = False
    else:
        ok = verify_password(user.password_hash, body.password)
    if not ok or user is None:
        studio.login_by_user.hit(key)
        studio.login_by_ip.hit(ip)
        raise HTTPException(401, "wrong username or password")
    studio.login_by_user.reset(key)
    _start_session(request, response, studio, user)
    return _me(request, response, studio, user, fresh=True)


@router.post("/auth/logout", response_model=MeOut)
def logout(request: Request, response: Response, studio: StudioDep) -> dict[str, Any]:
    """End this browser's session."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return _me(request, response, studio, None, fresh=True)
