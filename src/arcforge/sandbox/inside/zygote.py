"""The zygote: the process every program's child is forked from, which never sees a request.

A child forked from the worker itself would inherit the worker's memory, and with it the
code, inputs and outputs of earlier programs. So the worker forks the zygote once, after
setting itself up and before reading any request, and from then on asks it for children.
It says only "fork a child for this scratch folder with these limits" and "wait for this
child"; each new child's job and result pipes travel back over a ``SOCK_SEQPACKET`` pair
(made before seccomp denies new sockets) with ``SCM_RIGHTS``, and the zygote closes its
own copies at once. Standard library only.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any, NoReturn

from . import child
from .child import ChildSetup

MAX_MESSAGE = 4096


class ZygoteError(Exception):
    """The zygote did not answer as it should: the worker cannot go on."""


class Zygote:
    """The worker's end: fork children and collect their exit statuses."""

    def __init__(self, sock: socket.socket, pid: int) -> None:
        self.sock = sock
        self.pid = pid

    def _ask(self, message: dict[str, Any], fds: int = 0) -> tuple[dict[str, Any], list[int]]:
        try:
            self.sock.send(json.dumps(message).encode())
            data, received, _, _ = socket.recv_fds(self.sock, MAX_MESSAGE, fds)
        except OSError as exc:
            raise ZygoteError(f"the zygote is gone ({exc})") from None
        if not data:
            raise ZygoteError("the zygote is gone")
        reply = json.loads(data)
        if "error" in reply:
            for fd in received:
                os.close(fd)
            raise ZygoteError(str(reply["error"]))
        return reply, received

    def fork(self, scratch: str, limits: child.Limits) -> tuple[int, int, int]:
        """A new confined child waiting for its job: ``(pid, job_fd, result_fd)``."""
        reply, fds = self._ask({"op": "fork", "scratch": scratch,
                                "timeout_s": limits.timeout_s, "memory_mb": limits.memory_mb},
                               fds=2)
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            raise ZygoteError("the zygote sent no pipes")
        return int(reply["pid"]), fds[0], fds[1]

    def wait(self, pid: int) -> int:
        """Block until the child ``pid`` (killed or finished) is reaped; its wait status."""
        reply, _ = self._ask({"op": "wait", "pid": pid})
        return int(reply["status"])


def channel() -> tuple[socket.socket, socket.socket]:
    """The socket pair between worker and zygote: made before seccomp denies sockets."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)


def start(setup: ChildSetup, pair: tuple[socket.socket, socket.socket]) -> Zygote:
    """Fork the zygote; in the worker, return its handle (the zygote never returns)."""
    ours, theirs = pair
    pid = os.fork()
    if pid == 0:
        try:
            ours.close()
            _serve(theirs, setup)
        finally:
            os._exit(0)
    theirs.close()
    return Zygote(ours, pid)


def _serve(sock: socket.socket, setup: ChildSetup) -> NoReturn:
    """The zygote's loop: fork and reap children on request until the worker goes away."""
    from . import privileges

    privileges.die_with_parent()
    for fd in (0, 1):  # the host's pipes belong to the worker alone
        os.dup2(setup.devnull, fd)
    while True:
        try:
            data = sock.recv(MAX_MESSAGE)
        except OSError:
            data = b""
        if not data:
            os._exit(0)
        try:
            request = json.loads(data)
            if request["op"] == "fork":
                _fork(sock, setup, request)
            else:
                _, status = os.waitpid(int(request["pid"]), 0)
                sock.send(json.dumps({"pid": request["pid"], "status": status}).encode())
        except Exception as exc:  # a failed fork or wait is the worker's to handle
            sock.send(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())


def _fork(sock: socket.socket, setup: ChildSetup, request: dict[str, Any]) -> None:
    limits = child.Limits(float(request["timeout_s"]), int(request["memory_mb"]))
    scratch = str(request["scratch"])
    job_read, job_write = os.pipe()
    result_read, result_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: confine, wait for the job, run it, never return
        try:
            child.confine(limits, scratch, (job_read, result_write), setup)
        except BaseException as exc:
            os.write(result_write, json.dumps({"confine_error": repr(exc)}).encode() + b"\n")
            os._exit(3)
        try:
            child.serve_job(job_read, result_write, limits)
        finally:
            os._exit(0)
    os.close(job_read)
    os.close(result_write)
    try:
        socket.send_fds(sock, [json.dumps({"pid": pid}).encode()], [job_write, result_read])
    finally:
        os.close(job_write)
        os.close(result_read)
