"""``WS /api/ws``: live trace and variation events of the tasks a page shows, each one only
to connections whose session may see it (:mod:`arcforge.web.visibility`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from arcforge.web.deps import session_user
from arcforge.web.hub import MAX_SUBSCRIPTIONS, Subscriber
from arcforge.web.ids import is_safe_id
from arcforge.web.security import SESSION_COOKIE
from arcforge.web.state import Studio

router = APIRouter(tags=["live"])

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013


def same_origin(ws: WebSocket) -> bool:
    """Browsers send ``Origin``; it must name this server (no cross-site connections)."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True  # not a browser
    return urlsplit(origin).netloc.lower() == ws.headers.get("host", "").lower()


async def _send_events(ws: WebSocket, sub: Subscriber) -> None:
    while True:
        event = await sub.queue.get()
        if event is None:  # fell too far behind
            await ws.close(code=TRY_AGAIN_LATER)
            return
        await ws.send_json(event)


def _subscription(text: str) -> list[str] | str:
    """The task ids of a subscribe message, or what is wrong with it."""
    try:
        message = json.loads(text)
    except ValueError:
        return "expected JSON"
    ids = message.get("subscribe") if isinstance(message, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return 'expected {"subscribe": ["<task id>", ...]}'
    if len(ids) > MAX_SUBSCRIPTIONS:
        return f"at most {MAX_SUBSCRIPTIONS} task ids"
    bad = [n for n, i in enumerate(ids) if not is_safe_id(i)]
    if bad:
        return f"subscribe[{bad[0]}]: not a task id (letters, digits, _ . -)"
    return ids


@router.websocket("/api/ws")
async def live(ws: WebSocket) -> None:
    studio: Studio = ws.app.state.studio
    if not same_origin(ws):
        await ws.close(code=POLICY_VIOLATION, reason="cross-origin connection refused")
        return
    session = ws.cookies.get(SESSION_COOKIE)
    if studio.settings.private:
        user = await run_in_threadpool(session_user, studio, session)
        if user is None:
            await ws.close(code=POLICY_VIOLATION, reason="this studio is private: log in first")
            return
    await ws.accept()
    sub = studio.hub.add(session)  # each event is sent only if this session may see it
    sender = asyncio.create_task(_send_events(ws, sub))
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            text = message.get("text")
            found = _subscription(text) if isinstance(text, str) else "expected a text frame"
            if isinstance(found, str):
                sub.offer({"type": "error", "detail": found})
                continue
            studio.hub.subscribe(sub, found)
            sub.offer({"type": "subscribed", "task_ids": found})  # one writer: the sender
    except WebSocketDisconnect:
        pass
    finally:
        studio.hub.remove(sub)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
