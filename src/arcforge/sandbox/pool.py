"""The host side: a pool of warm sandbox workers, driven with asyncio.

Each request goes to an idle worker as a length-prefixed JSON frame with a fresh nonce;
the reply must echo it, fit the size cap and hold well-formed results, otherwise the
worker is killed and replaced. Every returned grid is validated again here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import secrets
import shutil
import stat
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from arcforge.errors import ArcforgeError, UsageError
from arcforge.grids import Grid, grid_problem
from arcforge.sandbox.gridcodec import decode, encode, encode_checked
from arcforge.sandbox.launch import resolve_isolation, worker_command
from arcforge.tasks import Task
from arcforge.verification import PairVerdict, Verification

MAX_REPLY = 16 << 20
START_TIMEOUT_S = 30.0
REPLY_SLACK_S = 10.0  # beyond the program's own deadlines, for the worker itself
DEFAULT_TIMEOUT_S = 5.0
DEFAULT_MEMORY_MB = 1024
MAX_ERROR = 600
RESPAWN_ATTEMPTS = 3  # a worker that cannot be replaced after this many tries breaks the pool
RESPAWN_DELAY_S = 0.2  # before the second try; doubled before each later one
ENV_TIMEOUT = "ARCFORGE_SANDBOX_TIMEOUT_S"
ENV_MEMORY = "ARCFORGE_SANDBOX_MEMORY_MB"

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

    def __init__(self, proc: asyncio.subprocess.Process, scratch: str | None) -> None:
        self.proc = proc
        self.scratch = scratch
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
                (size,) = struct.unpack(">I", header)
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
        data = json.dumps({**payload, "nonce": nonce}, separators=(",", ":")).encode()
        try:
            self.proc.stdin.write(struct.pack(">I", len(data)) + data)
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
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        if self.scratch:
            _remove_tree(self.scratch)

    async def wait(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            await self.proc.wait()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._drain, 1.0)


def _remove_tree(path: str) -> None:
    """Delete a worker's host scratch folder, also the folders a program locked (chmod 0)."""
    stack = [path]
    while stack:
        current = stack.pop()
        try:
            if not stat.S_ISDIR(os.lstat(current).st_mode):
                continue  # files and symbolic links: never followed
            os.chmod(current, 0o700)
            stack.extend(os.path.join(current, name) for name in os.listdir(current))
        except OSError:
            continue
    shutil.rmtree(path, ignore_errors=True)


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return float(raw)
    except ValueError:
        raise UsageError(f"${name}: {raw!r} is not a number") from None


