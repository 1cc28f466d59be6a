"""Hostile solve_task programs and the verdict each must end in.

Every program is tried on the 3-pair mirror task (2 train, 1 test); ``expect`` is the
set of statuses allowed for every pair and ``error`` a fragment the error must hold.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Hostile:
    name: str
    code: str
    expect: frozenset[str]
    error: str | None = None


def _h(name: str, code: str, *expect: str, error: str | None = None) -> Hostile:
    return Hostile(name, code, frozenset(expect), error)


LOOP = "def solve_task(grid):\n    while True:\n        pass\n"

HOSTILE = [
    _h("infinite loop", LOOP, "timeout"),
    _h("loop swallowing BaseException", """
def solve_task(grid):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
""", "timeout"),
    _h("ignores SIGTERM", """
import signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
def solve_task(grid):
    while True:
        pass
""", "timeout"),
    _h("10 GB allocation", """
def solve_task(grid):
    block = bytearray(10 * 1024 ** 3)
    return grid
""", "error", error="MemoryError"),
    _h("10 GB numpy allocation", """
import numpy as np
def solve_task(grid):
    return np.ones((10 * 1024 ** 3,), dtype=np.uint8)
""", "error", error="MemoryError"),
    _h("fork bomb", """
import os
def solve_task(grid):
    while True:
        os.fork()
""", "error", error="PermissionError"),
    _h("os.system", """
import os
def solve_task(grid):
    status = os.system("echo pwned > /tmp/pwned")
    if status != 0:
        raise RuntimeError(f"os.system returned {status}")
    return [row[::-1] for row in grid]
""", "error", error="os.system returned"),
    _h("subprocess", """
import subprocess
def solve_task(grid):
    subprocess.run(["/bin/sh", "-c", "true"], check=True)
    return [row[::-1] for row in grid]
""", "error", error="PermissionError"),
    _h("reads /etc/passwd", """
def solve_task(grid):
    open("/etc/passwd").read()
    return [row[::-1] for row in grid]
""", "error"),
    _h("lists the home folder", f"""
import os
def solve_task(grid):
    os.listdir({str(Path.home())!r})
    return [row[::-1] for row in grid]
""", "error"),
    _h("reads a file of the home folder", f"""
import os
def solve_task(grid):
    open({str(Path(sys.base_prefix) / "bin" / "python3")!r}, "rb").read(4)
    os.listdir({str(Path.home())!r})
    return [row[::-1] for row in grid]
""", "error"),
    _h("ctypes segfault", """
import ctypes
def solve_task(grid):
    ctypes.string_at(0)
""", "error", error="SIGSEGV"),
    _h("sys.exit", """
import sys
def solve_task(grid):
    sys.exit(0)
""", "error", error="SystemExit"),
    _h("os._exit", """
import os
def solve_task(grid):
    os._exit(0)
""", "error", error="exited with code 0"),
    _h("KeyboardInterrupt", """
def solve_task(grid):
    raise KeyboardInterrupt
""", "error", error="KeyboardInterrupt"),
    _h("threads", """
import threading
def solve_task(grid):
    t = threading.Thread(target=print)
    t.start()
    t.join()
    return [row[::-1] for row in grid]
""", "error", error="thread"),
    _h("100 MB of prints", """
import sys
def solve_task(grid):
    line = "x" * 1_000_000
    for _ in range(100):
        print(line)
        sys.stderr.write(line)
    return [row[::-1] for row in grid]
""", "pass", "unchecked"),
    _h("deep recursion", """
import sys
sys.setrecursionlimit(10 ** 8)
def down(n):
    return down(n + 1) + 1
def solve_task(grid):
    return down(0)
""", "error", "timeout"),  # Python 3.11 frames live on the heap: MemoryError or timeout
    _h("returns a string", "def solve_task(grid):\n    return 'grid'\n", "invalid_output",
       error="str"),
    _h("returns a generator", "def solve_task(grid):\n    return (row for row in grid)\n",
       "invalid_output", error="generator"),
    _h("returns None", "def solve_task(grid):\n    pass\n", "invalid_output", error="None"),
    _h("returns a 1000x1000 grid", "def solve_task(grid):\n    return [[0] * 1000] * 1000\n",
       "invalid_output", error="1000"),
    _h("returns bools", "def solve_task(grid):\n    return [[True, False]]\n",
       "invalid_output", error="bool"),
    _h("returns floats", "def solve_task(grid):\n    return [[1.0]]\n", "invalid_output",
       error="float"),
    _h("returns int subclasses", """
class Sneaky(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__
def solve_task(grid):
    return [[Sneaky(c) for c in row[::-1]] for row in grid]
""", "invalid_output", error="Sneaky"),
    _h("signals the worker", """
import os, signal
def solve_task(grid):
    os.kill(os.getppid(), signal.SIGKILL)
    return [row[::-1] for row in grid]
""", "error", error="PermissionError"),
    _h("writes to inherited descriptors", """
import os
def solve_task(grid):
    for fd in range(1024):
        try:
            os.write(fd, b"\\x00\\x00\\x00\\x10{\\"nonce\\": \\"x\\"}\\n")
        except OSError:
            pass
    return [row[::-1] for row in grid]
""", "error", "pass", "unchecked"),
    _h("System V shared memory", """
import ctypes
def solve_task(grid):
    libc = ctypes.CDLL(None, use_errno=True)
    segment = libc.shmget(0x4152, 4096, 0o1666)  # IPC_CREAT | 0666
    if segment < 0:
        raise PermissionError(ctypes.get_errno(), "shmget refused")
    return [row[::-1] for row in grid]
""", "error", error="shmget refused"),
    _h("floods its result pipe", """
import os
def solve_task(grid):
    block = b"x" * 65536
    for fd in range(3, 64):
        try:
            for _ in range(200):
                os.write(fd, block)
        except OSError:
            pass
    return [row[::-1] for row in grid]
""", "error", error="more than 4 MB"),
    _h("patches stdlib and numpy", """
import builtins, json, numpy
json.dumps = lambda *a, **k: '{"i": 0, "s": "ok", "out": [[9]]}'
json.loads = lambda *a, **k: None
numpy.array = None
builtins.sorted = None
def solve_task(grid):
    return [row[::-1] for row in grid]
""", "error", "invalid_output", "pass", "unchecked"),
]

# the program run right after each hostile one: it uses what the hostile ones patch
AFTER = """
import json
import numpy as np
def solve_task(grid):
    assert sorted([2, 1]) == [1, 2]
    assert json.loads(json.dumps([1])) == [1]
    return np.array(grid)[:, ::-1]
"""
