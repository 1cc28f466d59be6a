"""A fake model server on 127.0.0.1 that speaks the OpenAI chat-completions protocol
(``POST /v1/chat/completions``) and the Anthropic messages protocol (``POST /v1/messages``).

Real HTTP/1.1 over a real socket (asyncio streams, keep-alive), so clients are exercised
exactly as against a provider. It answers by rules (a substring of the prompt picks the
answer), adds latency, injects faults, can serve at most ``max_concurrent`` requests at
once (429 beyond), and counts what it saw (``GET /stats``).

Faults: ``429`` (with Retry-After), ``500``, ``503``, ``reset`` (TCP RST), ``hang`` (no
answer until ``hang_s``), ``empty`` (empty content), ``length`` (finish_reason=length),
``malformed`` (a 200 whose body is not JSON), ``401`` (refuses the key and echoes it back in
the error message, as some providers do).

In tests: ``with FakeServer(...) as server: server.url``. As a separate process (for
benchmarks): ``python tests/fakeserver.py --latency 0.5 --max-concurrent 20`` prints
``PORT <n>`` and serves until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import socket
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FAULTS = ("429", "500", "503", "reset", "hang", "empty", "length", "malformed", "401")

IDENTITY_ANSWER = (
    "The output equals the input.\n\n```python\ndef solve_task(input_grid):\n"
    "    return [list(row) for row in input_grid]\n```\n"
)
TRACE_ANSWER = "Each input is copied to the output unchanged: the rule is the identity."


def default_answer(prompt: str) -> str:
    return IDENTITY_ANSWER if "solve_task" in prompt else TRACE_ANSWER


@dataclass
class Rule:
    """When ``match`` (a substring of the prompt; None matches all) is found, answer
    ``content`` (text, or a function of the prompt) after the rule's ``faults`` are spent:
    the n-th matching request gets ``faults[n]`` while n < len(faults)."""

    match: str | None = None
    content: str | Callable[[str], str] | None = None
    faults: list[str] = field(default_factory=list)
    reasoning_content: str | None = None  # DeepSeek-style field
    reasoning: str | None = None  # OpenRouter-style field
    seen: int = 0


@dataclass
class Stats:
    requests: int = 0
    answered: int = 0
    faults: Counter = field(default_factory=Counter)
    active: int = 0
    peak_active: int = 0
    rejected_busy: int = 0
    first_request_at: float | None = None  # wall clock (time.time) of the first request
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "answered": self.answered,
            "faults": dict(self.faults),
            "peak_active": self.peak_active,
            "rejected_busy": self.rejected_busy,
            "first_request_at": self.first_request_at,
        }


class FakeServer:
    """The server; use as a context manager (runs in a background thread)."""

    def __init__(
        self,
        rules: list[Rule] | None = None,
        *,
        latency_s: float = 0.0,
        fault_rate: float = 0.0,
        fault_mix: tuple[str, ...] = FAULTS,
        seed: int = 0,
        retry_after: str | None = "0",
        hang_s: float = 30.0,
        max_concurrent: int | None = None,
        report_cost: float | None = None,
        record: bool = True,
    ) -> None:
        self.rules = rules or []
        self.latency_s = latency_s
        self.fault_rate = fault_rate
        self.fault_mix = fault_mix
        self.retry_after = retry_after
        self.hang_s = hang_s
        self.max_concurrent = max_concurrent
        self.report_cost = report_cost
        self.record = record
        self.stats = Stats()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- lifecycle -----------------------------------------------------------------------

    async def start_async(self, port: int = 0) -> None:
        self._loop = asyncio.get_running_loop()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    def __enter__(self) -> FakeServer:
        ready = threading.Event()

        def main() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start_async())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
            loop.close()

        self._thread = threading.Thread(target=main, name="fakeserver", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    # -- HTTP ----------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                body = await reader.readexactly(length) if length else b""
                keep = await self._handle(method, path, headers, body, writer)
                if not keep:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    @staticmethod
    def _write(
        writer: asyncio.StreamWriter, status: int, body: bytes, extra: dict[str, str] | None = None
    ) -> None:
        reason = {200: "OK", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests",
                  500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Error")
        head = [f"HTTP/1.1 {status} {reason}", "content-type: application/json",
                f"content-length: {len(body)}", "connection: keep-alive"]
        head += [f"{k}: {v}" for k, v in (extra or {}).items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    async def _handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes,
        writer: asyncio.StreamWriter,
    ) -> bool:
        if method == "GET" and path.rstrip("/").endswith("/stats"):
            self._write(writer, 200, json.dumps(self.stats.to_dict()).encode())
            await writer.drain()
            return True
        anthropic = path.rstrip("/").endswith("/v1/messages")
        if method != "POST" or not (anthropic or path.rstrip("/").endswith("/chat/completions")):
            self._write(writer, 404, b'{"error": {"message": "not found"}}')
            await writer.drain()
            return True
        request = json.loads(body)
        stats = self.stats
        stats.requests += 1
        if stats.first_request_at is None:
            stats.first_request_at = time.time()
        if self.record:
            stats.received.append(request)
            stats.headers.append(headers)
        if self.max_concurrent is not None and stats.active >= self.max_concurrent:
            stats.rejected_busy += 1
            return await self._fault("429", writer, headers)
        prompt = _prompt_text(request)
        rule = self._rule(prompt)
        fault = None
        if rule is not None and rule.seen < len(rule.faults):
            fault = rule.faults[rule.seen]
        elif self.fault_rate and self._random.random() < self.fault_rate:
            fault = self._random.choice(self.fault_mix)
        if rule is not None:
            rule.seen += 1
        if fault is not None and fault != "ok":
            stats.faults[fault] += 1
            if fault in ("429", "500", "503", "reset", "hang", "malformed", "401"):
                return await self._fault(fault, writer, headers)
        stats.active += 1
        stats.peak_active = max(stats.peak_active, stats.active)
        try:
            if self.latency_s:
                await asyncio.sleep(self.latency_s)
        finally:
            stats.active -= 1
        content = self._content(rule, prompt)
        finish = "stop"
        if fault == "empty":
            content = ""
        elif fault == "length":
            content, finish = content[: max(1, len(content) // 2)], "length"
        build = self._anthropic_body if anthropic else self._openai_body
        self._write(writer, 200, json.dumps(build(request, prompt, content, finish, rule)).encode())
        await writer.drain()
        stats.answered += 1
        return True

    async def _fault(
        self, fault: str, writer: asyncio.StreamWriter, headers: dict[str, str]
    ) -> bool:
        if fault == "401":
            key = headers.get("authorization", "").removeprefix("Bearer ")
            key = key or headers.get("x-api-key", "")
            body = {"error": {"message": f"Incorrect API key provided: {key}"}}
            self._write(writer, 401, json.dumps(body).encode())
        elif fault == "429":
            extra = {"retry-after": self.retry_after} if self.retry_after is not None else {}
            self._write(writer, 429, b'{"error": {"message": "rate limited", "type": '
                        b'"rate_limit_error"}}', extra)
        elif fault in ("500", "503"):
            self._write(writer, int(fault), b'{"error": {"message": "server trouble"}}')
        elif fault == "malformed":
            self._write(writer, 200, b'{"id": "x", "choices": [{"message": ')
        elif fault == "reset":
            sock = writer.get_extra_info("socket")
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        elif fault == "hang":
            await asyncio.sleep(self.hang_s)
            writer.transport.abort()
            return False
        await writer.drain()
        return True

    def _rule(self, prompt: str) -> Rule | None:
        for rule in self.rules:
            if rule.match is None or rule.match in prompt:
                return rule
        return None

    @staticmethod
    def _content(rule: Rule | None, prompt: str) -> str:
        if rule is None or rule.content is None:
            return default_answer(prompt)
        return rule.content(prompt) if callable(rule.content) else rule.content

    def _usage(self, prompt: str, content: str, reasoning: str | None) -> dict[str, Any]:
        reasoning_tokens = len(reasoning or "") // 4
        usage: dict[str, Any] = {
            "prompt_tokens": len(prompt) // 4 + 1,
            "completion_tokens": len(content) // 4 + 1 + reasoning_tokens,
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        if reasoning_tokens:
            usage["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
        if self.report_cost is not None:
            usage["cost"] = self.report_cost
        return usage

    def _openai_body(
        self, request: dict, prompt: str, content: str, finish: str, rule: Rule | None
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": content}
        reasoning = None
        if rule is not None and rule.reasoning_content is not None:
            message["reasoning_content"] = reasoning = rule.reasoning_content
        if rule is not None and rule.reasoning is not None:
            message["reasoning"] = reasoning = rule.reasoning
        return {
            "id": f"chatcmpl-{self.stats.requests}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", "fake"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": self._usage(prompt, content, reasoning),
        }

    def _anthropic_body(
        self, request: dict, prompt: str, content: str, finish: str, rule: Rule | None
    ) -> dict[str, Any]:
        blocks: list[dict[str, Any]] = []
        thinking = rule.reasoning_content if rule is not None else None
        if thinking:
            blocks.append({"type": "thinking", "thinking": thinking, "signature": "sig"})
        if content:
            blocks.append({"type": "text", "text": content})
        usage = self._usage(prompt, content, thinking)
        return {
            "id": f"msg_{self.stats.requests}",
            "type": "message",
            "role": "assistant",
            "model": request.get("model", "fake"),
            "content": blocks,
            "stop_reason": "max_tokens" if finish == "length" else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": usage["prompt_tokens"],
                      "output_tokens": usage["completion_tokens"]},
        }


def _prompt_text(request: dict[str, Any]) -> str:
    parts = []
    if isinstance(request.get("system"), str):
        parts.append(request["system"])
    for message in request.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts += [c.get("text", "") for c in content if isinstance(c, dict)]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--max-concurrent", type=int, default=None)
    parser.add_argument("--retry-after", default="0")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--scripted", action="store_true",
                        help="answer with the output grid (tests/bench/scripted.py's solver)")
    parser.add_argument("--answer", help="answer every request with this text")
    args = parser.parse_args(argv)
    rules = [Rule(content=args.answer)] if args.answer is not None else None
    if args.scripted:
        from bench.scripted import answer_grid  # tests/ is this script's folder

        rules = [Rule(content=answer_grid)]
    server = FakeServer(latency_s=args.latency, max_concurrent=args.max_concurrent,
                        retry_after=args.retry_after, fault_rate=args.fault_rate, record=False,
                        rules=rules)

    async def serve() -> None:
        await server.start_async(args.port)
        print(f"PORT {server.port}", flush=True)
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main())
