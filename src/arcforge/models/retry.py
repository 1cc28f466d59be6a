"""Bounded retries with exponential backoff and jitter, a concurrency gate, and request logging.

Providers turn each try into an answer, a :class:`Transient` failure (429, 5xx, timeout,
connection, malformed body: worth another try) or a final :class:`ModelError`.
:func:`with_retries` runs the tries: it holds a gate slot only while a request is on the
wire, tells the gate about rate limits and successes (adaptive concurrency), sleeps the
server's Retry-After or an exponential backoff with jitter between tries, and logs one
line per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from arcforge.models.base import ErrorKind, ModelError, RequestContext

T = TypeVar("T")

log = logging.getLogger("arcforge.requests")

MAX_RETRY_AFTER_S = 600.0


class Transient(Exception):
    """A failed try that may succeed when tried again."""

    def __init__(self, kind: ErrorKind, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``max_retries`` tries after the first; delays grow as base * 2**n up to ``max_s``."""

    max_retries: int = 5
    base_s: float = 1.0
    max_s: float = 60.0

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (1-based).

        A server's positive Retry-After is honoured as given (plus up to 10% jitter so that
        rejected requests do not return together); otherwise the wait is exponential with
        equal jitter: between half and all of base * 2**(retry-1), capped at ``max_s``.
        """
        if retry_after is not None and retry_after > 0:
            wait = min(retry_after, MAX_RETRY_AFTER_S)
            return wait * random.uniform(1.0, 1.1)
        ceiling = min(self.max_s, self.base_s * 2 ** (retry - 1))
        return random.uniform(ceiling / 2, ceiling)


class Gate(Protocol):
    """Limits how many requests are on the wire; learns from rate limits and successes."""

    def slot(self, retry: bool = False) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold one place on the wire; ``retry`` asks to go ahead of first tries."""
        ...

    def rate_limited(self) -> None: ...

    def succeeded(self) -> None: ...


class OpenGate:
    """No limit (used when a model is called outside a runner)."""

    @contextlib.asynccontextmanager
    async def slot(self, retry: bool = False) -> AsyncIterator[None]:
        yield

    def rate_limited(self) -> None:
        pass

    def succeeded(self) -> None:
        pass


OPEN_GATE = OpenGate()


def parse_retry_after(headers: Any) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        with contextlib.suppress(ValueError):
            return max(0.0, float(raw_ms) / 1000)
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _tag(context: RequestContext | None) -> dict[str, Any]:
    if context is None:
        return {"run_id": "", "req": "-"}
    return {"run_id": context.run_id, "req": f"{context.task.key} sample={context.sample}"}


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    context: RequestContext | None,
    model: str,
) -> tuple[T, int, float]:
    """Run ``attempt`` until it answers or fails for good; return (answer, tries, latency).

    A final failure is raised as :class:`ModelError` carrying the tries and latency.
    """
    gate: Gate = (context.gate if context is not None else None) or OPEN_GATE
    extra = _tag(context)
    start = time.perf_counter()
    tries = 0
    while True:
        tries += 1
        async with gate.slot(retry=tries > 1):
            log.info("%s %s try=%d sent", model, extra["req"], tries, extra=extra)
            try:
                result = await attempt()
            except Transient as exc:
                if exc.kind == "rate_limit":
                    gate.rate_limited()
                failure: Transient | None = exc
            except ModelError as exc:
                exc.tries, exc.latency_s = tries, time.perf_counter() - start
                log.info("%s %s try=%d failed %s: %s", model, extra["req"], tries, exc.kind,
                         exc, extra=extra)
                raise
            else:
                gate.succeeded()
                latency = time.perf_counter() - start
                log.info("%s %s try=%d answered in %.2fs", model, extra["req"], tries, latency,
                         extra=extra)
                return result, tries, latency
        assert failure is not None
        if tries > policy.max_retries:
            latency = time.perf_counter() - start
            log.info("%s %s try=%d failed %s: %s (no retries left)", model, extra["req"], tries,
                     failure.kind, failure.message, extra=extra)
            raise ModelError(failure.kind, f"{failure.message} (after {tries} tries)",
                             tries=tries, latency_s=latency, retry_after=failure.retry_after)
        wait = policy.delay(tries, failure.retry_after)
        after = "" if failure.retry_after is None else f", Retry-After {failure.retry_after:g}s"
        log.info("%s %s try=%d retry in %.2fs: %s: %s%s", model, extra["req"], tries, wait,
                 failure.kind, failure.message, after, extra=extra)
        await asyncio.sleep(wait)
