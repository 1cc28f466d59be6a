"""The sandbox worker: a warm process that runs each program in a fresh child.

Started by the host as the module ``inside.worker`` of ``python -I -S`` (inside
bubblewrap when present), with its configuration as the last argument. At start it sets
itself up once, in this order: warm imports, a private scratch tmpfs (size and inode
caps), every capability dropped, no_new_privs, not dumpable, Landlock, its seccomp
layer; then it forks the zygote (see :mod:`.zygote`), which forks each program's child,
and only then says hello and reads requests. Requests and replies are frames of
:mod:`.protocol` on stdin/stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from . import child, cleanup, landlock, privileges, probe, zygote
from .protocol import (
    ERROR,
    INVALID_OUTPUT,
    MAX_CHILD_OUTPUT,
    MAX_MESSAGE,
    MAX_REQUEST,
    MAX_SIDE,
    OP_HELLO,
    OP_PROBE,
    TIMEOUT,
    encode_frame,
    frame_size,
)
from .seccomp import SeccompProgram

MAX_TIMEOUTS = 2  # after this many inputs timed out, the rest are not run
# modules ARC programs commonly use, imported once here so each child starts warm
WARM_MODULES = ("collections", "itertools", "functools", "copy", "math", "heapq", "re",
                "typing", "dataclasses", "statistics", "fractions", "numpy")
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMEXPR_NUM_THREADS")


@dataclass(slots=True)
class Spare:
    """A child forked and confined ahead of time, waiting for its job."""

    pid: int
    job_fd: int
    result_fd: int
    scratch: str
    limits: child.Limits

    def close_pipes(self) -> None:
        for fd in (self.job_fd, self.result_fd):
            if fd >= 0:
                os.close(fd)
        self.job_fd = self.result_fd = -1


@dataclass(slots=True)
class ChildOutcome:
    loaded: bool = False
    load_error: str | None = None
    results: dict[int, dict[str, Any]] = field(default_factory=dict)
    stop: str | None = None  # why the child stopped early: "timeout" or an error message


class Worker:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.scratch_root: str = config["scratch"]
        self.read_paths: list[str] = config.get("read_paths", [])
        self.devnull = os.open(os.devnull, os.O_RDWR)
        self.counter = 0
        self.spare: Spare | None = None
        self.dying: list[tuple[int, str]] = []  # killed children not yet reaped
        self.retire: str | None = None  # why this worker must not run another program
        self.zygote: zygote.Zygote | None = None
        self.last_cap = 63

    # --- start --------------------------------------------------------------------------

    def start(self) -> dict[str, Any]:
        """Set the worker up and fork the zygote; the hello frame says what is active."""
        config = self.config
        privileges.die_with_parent()
        os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
        warm = []
        for name in dict.fromkeys((*WARM_MODULES, *config.get("packages", []))):
            try:
                __import__(name)
                warm.append(name)
            except ImportError:
                continue
        for path in config.get("forget_paths", []):  # folders closed to programs from now on
            while path in sys.path:
                sys.path.remove(path)
            sys.path_importer_cache.pop(path, None)
        scratch_error = None
        try:
            privileges.mount_scratch(self.scratch_root, int(config["scratch_bytes"]),
                                     int(config["scratch_inodes"]))
        except OSError as exc:
            scratch_error = str(exc)
        namespaces = {n: _readlink(f"/proc/self/ns/{n}") for n in ("net", "pid", "user", "mnt")}
        privileges.prefer_oom_kill()
        self.last_cap = privileges.last_capability()
        caps_error = None
        try:
            privileges.drop_capabilities(self.last_cap)
        except OSError as exc:
            caps_error = str(exc)
        nnp = True
        try:
            privileges.no_new_privileges()
            privileges.not_dumpable()
        except OSError:
            nnp = False
        abi, landlock_error = self._landlock(nnp, writable=scratch_error is None)
        pair = zygote.channel()
        seccomp_worker = SeccompProgram.from_hex(config.get("seccomp_worker"))
        seccomp_child = SeccompProgram.from_hex(config.get("seccomp_child"))
        seccomp_error = None if seccomp_worker else "libseccomp is missing on the host"
        if nnp and seccomp_worker is not None:
            try:
                seccomp_worker.load()  # inherited by the zygote and every child
            except OSError as exc:
                seccomp_error, seccomp_child = str(exc), None
        setup = child.ChildSetup(self.devnull, seccomp_child if seccomp_error is None else None,
                                  abi, writable_scratch=scratch_error is None)
        self.zygote = zygote.start(setup, pair)
        return {
            "op": OP_HELLO, "pid": os.getpid(), "zygote_pid": self.zygote.pid,
            "uid": os.getuid(), "gid": os.getgid(), "namespaces": namespaces,
            "landlock_abi": abi, "landlock_error": landlock_error,
            "seccomp": seccomp_error is None, "seccomp_error": seccomp_error,
            "no_new_privs": nnp, "capabilities": privileges.capabilities(self.last_cap),
            "capabilities_error": caps_error,
            "scratch": {"tmpfs": scratch_error is None, "error": scratch_error,
                        "bytes": config["scratch_bytes"], "inodes": config["scratch_inodes"]},
            "warm_modules": warm, "packages": list(config.get("packages", [])),
            "python": sys.version.split()[0],
        }

    def _landlock(self, nnp: bool, writable: bool) -> tuple[int, str | None]:
        """The worker's domain: read the allowed paths, write only in the scratch root."""
        if self.config.get("test_no_landlock"):
            return 0, "Landlock turned off by the test seam"
        abi = landlock.abi_version()
        if not abi:
            return 0, "Landlock is not available in this kernel"
        if not nnp:
            return 0, "no_new_privs could not be set"
        everything = landlock.fs_rights(abi)
        rules = [(p, landlock.FS_READ) for p in self.read_paths]
        rules += [(self.scratch_root, everything if writable else landlock.FS_READ),
                  (os.devnull, landlock.FS_READ_FILE | landlock.FS_WRITE_FILE)]
        try:
            landlock.restrict(abi, handled_fs=everything, rules=rules, deny_tcp=True)
        except OSError as exc:
            return 0, str(exc)
        return abi, None

    # --- one program --------------------------------------------------------------------

    def run(self, request: dict[str, Any], body: bytes) -> dict[str, Any]:
        """Run the request's program on its inputs; a fresh child per attempt."""
        limits = child.Limits(float(request["timeout_s"]), int(request["memory_mb"]))
        n = len(request["inputs"])
        results: list[dict[str, Any] | None] = [None] * n
        todo = list(range(n))
        timeouts = 0
        while todo:
            outcome = self._run_child(body, todo, limits)
            if not outcome.loaded:
                reason = outcome.load_error or outcome.stop or "the program did not load"
                status = TIMEOUT if reason == TIMEOUT else ERROR
                for i in todo:
                    results[i] = {"s": status, "err": None if reason == TIMEOUT else reason}
                break
            for i, result in outcome.results.items():
                if i in todo:
                    results[i] = result
            todo = [i for i in todo if results[i] is None]
            if todo:  # the child stopped on todo[0]; the rest get a fresh child
                stop = outcome.stop or "the program stopped without an answer"
                results[todo[0]] = {"s": TIMEOUT if stop == TIMEOUT else ERROR,
                                    "err": None if stop == TIMEOUT else stop}
                todo = todo[1:]
                timeouts += stop == TIMEOUT
            if todo and timeouts >= MAX_TIMEOUTS:  # a program that hangs: stop paying for it
                for i in todo:
                    results[i] = {"s": TIMEOUT, "err": f"not run: the program already timed "
                                                       f"out on {timeouts} inputs"}
                break
        self.reap()  # every child is gone, its scratch folder removed
        self.sweep()
        reply: dict[str, Any] = {"results": results}
        if self.retire:
            reply["retire"] = self.retire
        return reply

    def prepare(self, limits: child.Limits) -> None:
        """Have the next child forked and confined now, so a request does not wait for it."""
        if self.spare is not None and self.spare.limits == limits:
            return
        self._discard_spare()
        assert self.zygote is not None
        self.counter += 1
        scratch = os.path.join(self.scratch_root, f"p{self.counter}")
        os.mkdir(scratch, 0o700)
        pid, job_fd, result_fd = self.zygote.fork(scratch, limits)
        self.spare = Spare(pid, job_fd, result_fd, scratch, limits)

    def _discard_spare(self) -> None:
        spare, self.spare = self.spare, None
        if spare is not None:
            spare.close_pipes()
            self._end(spare.pid, spare.scratch)

    def _end(self, pid: int, scratch: str) -> int:
        """Kill and reap a child, then remove its scratch folder; its wait status."""
        _kill(pid)
        assert self.zygote is not None
        status = self.zygote.wait(pid)
        _, problem = cleanup.remove_tree(scratch)
        if problem and not self.retire:
            self.retire = f"the scratch folder could not be emptied: {problem}"
        return status

    def reap(self) -> None:
        """Reap the children killed after they answered, and remove their folders."""
        dying, self.dying = self.dying, []
        for pid, scratch in dying:
            self._end(pid, scratch)

    def sweep(self) -> None:
        """Remove anything else in the scratch root (written there where Landlock is
        missing), so that the next program starts with nothing left by this one."""
        keep = os.path.basename(self.spare.scratch) if self.spare is not None else None
        try:
            names = [n for n in os.listdir(self.scratch_root) if n != keep]
        except OSError as exc:
            names, self.retire = [], self.retire or f"cannot list the scratch folder ({exc})"
        for name in names:
            _, problem = cleanup.remove_tree(os.path.join(self.scratch_root, name))
            if problem and not self.retire:
                self.retire = f"the scratch folder could not be emptied: {problem}"

    def _run_child(self, body: bytes, todo: list[int], limits: child.Limits) -> ChildOutcome:
        self.prepare(limits)
        spare, self.spare = self.spare, None
        assert spare is not None
        try:
            try:
                os.write(spare.job_fd, json.dumps(todo).encode() + b"\n")
                _write_all(spare.job_fd, body)
            except OSError:
                pass  # the child died before reading: its result pipe says why
            os.close(spare.job_fd)
            spare.job_fd = -1
            outcome = self._collect(spare.result_fd, limits.timeout_s, set(todo))
        finally:
            spare.close_pipes()
        if outcome.load_error or (outcome.loaded and len(outcome.results) == len(todo)):
            _kill(spare.pid)  # every answer is in: reaped at the end of the request
            self.dying.append((spare.pid, spare.scratch))
        else:
            status = self._end(spare.pid, spare.scratch)
            if outcome.stop is None:
                outcome.stop = _exit_reason(status)
        return outcome

    def _collect(self, fd: int, timeout_s: float, expected: set[int]) -> ChildOutcome:
        """Read the child's lines until every expected answer is in, EOF, a deadline of
        ``timeout_s`` per step (load, each input) or the size cap."""
        outcome = ChildOutcome()
        buffer = b""
        total = 0
        deadline = time.monotonic() + timeout_s
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while not outcome.load_error and len(outcome.results) < len(expected):
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                outcome.stop = TIMEOUT
                break
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_CHILD_OUTPUT:
                outcome.stop = "the program sent more than 4 MB of results"
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                if _take(line, outcome, expected):
                    deadline = time.monotonic() + timeout_s
        return outcome

    # --- probe --------------------------------------------------------------------------

    def probe(self, request: dict[str, Any], body: bytes) -> dict[str, Any]:
        """Have a confined child try what programs must not do; its report."""
        limits = child.Limits(float(request["timeout_s"]), int(request["memory_mb"]))
        job = dict(request, scratch_root=self.scratch_root, last_cap=self.last_cap)
        self.prepare(limits)
        spare, self.spare = self.spare, None
        assert spare is not None
        data = b""
        try:
            try:
                os.write(spare.job_fd, b"[]\n")
                _write_all(spare.job_fd, json.dumps(job).encode())
            except OSError:
                pass
            os.close(spare.job_fd)
            spare.job_fd = -1
            poller = select.poll()
            poller.register(spare.result_fd, select.POLLIN)
            deadline = time.monotonic() + probe.WALK_SECONDS + 15
            while (left := deadline - time.monotonic()) > 0 and poller.poll(left * 1000):
                chunk = os.read(spare.result_fd, 1 << 16)
                if not chunk:
                    break
                data += chunk
        finally:
            spare.close_pipes()
        self._end(spare.pid, spare.scratch)
        try:
            return {"probe": json.loads(data)}
        except ValueError:
            return {"probe": {"confine_error": "the probe child sent no report"}}


