"""Accounts: who am I, sign up, log in, log out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from arcforge.store import ConflictError, UserView
from arcforge.store.limits import Bucket
from arcforge.web.accounts import MAX_PASSWORD, password_problem, username_problem
from arcforge.web.clients import client_key
from arcforge.web.deps import MaybeUser, StudioDep, is_https
from arcforge.web.limits import take
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
        "protocol": protocol_json(studio),
    }


def protocol_json(studio: Studio) -> dict[str, Any]:
    """The study protocol, so that pages state the real limits."""
    s = studio.settings
    return {"study_attempts": s.study_per_output, "practice": s.practice,
            "practice_attempts": s.practice_per_output, "practice_per_hour": s.practice_per_hour,
            "traces_after_solving": s.traces_after_solving}


def _start_session(request: Request, response: Response, studio: Studio, user: UserView) -> None:
    studio.store.end_session(request.cookies.get(SESSION_COOKIE))  # no session fixation
    response.set_cookie(
        SESSION_COOKIE,
        studio.store.start_session(user.id, studio.settings.session_max_age_s),
        max_age=studio.settings.session_max_age_s,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


def _login_buckets(studio: Studio, request: Request, username: str) -> tuple[Bucket, Bucket]:
    """Login attempts per account and client address together (another client's failures
    never lock anyone out), and per client address."""
    s = studio.settings
    client = client_key(request)
    return (
        Bucket(f"login:{username.strip().casefold()[:200]}|{client}",
               s.login_limit_per_account, s.login_window_s),
        Bucket(f"login-client:{client}", s.login_limit_per_ip, s.login_window_s),
    )


@router.get("/me", response_model=MeOut)
def me(request: Request, response: Response, studio: StudioDep, user: MaybeUser) -> dict[str, Any]:
    """The signed-in user (or null) and the CSRF token for state-changing requests."""
    return _me(request, response, studio, user, fresh=False)


@router.post("/auth/signup", status_code=201, response_model=MeOut)
def signup(
    body: Credentials, request: Request, response: Response, studio: StudioDep
) -> dict[str, Any]:
    """Create an account (role user) and log in; limited per client address (429).

    A private studio has no open sign-up: its accounts come from ``arcforge user add``.
    """
    if studio.settings.private:
        raise HTTPException(403, "this studio is private: ask an administrator for an account")
    for problem in (username_problem(body.username),
                    password_problem(body.password, body.username)):
        if problem:
            raise HTTPException(422, problem)
    s = studio.settings
    take(studio.store, "sign-ups from this address",
         Bucket(f"signup:{client_key(request)}", s.signup_limit_per_ip, s.signup_window_s))
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
    """Log in. Each attempt takes a slot of the per-account-and-address and per-address
    limits before the password is checked (so parallel guesses cannot pass the limit);
    a right password gives its slots back."""
    buckets = _login_buckets(studio, request, body.username)
    take(studio.store, "login attempts", *buckets)
    name = body.username.strip()
    user = studio.store.get_user_by_name(name) if name else None
    if user is None or user.password_hash is None or user.kind != "human":
        burn_password_check(body.password)
        raise HTTPException(401, "wrong username or password")
    if not verify_password(user.password_hash, body.password):
        raise HTTPException(401, "wrong username or password")
    studio.store.give_back(*(b.key for b in buckets))
    _start_session(request, response, studio, user)
    return _me(request, response, studio, user, fresh=True)


@router.post("/auth/logout", response_model=MeOut)
def logout(request: Request, response: Response, studio: StudioDep) -> dict[str, Any]:
    """End this session on the server (its cookie stops working everywhere)."""
    studio.store.end_session(request.cookies.get(SESSION_COOKIE))
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return _me(request, response, studio, None, fresh=True)
