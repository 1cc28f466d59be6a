"""Inside a program's child (forked by the zygote): confine the process, run one program.

Standard library only (numpy when the worker imported it): this module runs inside the
sandbox, where arcforge is not importable. The child writes one JSON line per event to
its result pipe and never returns: it ends with ``os._exit``.

Lines written: ``{"loaded": true}`` or ``{"load_error": msg}``, then per input
``{"i": index, "s": "ok", "out": rows}`` (rows as digit strings, see ``gridcodec``) or
``{"i": index, "s": "error"|"invalid_output", "err": msg}``. The worker trusts none of
it: only the first ``loaded`` line counts, and the host validates every grid again.
"""

from __future__ import annotations

import json
import math
import os
import resource
import signal
import sys
import traceback
from dataclasses import dataclass
from typing import Any

from . import gridcodec, landlock, privileges, probe
from .protocol import ERROR, INVALID_OUTPUT, MAX_MESSAGE, MAX_SIDE, OK, OP_PROBE
from .seccomp import SeccompProgram

MAX_INPUTS = 64  # the CPU ceiling of a child before it knows its job
SOLUTION_FILE = "<solution>"


@dataclass(slots=True)
class ChildSetup:
    """What every child needs to confine itself, fixed when the worker starts."""

    devnull: int
    seccomp: SeccompProgram | None
    landlock_abi: int
    writable_scratch: bool


@dataclass(slots=True)
class Limits:
    timeout_s: float
    memory_mb: int
    file_mb: int = 16
    open_files: int = 64


def confine(limits: Limits, scratch: str, keep: tuple[int, ...], setup: ChildSetup) -> None:
    """Make this freshly forked child safe to run untrusted code in (order matters).

    Only the descriptors in ``keep`` stay open (stdin/stdout/stderr become /dev/null).
    """
    privileges.die_with_parent()
    os.setsid()  # its own session and process group: kill(0, ...) reaches only itself
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # oversized writes fail with EFBIG
    for fd in (0, 1, 2):
        os.dup2(setup.devnull, fd)  # output is discarded; stdin is empty
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)
    memory = limits.memory_mb << 20
    ceiling = math.ceil(limits.timeout_s * (MAX_INPUTS + 1)) + 1
    for which, value in (
        (resource.RLIMIT_CPU, ceiling),  # lowered to the job's own budget by limit_cpu
        (resource.RLIMIT_AS, memory),
        (resource.RLIMIT_DATA, memory),
        (resource.RLIMIT_FSIZE, limits.file_mb << 20),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_NPROC, 0),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_MEMLOCK, 0),
        (resource.RLIMIT_SIGPENDING, 16),  # the per-user queue of pending signals is shared
        (resource.RLIMIT_MSGQUEUE, 0),
    ):
        resource.setrlimit(which, (value, value))
    os.chdir(scratch)
    if setup.landlock_abi:
        # a nested domain: writes only in this program's scratch folder (none when the
        # worker has no private scratch file system), no signals to the worker or
        # anything outside, no abstract unix sockets
        everything = landlock.fs_rights(setup.landlock_abi)
        landlock.restrict(
            setup.landlock_abi,
            handled_fs=everything & ~landlock.FS_READ,
            rules=[(scratch, everything)] if setup.writable_scratch else [],
            deny_tcp=True,
            scope=landlock.SCOPE_SIGNAL | landlock.SCOPE_ABSTRACT_UNIX_SOCKET,
        )
    if setup.seccomp is not None:
        setup.seccomp.load()


def limit_cpu(timeout_s: float, n_inputs: int) -> None:
    """CPU seconds for loading plus ``n_inputs`` calls: a backstop behind the wall clock."""
    cpu = math.ceil(timeout_s * (n_inputs + 1)) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))


def serve_job(job_fd: int, result_fd: int, limits: Limits) -> None:
    """Wait for the job (a line of input indices, then the request), run it, report."""
    chunks = []
    while chunk := os.read(job_fd, 1 << 16):
        chunks.append(chunk)
    os.close(job_fd)
    data = b"".join(chunks)
    if not data:
        return  # the worker went away
    head, _, body = data.partition(b"\n")
    todo = json.loads(head)
    request = json.loads(body)
    limit_cpu(limits.timeout_s, max(len(todo), 1))
    with os.fdopen(result_fd, "w", encoding="utf-8") as out:
        if request.get("op") == OP_PROBE:
            out.write(json.dumps(probe.probe(request)) + "\n")
            return
        items = [(i, request["inputs"][i]) for i in todo]
        run_program(request["code"], items, out)


