"""The sandbox worker: a warm process that runs each program in a fresh forked child.

Started by the host as ``python -I -S worker.py CONFIG_JSON`` (inside bubblewrap when
present). Standard library only, plus numpy and pyseccomp from the paths in the config.
It talks to the host over stdin/stdout with 4-byte big-endian length-prefixed JSON frames:
one ``hello`` frame at start, then one reply per request, echoing the request's nonce.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import shutil
import signal
import stat
import struct
import sys
import time
from dataclasses import dataclass, field
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
CONFIG: dict[str, Any] = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
sys.path.extend(CONFIG.get("paths", []))

import child  # noqa: E402
import landlock  # noqa: E402
import probe  # noqa: E402
import seccomp_filter  # noqa: E402

MAX_REQUEST = 64 << 20
MAX_CHILD_OUTPUT = 4 << 20
MAX_TIMEOUTS = 2  # after this many inputs timed out, the rest are not run
MAX_MESSAGE = child.MAX_MESSAGE  # error messages, as long as the host stores them
# disk a program may leave behind, checked after it ends: set for a plain process only
# (inside bubblewrap the /tmp tmpfs has this size and refuses writes beyond it at once)
SCRATCH_CAP: int | None = CONFIG.get("scratch_cap")
# a test seam only: run the worker as if the kernel had no Landlock (see launch.py)
NO_LANDLOCK = bool(CONFIG.get("test_no_landlock"))
# modules ARC programs commonly use, imported once here so each child starts warm
WARM_MODULES = ("collections", "itertools", "functools", "copy", "math", "heapq", "re",
                "typing", "dataclasses", "statistics", "numpy")
_PR_SET_PDEATHSIG = 1


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
        self.scratch_root = config["scratch"]
        self.read_paths: list[str] = config.get("read_paths", [])
        self.devnull = os.open(os.devnull, os.O_RDWR)
        self.counter = 0
        # the filter each child loads: every denied syscall, or (once the worker has loaded
        # the rest for itself in start) only those the worker needs
        self.seccomp = seccomp_filter.build_seccomp_program()
        self._seccomp_layers = (
            seccomp_filter.build_seccomp_program(seccomp_filter.WORKER_SYSCALLS),
            seccomp_filter.build_seccomp_program(seccomp_filter.CHILD_ONLY_SYSCALLS),
        )
        self.seccomp_worker = False
        self.landlock_abi = 0
        self.landlock_error: str | None = None
        self.nnp = False
        self.warm: list[str] = []
        self.spare: Spare | None = None
        self.dying: list[tuple[int, str]] = []  # killed children not yet reaped
        self.scratch_used = 0  # bytes found in the scratch folders removed since the last reply

    # --- start --------------------------------------------------------------------------

    def start(self) -> dict[str, Any]:
        """Confine the worker itself; return the hello frame describing what is active."""
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # die with the host
        os.environ.update({k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                            "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")})
        for name in WARM_MODULES:
            try:
                __import__(name)
                self.warm.append(name)
            except ImportError:
                continue
        namespaces = {n: _readlink(f"/proc/self/ns/{n}") for n in ("net", "pid", "user", "mnt")}
        try:
            landlock.no_new_privileges()
            self.nnp = True
        except OSError as exc:
            self.landlock_error = str(exc)
        abi = 0 if NO_LANDLOCK else landlock.abi_version()
        if abi and self.nnp:
            everything = landlock.fs_rights(abi)
            rules = [(p, landlock.FS_READ) for p in self.read_paths]
            rules += [(self.scratch_root, everything),
                      (os.devnull, landlock.FS_READ_FILE | landlock.FS_WRITE_FILE)]
            try:
                landlock.restrict(abi, handled_fs=everything, rules=rules, deny_tcp=True)
                self.landlock_abi = abi
            except OSError as exc:
                self.landlock_error = str(exc)
        elif NO_LANDLOCK:
            self.landlock_error = "Landlock turned off by the test seam"
        elif not abi:
            self.landlock_error = "Landlock is not available in this kernel"
        worker_layer, child_layer = self._seccomp_layers
        if self.nnp and worker_layer is not None and child_layer is not None:
            try:
                worker_layer.load()  # inherited by every child; they load the rest
                self.seccomp, self.seccomp_worker = child_layer, True
            except OSError:
                pass  # each child loads the whole filter instead
        return {
            "op": "hello", "pid": os.getpid(), "uid": os.getuid(), "gid": os.getgid(),
            "namespaces": namespaces, "landlock_abi": self.landlock_abi,
            "landlock_error": self.landlock_error, "seccomp": self.seccomp is not None,
            "seccomp_worker": self.seccomp_worker,
            "no_new_privs": self.nnp, "warm_modules": self.warm,
            "python": sys.version.split()[0],
        }

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
                status = "timeout" if reason == "timeout" else "error"
                for i in todo:
                    results[i] = {"s": status, "err": _load_message(reason)}
                break
            for i, result in outcome.results.items():
                if i in todo:
                    results[i] = result
            todo = [i for i in todo if results[i] is None]
            if todo:  # the child stopped on todo[0]; the rest get a fresh child
                stop = outcome.stop or "the program stopped without an answer"
                results[todo[0]] = {"s": "timeout" if stop == "timeout" else "error",
                                    "err": None if stop == "timeout" else stop}
                todo = todo[1:]
                timeouts += stop == "timeout"
            if todo and timeouts >= MAX_TIMEOUTS:  # a program that hangs: stop paying for it
                for i in todo:
                    results[i] = {"s": "timeout", "err": f"not run: the program already timed "
                                                        f"out on {timeouts} inputs"}
                break
        self.reap(block=True)  # every child is gone: its scratch folder is measured, removed
        reply: dict[str, Any] = {"results": results}
        used, self.scratch_used = self.scratch_used, 0
        if SCRATCH_CAP is not None and used > SCRATCH_CAP:
            message = (f"the program left {used >> 20} MB in its scratch folder, over the "
                       f"{SCRATCH_CAP >> 20} MB cap")
            reply["results"] = [{"s": "error", "err": message} for _ in results]
            reply["retire"] = message
        left = self.clean_scratch_root()
        if left:
            reply["retire"] = f"the scratch folder could not be emptied: {left}"
        return reply

    def clean_scratch_root(self) -> str | None:
        """Remove everything in the scratch root but the spare's folder; what is left, if any."""
        keep = os.path.basename(self.spare.scratch) if self.spare is not None else None
        try:
            names = [n for n in os.listdir(self.scratch_root) if n != keep]
        except OSError as exc:
            return f"cannot list it ({exc})"
        if not names:
            return None  # the usual case: each child's folder went when it was reaped
        for name in names:
            self.scratch_used += _remove_folder(os.path.join(self.scratch_root, name))
        try:
            left = [n for n in os.listdir(self.scratch_root) if n != keep]
        except OSError as exc:
            return f"cannot list it ({exc})"
        return ", ".join(sorted(left)[:5]) or None

    def prepare(self, limits: child.Limits) -> None:
        """Fork and confine the next child now, so a request does not wait for it."""
        self.reap()
        if self.spare is not None and self.spare.limits == limits:
            return
        self._discard_spare()
        self.counter += 1
        scratch = os.path.join(self.scratch_root, f"p{self.counter}")
        os.mkdir(scratch, 0o700)
        job_read, job_write = os.pipe()
        result_read, result_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: confine, wait for a job, run it, never return
            try:
                os.close(job_write)
                os.close(result_read)
                child.confine(limits, scratch, (job_read, result_write), self.devnull,
                              self.seccomp, self.landlock_abi)
            except BaseException as exc:
                os.write(result_write,
                         json.dumps({"confine_error": repr(exc)}).encode() + b"\n")
                os._exit(3)
            try:
                child.serve_job(job_read, result_write, limits)
            finally:
                os._exit(0)
        os.close(job_read)
        os.close(result_write)
        self.spare = Spare(pid, job_write, result_read, scratch, limits)

    def _discard_spare(self) -> None:
        spare, self.spare = self.spare, None
        if spare is not None:
            os.kill(spare.pid, signal.SIGKILL)
            os.waitpid(spare.pid, 0)
            spare.close_pipes()
            _remove_folder(spare.scratch)

    def reap(self, block: bool = False) -> None:
        """Collect children killed after they answered; then delete their scratch folders."""
        alive = []
        for pid, scratch in self.dying:
            done, _ = os.waitpid(pid, 0 if block else os.WNOHANG)
            if done:
                self.scratch_used += _remove_folder(scratch)
            else:
                alive.append((pid, scratch))
        self.dying = alive

    def _run_child(self, body: bytes, todo: list[int], limits: child.Limits) -> ChildOutcome:
        self.reap(block=True)  # no earlier program's scratch folder outlives it
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
        os.kill(spare.pid, signal.SIGKILL)
        if outcome.load_error or (outcome.loaded and len(outcome.results) == len(todo)):
            # every answer is in: reaped (and its folder removed) at the end of run
            self.dying.append((spare.pid, spare.scratch))
        else:
            _, status = os.waitpid(spare.pid, 0)
            self.scratch_used += _remove_folder(spare.scratch)
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
                outcome.stop = "timeout"
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
                if self._take(line, outcome, expected):
                    deadline = time.monotonic() + timeout_s
        return outcome

    @staticmethod
    def _take(line: bytes, outcome: ChildOutcome, expected: set[int]) -> bool:
        """Record one line from the child; True when it was a step forward."""
        try:
            event = json.loads(line)
        except ValueError:
            return False
        if not isinstance(event, dict):
            return False
        if "confine_error" in event:
            outcome.load_error = f"sandbox could not confine the program: {event['confine_error']}"
            return False
        if "load_error" in event and not outcome.loaded:
            outcome.load_error = str(event["load_error"])
            return True
        if event.get("loaded") is True:
            outcome.loaded = True
            return True
        index = event.get("i")
        if outcome.loaded and type(index) is int and index in expected \
                and index not in outcome.results:
            outcome.results[index] = _capped(event)
            return True
        return False

    # --- probe --------------------------------------------------------------------------

    def probe(self, request: dict[str, Any]) -> dict[str, Any]:
        """Fork a confined child that tries what programs must not do; report each result."""
        self.counter += 1
        scratch = os.path.join(self.scratch_root, f"p{self.counter}")
        os.mkdir(scratch, 0o700)
        read_fd, write_fd = os.pipe()
        limits = child.Limits(float(request["timeout_s"]), int(request["memory_mb"]))
        pid = os.fork()
        if pid == 0:
            try:
                os.close(read_fd)
                child.confine(limits, scratch, (write_fd,), self.devnull, self.seccomp,
                              self.landlock_abi)
                child.limit_cpu(limits.timeout_s, 1)
                report = probe.probe(self.scratch_root)
            except BaseException as exc:
                report = {"confine_error": repr(exc)}
            os.write(write_fd, json.dumps(report).encode() + b"\n")
            os._exit(0)
        os.close(write_fd)
        data = b""
        poller = select.poll()
        poller.register(read_fd, select.POLLIN)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and poller.poll(1000):
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                break
            data += chunk
        os.close(read_fd)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        _remove_folder(scratch)
        self.scratch_used = 0
        try:
            return {"probe": json.loads(data)}
        except ValueError:
            return {"probe": {"confine_error": "the probe child sent no report"}}