def _parse_results(reply: dict[str, Any], n: int) -> list[ProgramResult]:
    """Turn a worker reply into results, validating every grid; WorkerFailure if malformed."""
    raw = reply.get("results")
    if not isinstance(raw, list) or len(raw) != n:
        raise WorkerFailure(f"reply holds no list of {n} results")
    results = []
    for item in raw:
        if not isinstance(item, dict) or item.get("s") not in ("ok", "error", "invalid_output",
                                                                "timeout"):
            raise WorkerFailure("reply holds a malformed result")
        error = item.get("err")
        error = str(error)[:MAX_ERROR] if error is not None else None
        if item["s"] == "ok":
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
    ``memory_mb`` the address-space limit of the process running it. Left out, they come
    from ``$ARCFORGE_SANDBOX_TIMEOUT_S`` and ``$ARCFORGE_SANDBOX_MEMORY_MB`` (else 5 s and
    1024 MB). Use as
    ``async with SandboxPool() as pool: verification = await pool.verify(code, task)``.
    """

    def __init__(
        self,
        workers: int | None = None,
        timeout_s: float | None = None,
        memory_mb: int | None = None,
        isolation: str | None = None,
    ) -> None:
        timeout_s = timeout_s if timeout_s is not None else _env_number(
            ENV_TIMEOUT, DEFAULT_TIMEOUT_S)
        memory_mb = memory_mb if memory_mb is not None else int(_env_number(
            ENV_MEMORY, DEFAULT_MEMORY_MB))
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
        self._idle: asyncio.Queue[_Worker | None] = asyncio.Queue()  # None: the pool broke
        self._all: set[_Worker] = set()
        self._dead: set[_Worker] = set()
        self._started = False
        self._closed = False
        self._broken: SandboxError | None = None  # set when a worker could not be replaced
        self.replaced = 0  # workers killed and replaced so far
        self.probe_report: dict[str, Any] = {}

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
        command = worker_command(self.isolation)
        try:
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
            if command.scratch_host:
                _remove_tree(command.scratch_host)
            raise
        worker = _Worker(proc, command.scratch_host)
        self._all.add(worker)
        try:
            hello = await worker.read_frame(START_TIMEOUT_S)
        except WorkerFailure as exc:
            worker.kill()
            await worker.wait()
            self._all.discard(worker)
            raise SandboxError(
                f"the sandbox worker ({self.isolation}) did not start: {exc}"
                f"{worker.last_words()}"
            ) from None
        if hello.get("op") != "hello":
            worker.kill()
            await worker.wait()
            self._all.discard(worker)
            raise SandboxError("the sandbox worker sent no hello frame")
        worker.hello = hello
        return worker

    async def _replace(self, worker: _Worker) -> None:
        worker.kill()
        await worker.wait()
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

    async def probe(self) -> dict[str, Any]:
        """Ask a worker to fork a confined child that tries forbidden things; its report."""
        payload = {"op": "probe", "timeout_s": self.timeout_s, "memory_mb": self.memory_mb}
        reply, failure = await self._call(payload, START_TIMEOUT_S, lambda r: r)
        if reply is None:
            raise SandboxError(f"the sandbox probe failed: {failure}")
        workers = list(self._all)
        report = dict(reply.get("probe") or {})
        report["hello"] = workers[0].hello if workers else {}
        return report


def expected_limits(timeout_s: float, memory_mb: int) -> dict[str, int]:
    """The rlimits the probe child (one input) must report."""
    return {"CPU": math.ceil(timeout_s * 2) + 1, "AS": memory_mb << 20, "NOFILE": 64}


def _blocked(outcome: Any) -> bool:
    return isinstance(outcome, str) and outcome.startswith("blocked")


def confinement_problem(report: dict[str, Any], isolation: str, timeout_s: float,
                        memory_mb: int) -> str | None:
    """Why programs must not run with what the probe found; None when they may.

    Everywhere a child must get its resource limits. A plain process (no bubblewrap)
    must also get Landlock file-system confinement, seen working (reading /etc/passwd
    and writing outside the scratch folder both fail), and a working seccomp filter:
    without them a program could read and write the host's files as the worker's user.
    """
    if "confine_error" in report:
        return f"the sandbox cannot confine programs here: {report['confine_error']}"
    limits = report.get("rlimits") or {}
    wanted = expected_limits(timeout_s, memory_mb)
    wrong = [name for name, value in wanted.items() if limits.get(name) != value]
    if wrong:
        return (f"the sandbox could not set resource limits ({', '.join(wrong)}): "
                "refusing to run programs")
    if isolation != "process":
        return None
    hello = report.get("hello") or {}
    missing = []
    if not hello.get("landlock_abi"):
        missing.append(f"Landlock is not active ({hello.get('landlock_error') or 'unknown'})")
    else:
        if not _blocked(report.get("read_etc_passwd")):
            missing.append("Landlock does not block reading outside files")
        if not _blocked(report.get("write_outside_scratch")):
            missing.append("Landlock does not block writing outside the scratch folder")
    if not (report.get("seccomp_mode") == 2 and _blocked(report.get("fork"))
            and _blocked(report.get("socket"))):
        missing.append("seccomp is not active")
    if not missing:
        return None
    return ("process isolation (no bubblewrap) refuses to run programs without file-system "
            f"confinement and seccomp: {'; '.join(missing)}. Install bubblewrap (Debian: "
            "apt-get install bubblewrap) or use a kernel with Landlock (Linux 5.13+)")
