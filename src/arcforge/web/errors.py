"""How the studio answers errors and bad input: ``{"detail": ...}`` with a 4xx status, never a
500 for anything a client sends, and never the offending text echoed back.

- JSON answers are encoded so that nothing in them can fail: text that is not valid Unicode
  (a lone surrogate from a hostile run file) becomes U+FFFD, and NaN or infinite numbers
  become null.
- Request validation errors name the field and say what is wrong, without the input.
- JSON strings holding a lone surrogate (``"\\ud800"``: valid JSON, not valid text) are
  refused with 422 before any route sees them.
"""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from arcforge.errors import ArcforgeError
from arcforge.store import ConflictError, ForbiddenError, NotFoundError, StoreError
from arcforge.store.errors import StoreUnavailable
from arcforge.store.limits import LimitReached

RETRY_UNAVAILABLE_S = 2

log = logging.getLogger("arcforge.web")

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


class SafeJSONResponse(JSONResponse):
    """Every answer's JSON: always valid, whatever a run file or a request held."""

    def render(self, content: Any) -> bytes:
        try:
            text = json.dumps(content, ensure_ascii=False, allow_nan=False,
                              separators=(",", ":"))
        except ValueError:
            text = json.dumps(_finite(content), ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "replace")


def status_of(exc: ArcforgeError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ForbiddenError):
        return 403
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, LimitReached):
        return 429
    if isinstance(exc, StoreUnavailable):
        return 503
    if isinstance(exc, StoreError):
        return 422
    return 400


async def arcforge_error(request: Request, exc: Exception) -> SafeJSONResponse:
    """Store errors raised by a route (unknown task or version: 404, and so on)."""
    assert isinstance(exc, ArcforgeError)
    if isinstance(exc, StoreUnavailable):
        return await database_error(request, exc)
    return SafeJSONResponse({"detail": str(exc)}, status_code=status_of(exc))


async def database_error(_request: Request, exc: Exception) -> SafeJSONResponse:
    """The database is unreachable or busy (a restart, lost connections, an exhausted pool):
    503 with ``Retry-After``, never a 500; the details go to the log only."""
    log.warning("database unavailable: %s", exc)
    return SafeJSONResponse({"detail": "the database is unavailable; try again shortly"},
                            status_code=503,
                            headers={"Retry-After": str(RETRY_UNAVAILABLE_S)})


async def http_error(_request: Request, exc: Exception) -> SafeJSONResponse:
    """``HTTPException`` answers, encoded safely like every other answer."""
    assert isinstance(exc, StarletteHTTPException)
    return SafeJSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=exc.headers)


async def validation_error(_request: Request, exc: Exception) -> SafeJSONResponse:
    """FastAPI's list form (``loc``, ``msg``, ``type``) without the input it refused."""
    assert isinstance(exc, RequestValidationError)
    detail = [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", "invalid"),
               "type": e.get("type", "value_error")} for e in exc.errors()]
    return SafeJSONResponse({"detail": detail}, status_code=422)


def _bad_text(value: Any, where: str) -> str | None:
    """The JSON path of the first string or key that is not valid Unicode, or None."""
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return path
        elif isinstance(item, dict):
            for key, inner in item.items():
                if _bad_text(key, path) is not None:
                    return f"{path} (a key)"
                stack.append((inner, f"{path}.{key}"))
        elif isinstance(item, list):
            stack.extend((inner, f"{path}[{i}]") for i, inner in enumerate(item))
    return None


async def reject_invalid_text(request: Request) -> None:
    """A JSON body with a lone surrogate in a string is refused, naming where it is."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    body = await request.body()
    if not _SURROGATE_ESCAPE.search(body):
        return
    try:
        parsed = json.loads(body)
    except ValueError:
        return  # not JSON: the route's own validation answers
    where = _bad_text(parsed, "body")
    if where is not None:
        raise HTTPException(
            422, f"{where[:200]}: text with an unpaired surrogate (\\ud800-\\udfff) is not "
            "valid Unicode"
        )