def _take(line: bytes, outcome: ChildOutcome, expected: set[int]) -> bool:
    """Record one line from the child; True when it was a step forward.

    Only the first ``loaded`` line counts: a program that repeats it gains no time.
    """
    try:
        event = json.loads(line)
    except (ValueError, RecursionError):  # deep nesting sent to crash the worker
        return False
    if not isinstance(event, dict):
        return False
    if "confine_error" in event:
        outcome.load_error = f"sandbox could not confine the program: {event['confine_error']}"
        return False
    if outcome.loaded:
        index = event.get("i")
        if type(index) is int and index in expected and index not in outcome.results:
            outcome.results[index] = _capped(event)
            return True
        return False
    if "load_error" in event:
        outcome.load_error = str(event["load_error"])[:MAX_MESSAGE]
        return True
    if event.get("loaded") is True:
        outcome.loaded = True
        return True
    return False


def _capped(event: dict[str, Any]) -> dict[str, Any]:
    """One input's result with its size bounded: a short error, at most a 30x30 grid."""
    status, out, err = event.get("s"), event.get("out"), event.get("err")
    if err is not None:
        err = (err if type(err) is str else "a malformed error message")[:MAX_MESSAGE]
    if out is not None and not (type(out) is list and len(out) <= MAX_SIDE and all(
            type(row) is str and len(row) <= MAX_SIDE for row in out)):
        return {"s": INVALID_OUTPUT, "out": None,
                "err": f"the program sent a grid over {MAX_SIDE}x{MAX_SIDE}"}
    return {"s": status if type(status) is str else None, "out": out, "err": err}


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _readlink(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def _exit_reason(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGKILL:
            return "the program stopped early"
        name = {signal.SIGXCPU: "SIGXCPU (CPU time limit)"}.get(sig, signal.Signals(sig).name)
        return f"the program was killed by {name}"
    return f"the program exited with code {os.WEXITSTATUS(status)} before returning"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exact(stream: Any, n: int) -> bytes | None:
    data = stream.read(n)
    return data if data is not None and len(data) == n else None


def main() -> None:
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    worker = Worker(json.loads(sys.argv[-1]))

    def send(obj: dict[str, Any]) -> None:
        out.write(encode_frame(obj))
        out.flush()

    send(worker.start())
    while True:
        header = _read_exact(inp, 4)
        if header is None:
            return
        size = frame_size(header)
        if size > MAX_REQUEST:
            return
        body = _read_exact(inp, size)
        if body is None:
            return
        request = json.loads(body)
        is_probe = request.get("op") == OP_PROBE
        reply = worker.probe(request, body) if is_probe else worker.run(request, body)
        reply["nonce"] = request.get("nonce")
        send(reply)
        if reply.get("retire"):
            return  # the host replaces this worker: it is not fit for another program
        # fork the next child while the host reads the reply
        worker.prepare(child.Limits(float(request["timeout_s"]), int(request["memory_mb"])))


if __name__ == "__main__":
    main()
