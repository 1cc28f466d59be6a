"""The host side: a pool of warm sandbox workers, driven with asyncio.

Each request goes to an idle worker as a frame of :mod:`.inside.protocol` with a fresh
nonce; the reply must echo it, fit the size cap and hold well-formed results, otherwise
the worker is killed and replaced. Every returned grid is validated again here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from arcforge.config import Settings, load_settings
from arcforge.errors import ArcforgeError, UsageError
from arcforge.grids import Grid, grid_problem
from arcforge.sandbox import cgroups
from arcforge.sandbox.filesystem import ReadPolicy, package_names, read_policy
from arcforge.sandbox.inside import protocol
from arcforge.sandbox.inside.cleanup import remove_tree
from arcforge.sandbox.inside.gridcodec import decode, encode, encode_checked
from arcforge.sandbox.launch import CGROUP_SLACK_MB, resolve_isolation, worker_command
from arcforge.sandbox.protections import confinement_problem
from arcforge.tasks import Task
from arcforge.verification import PairVerdict, Verification

MAX_REPLY = protocol.MAX_REPLY
START_TIMEOUT_S = 30.0
REPLY_SLACK_S = 10.0  # beyond the program's own deadlines, for the worker itself
MAX_ERROR = protocol.MAX_MESSAGE
RESPAWN_ATTEMPTS = 3  # a worker that cannot be replaced after this many tries breaks the pool
RESPAWN_DELAY_S = 0.2  # before the second try; doubled before each later one

T = TypeVar("T")
Outcome = Literal["ok", "error", "invalid_output", "timeout"]


class SandboxError(ArcforgeError):
    """The sandbox cannot run programs here (it never runs them with less protection)."""


class WorkerFailure(Exception):
    """A worker broke the protocol, died or stopped answering; it gets replaced."""


@dataclass(slots=True)
class ProgramResult:
    """What one program did with one input: a grid (``ok``) or why not."""

    status: Outcome
    output: Grid | None = None
    error: str | None = None


class _Worker:
    """One worker process and its pipes."""

    def __init__(self, proc: asyncio.subprocess.Process, scratch: str | None,
                 group: cgroups.WorkerGroup | None) -> None:
        self.proc = proc
        self.scratch = scratch
        self.group = group
        self.hello: dict[str, Any] = {}
        self.stderr_tail = b""
        self._drain = asyncio.ensure_future(self._drain_stderr())

    async def _drain_stderr(self) -> None:
        """Keep the last 2 KB the worker wrote to stderr (its crash message, if any)."""
        assert self.proc.stderr is not None
        while chunk := await self.proc.stderr.read(4096):
            self.stderr_tail = (self.stderr_tail + chunk)[-2048:]

    def last_words(self) -> str:
        text = self.stderr_tail.decode(errors="replace").strip()
        return f"; it said: {text.splitlines()[-1]}" if text else ""

    async def read_frame(self, timeout_s: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        try:
            async with asyncio.timeout(timeout_s):
                header = await self.proc.stdout.readexactly(4)
                size = protocol.frame_size(header)
                if size > MAX_REPLY:
                    raise WorkerFailure(f"reply of {size} bytes is over the {MAX_REPLY} cap")
                body = await self.proc.stdout.readexactly(size)
        except TimeoutError:
            raise WorkerFailure(f"no reply within {timeout_s:.0f} s") from None
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            raise WorkerFailure(f"the worker closed its pipe ({exc})") from None
        try:
            frame = json.loads(body)
        except ValueError as exc:
            raise WorkerFailure(f"reply is not JSON: {exc}") from None
        if not isinstance(frame, dict):
            raise WorkerFailure("reply is not a JSON object")
        return frame

    async def request(self, payload: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        assert self.proc.stdin is not None
        nonce = secrets.token_hex(8)
        try:
            self.proc.stdin.write(protocol.encode_frame({**payload, "nonce": nonce}))
            await self.proc.stdin.drain()
        except (ConnectionError, BrokenPipeError) as exc:
            raise WorkerFailure(f"the worker closed its pipe ({exc})") from None
        reply = await self.read_frame(timeout_s)
        if reply.get("nonce") != nonce:
            raise WorkerFailure("reply does not echo the request's nonce")
        return reply

    def end_input(self) -> None:
        """Close the worker's stdin: it exits once its current request is done."""
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()

    def kill(self) -> None:
        """SIGKILL the worker (never raises); its folder and group go in :meth:`wait`."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()

    async def wait(self) -> None:
        """Reap the worker, then remove its scratch mount point and its control group."""
        with contextlib.suppress(ProcessLookupError):
            await self.proc.wait()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._drain, 1.0)
        self.release()

    def release(self) -> None:
        """Remove what the host made for this worker; never raises."""
        if self.scratch:
            remove_tree(self.scratch)  # an empty mount point: the files were in its tmpfs
            self.scratch = None
        if self.group is not None:
            self.group.remove()


# control characters (terminal escapes, NUL) and bidirectional overrides in a program's
# error message would act on the terminal or page that shows it
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character shown as its escape (``\\x1b``)."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


def _parse_results(reply: dict[str, Any], n: int) -> list[ProgramResult]:
    """Turn a worker reply into results, validating every grid; WorkerFailure if malformed."""
    raw = reply.get("results")
    if not isinstance(raw, list) or len(raw) != n:
        raise WorkerFailure(f"reply holds no list of {n} results")
    results = []
    for item in raw:
        if not isinstance(item, dict) or item.get("s") not in protocol.STATUSES:
            raise WorkerFailure("reply holds a malformed result")
        error = item.get("err")
        error = printable(str(error)[:MAX_ERROR]) if error is not None else None
        if item["s"] == protocol.OK:
            grid = decode(item.get("out"))
            if grid is not None:
                results.append(ProgramResult("ok", grid))
            else:
                results.append(ProgramResult("invalid_output", None,
                                             "the sandbox returned a malformed grid"))
        else:
            results.append(ProgramResult(item["s"], None, error))
    return results


class SandboxPool:
    """A pool of warm, isolated workers that run untrusted ``solve_task`` programs.

    ``timeout_s`` is the wall-clock limit for loading a program and for each input;
    ``memory_mb`` the address-space limit of the process running it; ``packages`` the
    packages programs may import besides the standard library. Left out, they and the
    isolation come from ``settings`` (default: :func:`arcforge.config.load_settings`,
    so ``arcforge.toml`` < ``$ARCFORGE_SANDBOX_*`` < arguments; else 5 s, 1024 MB, numpy
    and bubblewrap when installed). Use as
    ``async with SandboxPool() as pool: verification = await pool.verify(code, task)``.
    """

    def __init__(
        self,
        workers: int | None = None,
        timeout_s: float | None = None,
        memory_mb: int | None = None,
        isolation: str | None = None,
        packages: str | tuple[str, ...] | list[str] | None = None,
        settings: Settings | None = None,
    ) -> None:
        if None in (timeout_s, memory_mb, isolation, packages):
            settings = settings or load_settings()
            timeout_s = settings.sandbox_timeout_s if timeout_s is None else timeout_s
            memory_mb = settings.sandbox_memory_mb if memory_mb is None else memory_mb
            isolation = settings.sandbox_isolation if isolation is None else isolation
            packages = settings.sandbox_packages if packages is None else packages
        if workers is not None and workers < 1:
            raise UsageError(f"sandbox workers: {workers} is not a count >= 1")
        if not timeout_s > 0:
            raise UsageError(f"sandbox timeout_s: {timeout_s} is not a positive number of seconds")
        if memory_mb < 256:
            raise UsageError(f"sandbox memory_mb: {memory_mb} MB is below the 256 MB minimum "
                             "(Python with numpy needs about 100 MB of address space)")
        self.size = workers or max(1, min(os.cpu_count() or 1, 8))
        self.timeout_s = float(timeout_s)
        self.memory_mb = int(memory_mb)
        self.isolation = resolve_isolation(isolation)
        self.packages = package_names(packages)
        self.policy: ReadPolicy = read_policy(self.packages)
        self.cgroup_error: str | None = None  # why workers run without a control group
        self._idle: asyncio.Queue[_Worker | None] = asyncio.Queue()  # None: the pool broke
        self._all: set[_Worker] = set()
        self._dead: set[_Worker] = set()
        self._started = False
        self._closed = False
        self._broken: SandboxError | None = None  # set when a worker could not be replaced
        self.replaced = 0  # workers killed and replaced so far
        self.probe_report: dict[str, Any] = {}

    @property
    def settings(self) -> dict[str, Any]:
        """What decides verdicts here, as ``SandboxPool(**settings)`` takes it back."""
        return {"isolation": self.isolation, "timeout_s": self.timeout_s,
                "memory_mb": self.memory_mb, "packages": list(self.packages)}

    # --- life cycle ---------------------------------------------------------------------

    async def start(self, require_limits: bool = True) -> SandboxPool:
        """Start the workers and probe what a child gets; refuse to go on without limits."""
        if self._started:
            return self
        self._started = True
        try:
            workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
            for worker in workers:
                self._idle.put_nowait(worker)
            self.probe_report = await self.probe()
            if require_limits:
                problem = confinement_problem(self.probe_report, self.isolation,
                                              self.timeout_s, self.memory_mb)
                if problem:
                    raise SandboxError(problem)
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aenter__(self) -> SandboxPool:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def close(self) -> None:
        """Kill every worker now (safe to call more than once)."""
        self._closed = True
        for worker in list(self._all):
            worker.kill()
            worker.release()

    async def aclose(self, grace_s: float = 1.0) -> None:
        """Stop every worker (end of input, then SIGKILL after ``grace_s``) and reap it."""
        self._closed = True
        workers = list(self._all)
        for worker in workers:
            worker.end_input()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace_s):
                await asyncio.gather(*(w.wait() for w in workers))
        self.close()
        await asyncio.gather(*(w.wait() for w in [*workers, *self._dead]))
        self._all.clear()
        self._dead.clear()

    async def _spawn(self) -> _Worker:
        group, self.cgroup_error = cgroups.create((self.memory_mb + CGROUP_SLACK_MB) << 20)
        scratch: str | None = None
        try:
            command = worker_command(self.isolation, self.policy, group)
            scratch = command.scratch_host
            proc = await asyncio.create_subprocess_exec(
                *command.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=command.env,
                start_new_session=True,  # Ctrl-C in the terminal goes to the runner, not here
                limit=MAX_REPLY,
            )
        except BaseException:
            if scratch:
                remove_tree(scratch)
            if group is not None:
                group.remove()
            raise
        worker = _Worker(proc, scratch, group)
        self._all.add(worker)
        try:
            hello = await worker.read_frame(START_TIMEOUT_S)
            if hello.get("op") != protocol.OP_HELLO:
                raise WorkerFailure("it sent no hello frame")
        except WorkerFailure as exc:
            worker.kill()
            await worker.wait()
            self._all.discard(worker)
            raise SandboxError(
                f"the sandbox worker ({self.isolation}) did not start: {exc}"
                f"{worker.last_words()}"
            ) from None
        worker.hello = hello
        return worker

    async def _replace(self, worker: _Worker) -> None:
        """Kill a worker and start another in its slot, whatever happens on the way."""
        try:
            worker.kill()
            await worker.wait()
        finally:
            self._all.discard(worker)
            self.replaced += 1
            await self._respawn()

    async def _respawn(self) -> None:
        """Start a worker for a lost slot; after failed tries, break the pool instead.

        A broken pool fails the waiting requests and every later one with the reason,
        rather than leaving them waiting for a worker that never comes.
        """
        delay = RESPAWN_DELAY_S
        for attempt in range(1, RESPAWN_ATTEMPTS + 1):
            if self._closed or self._broken is not None:
                return
            try:
                worker = await self._spawn()
            except Exception as exc:  # SandboxError, or OSError from the launch itself
                if attempt == RESPAWN_ATTEMPTS:
                    self._broken = SandboxError(
                        f"the sandbox could not replace a worker ({RESPAWN_ATTEMPTS} tries): "
                        f"{exc}")
                    self._idle.put_nowait(None)  # wakes the requests waiting for a worker
                    return
                await asyncio.sleep(delay)
                delay *= 2
                continue
            if self._closed:  # closed while it started: it is not needed any more
                worker.kill()
                await worker.wait()
                self._all.discard(worker)
                return
            self._idle.put_nowait(worker)
            return

    # --- requests -----------------------------------------------------------------------

    async def _call(self, payload: dict[str, Any], timeout_s: float,
                    read: Callable[[dict[str, Any]], T]) -> tuple[T | None, str | None]:
        """Send one request to an idle worker; ``read`` checks the reply (WorkerFailure)."""
        if not self._started:
            await self.start()
        if self._closed:
            raise SandboxError("the sandbox pool is closed")
        if self._broken is not None:
            raise self._broken
        worker = await self._idle.get()
        if worker is None:
            self._idle.put_nowait(None)  # for the next waiting request
            assert self._broken is not None
            raise self._broken
        try:
            reply = await worker.request(payload, timeout_s)
            result = read(reply)
        except WorkerFailure as exc:
            await self._replace(worker)
            if self._broken is not None:
                raise self._broken from None
            return None, f"{exc}{worker.last_words()}"
        except BaseException:  # cancelled mid-request: the worker's state is unknown
            worker.kill()
            self._all.discard(worker)
            self._dead.add(worker)  # reaped by aclose
            await self._respawn()
            raise
        if reply.get("retire"):  # the worker could not clean up after the program
            await self._replace(worker)
        else:
            self._idle.put_nowait(worker)
        return result, None

    async def run(self, code: str, inputs: list[Grid]) -> list[ProgramResult]:
        """Run ``solve_task`` from ``code`` on every input, in one fresh child process."""
        if not inputs:
            return []
        encoded = []
        for i, grid in enumerate(inputs):
            rows = encode_checked(grid)  # the common case, checked in C
            if rows is None:
                problem = grid_problem(grid)
                if problem is not None:
                    raise UsageError(f"sandbox input {i}: {problem}")
                rows = encode(grid)
            encoded.append(rows)
        payload = {"op": "run", "code": code, "inputs": encoded,
                   "timeout_s": self.timeout_s,
                   "memory_mb": self.memory_mb}
        deadline = self.timeout_s * (len(inputs) + 1) + REPLY_SLACK_S
        results, failure = await self._call(
            payload, deadline, lambda reply: _parse_results(reply, len(inputs)))
        if results is not None:
            return results
        message = f"the sandbox worker failed and was replaced: {failure}"
        return [ProgramResult("error", None, message) for _ in inputs]

    async def verify(self, code: str, task: Task) -> Verification:
        """Run the program on every train and test input of ``task`` and judge each output.

        Train outputs (and test outputs when known) are compared exactly; test pairs
        without a known output get ``unchecked``. Expected outputs never enter the sandbox.
        """
        started = time.perf_counter()
        pairs = [("train", i, p) for i, p in enumerate(task.train)]
        pairs += [("test", i, p) for i, p in enumerate(task.test)]
        results = await self.run(code, [p.input for _, _, p in pairs])
        verdicts = []
        for (split, index, pair), result in zip(pairs, results, strict=True):
            if result.status != "ok":
                verdicts.append(PairVerdict(split, index, result.status, None, result.error))
            elif pair.output is None:
                verdicts.append(PairVerdict(split, index, "unchecked", result.output))
            else:
                status = "pass" if result.output == pair.output else "fail"
                verdicts.append(PairVerdict(split, index, status, result.output))
        return Verification(verdicts, round(time.perf_counter() - started, 6))

    async def probe(self, walk: bool = False) -> dict[str, Any]:
        """Ask a worker for a confined child that tries what programs must not do: read
        an answer file, list a hidden package folder, fork, connect, lower the worker's
        limits, and so on; with ``walk``, also every package and data file it can find
        outside the standard library and the allowed packages. Its report."""
        policy = self.policy
        payload = {"op": protocol.OP_PROBE, "timeout_s": self.timeout_s,
                   "memory_mb": self.memory_mb,
                   "answer_paths": policy.answer_paths(self.isolation),
                   "hidden": list(policy.hidden), "walk": walk,
                   "places": [*_walk_places(), *policy.system] if walk else [],
                   "allowed": policy.allowed(self.isolation)}
        timeout = START_TIMEOUT_S + (60 if walk else 0)
        reply, failure = await self._call(payload, timeout, lambda r: r)
        if reply is None:
            raise SandboxError(f"the sandbox probe failed: {failure}")
        workers = list(self._all)
        report = dict(reply.get("probe") or {})
        report["hello"] = workers[0].hello if workers else {}
        group = next((w.group for w in workers if w.group is not None), None)
        report["cgroup"] = {
            "active": group is not None,
            "detail": (f"cgroup v{group.version}: memory {self.memory_mb + CGROUP_SLACK_MB} MB "
                       f"(kernel memory included), {cgroups.PIDS_MAX} processes per worker")
            if group is not None else f"not available: {self.cgroup_error}"}
        return report


def _walk_places() -> list[str]:
    """Where a program might find something: the whole tree, and where this host keeps
    its own packages, data and files (``/`` may be closed while they are not)."""
    places = ["/", os.path.expanduser("~"), os.getcwd(), tempfile.gettempdir(), sys.prefix,
              sys.base_prefix, *(p for p in sys.path if p)]
    with contextlib.suppress(OSError):
        places += [os.path.join("/", name) for name in os.listdir("/")]
    return list(dict.fromkeys(os.path.realpath(p) for p in places))