def _capped(event: dict[str, Any]) -> dict[str, Any]:
    """One input's result with its size bounded: a short error, at most a 30x30 grid."""
    status, out, err = event.get("s"), event.get("out"), event.get("err")
    if err is not None:
        err = (err if type(err) is str else "a malformed error message")[:MAX_MESSAGE]
    if out is not None and not (type(out) is list and len(out) <= child.MAX_SIDE and all(
            type(row) is str and len(row) <= child.MAX_SIDE for row in out)):
        return {"s": "invalid_output", "out": None,
                "err": f"the program sent a grid over {child.MAX_SIDE}x{child.MAX_SIDE}"}
    return {"s": status if type(status) is str else None, "out": out, "err": err}


def _remove_folder(path: str) -> int:
    """Delete a program's scratch folder, whatever modes it set; the bytes it held.

    The program ran as this user, so every folder it locked (``chmod 0``) can be opened
    again. Symbolic links are removed, never followed. What cannot be removed stays and
    is found by ``Worker.clean_scratch_root``.
    """
    try:
        os.rmdir(path)  # the usual case: an empty folder
        return 0
    except FileNotFoundError:
        return 0
    except OSError:
        pass
    used = _unlock(path)
    try:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass
    return used


def _unlock(path: str) -> int:
    """Give this user full access to every folder under ``path``; the bytes it holds."""
    used = 0
    stack = [path]
    while stack:
        current = stack.pop()
        try:
            info = os.lstat(current)
        except OSError:
            continue
        used += info.st_blocks * 512
        if not stat.S_ISDIR(info.st_mode):
            continue
        try:
            os.chmod(current, 0o700)
            names = os.listdir(current)
        except OSError:
            continue
        stack.extend(os.path.join(current, name) for name in names)
    return used


def _readlink(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def _load_message(reason: str) -> str | None:
    return None if reason == "timeout" else reason


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
    worker = Worker(CONFIG)

    def send(obj: dict[str, Any]) -> None:
        data = json.dumps(obj, separators=(",", ":")).encode()
        out.write(struct.pack(">I", len(data)) + data)
        out.flush()

    send(worker.start())
    while True:
        header = _read_exact(inp, 4)
        if header is None:
            return
        (size,) = struct.unpack(">I", header)
        if size > MAX_REQUEST:
            return
        body = _read_exact(inp, size)
        if body is None:
            return
        request = json.loads(body)
        nonce = request.get("nonce")
        is_run = request.get("op") != "probe"
        reply = worker.run(request, body) if is_run else worker.probe(request)
        reply["nonce"] = nonce
        send(reply)
        if reply.get("retire"):
            return  # the host replaces this worker: it is not fit for another program
        if is_run:  # fork the next child while the host reads the reply
            worker.prepare(child.Limits(float(request["timeout_s"]), int(request["memory_mb"])))


if __name__ == "__main__":
    main()