def _message(exc: BaseException) -> str:
    """``Type: message (line N)`` with the line of the program where it was raised."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == SOLUTION_FILE:
            line = frame.lineno
    try:
        text = f"{type(exc).__name__}: {exc}"
    except BaseException:  # a hostile __str__
        text = type(exc).__name__
    if line is not None:
        text += f" (line {line})"
    return text[:MAX_MESSAGE]


def _np_int_types() -> tuple[type, ...]:
    np = sys.modules.get("numpy")
    if np is None:
        return ()
    return tuple(type(np.dtype(c).type(0)) for c in "bBhHiIlLqQ")


def to_grid(value: Any) -> tuple[list[list[int]] | None, str | None]:
    """Convert a returned value to a plain grid; ``(None, reason)`` when it is not one.

    Exact types only: lists (or a 2-d integer numpy array) of ints 0-9, numpy integer
    scalars converted. bool, float, str, None, int subclasses and generators are refused.
    """
    if _plain_grid(value):
        return value, None
    np = sys.modules.get("numpy")
    if np is not None and type(value) is np.ndarray:
        if value.ndim != 2 or value.dtype.kind not in "iu":
            return None, f"returned a {value.ndim}-d numpy array of {value.dtype}, " \
                         "expected a 2-d integer array"
        if not (0 < value.shape[0] <= MAX_SIDE and 0 < value.shape[1] <= MAX_SIDE):
            return None, f"returned a {value.shape[0]}x{value.shape[1]} array, " \
                         f"grids are 1-{MAX_SIDE} x 1-{MAX_SIDE}"
        value = value.tolist()
    if type(value) is not list:
        return None, f"returned {_kind(value)}, expected a list of rows"
    if not 0 < len(value) <= MAX_SIDE:
        return None, f"returned {len(value)} rows, grids have 1-{MAX_SIDE}"
    ints = (int, *_np_int_types())
    grid = []
    for r, row in enumerate(value):
        if np is not None and type(row) is np.ndarray and row.ndim == 1 \
                and row.dtype.kind in "iu" and len(row) <= MAX_SIDE:
            row = row.tolist()
        if type(row) is not list:
            return None, f"row {r} is {_kind(row)}, expected a list of cells"
        if not 0 < len(row) <= MAX_SIDE:
            return None, f"row {r} has {len(row)} cells, rows have 1-{MAX_SIDE}"
        cells = []
        for c, cell in enumerate(row):
            if type(cell) not in ints:
                return None, f"row {r} column {c} is {_kind(cell)}, expected an int 0-9"
            cell = int(cell)
            if not 0 <= cell <= 9:
                return None, f"row {r} column {c} is {cell}, outside 0-9"
            cells.append(cell)
        grid.append(cells)
    if len({len(row) for row in grid}) != 1:
        return None, "rows have different lengths"
    return grid, None


_INT_ONLY = {int}


def _plain_grid(value: Any) -> bool:
    """The common case, checked in C per row: a list of equal-length lists of ints 0-9."""
    if type(value) is not list or not 0 < len(value) <= MAX_SIDE or type(value[0]) is not list:
        return False
    width = len(value[0])
    return 0 < width <= MAX_SIDE and all(
        type(row) is list and len(row) == width and set(map(type, row)) == _INT_ONLY
        and min(row) >= 0 and max(row) <= 9
        for row in value
    )


def _kind(value: Any) -> str:
    return "None" if value is None else f"a {type(value).__name__}"


def run_program(code: str, inputs: list[tuple[int, Any]], out: Any) -> None:
    """Load ``code``, call ``solve_task`` on each ``(index, encoded grid)``; a JSON line each."""

    def emit(obj: dict[str, Any]) -> None:
        out.write(json.dumps(obj, separators=(",", ":")) + "\n")
        out.flush()

    namespace: dict[str, Any] = {"__name__": "solution", "__builtins__": __builtins__}
    try:
        exec(compile(code, SOLUTION_FILE, "exec"), namespace)
        solve = namespace.get("solve_task")
        if not callable(solve):
            raise NameError("the program defines no solve_task function")
    except BaseException as exc:
        emit({"load_error": _message(exc)})
        return
    emit({"loaded": True})
    for index, grid in inputs:
        try:
            result = solve(gridcodec.decode(grid))  # fresh lists for every call
        except BaseException as exc:
            emit({"i": index, "s": ERROR, "err": _message(exc)})
            continue
        try:
            converted, reason = to_grid(result)
        except BaseException as exc:
            converted, reason = None, f"could not read the returned value: {_message(exc)}"
        if converted is None:
            emit({"i": index, "s": INVALID_OUTPUT, "err": reason})
        else:
            emit({"i": index, "s": OK, "out": gridcodec.encode(converted)})
