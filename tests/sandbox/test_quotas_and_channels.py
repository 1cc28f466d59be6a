"""A program cannot use up what the whole host shares (AIO contexts, inotify instances,
pending signals, memory outside its limits), signal or freeze other processes through
files (SIGIO owners, leases), leave marks on read-only files (inode generations, write
hints), pass notes to programs running beside it (file locks), truncate files outside its
scratch folder, crash its worker, or write terminal escapes onto the operator's screen."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.sandbox.conftest import GOOD, mirror_task

from arcforge.sandbox import SandboxPool

ISOLATIONS = [
    "process",
    pytest.param("bwrap", marks=pytest.mark.skipif(shutil.which("bwrap") is None,
                                                   reason="bubblewrap is not installed")),
]
ARCFORGE = str(Path(sys.executable).with_name("arcforge"))
aio = pytest.mark.asyncio(loop_scope="module")

# Each attempt runs once; the program raises with the list of those that worked.
ATTEMPTS = r'''
import ctypes, errno, fcntl, os, resource, signal, struct
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
TARGET = os.path.join(os.path.dirname(os.__file__), "this.py")

def worked(name, call):
    try:
        result = call()
    except OSError:
        return None
    return None if result is False else name

def io_setup():
    ctx = ctypes.c_ulong()
    return libc.syscall(206, 1, ctypes.byref(ctx)) == 0  # x86_64 io_setup

def inotify():
    return libc.inotify_init1(0) >= 0

def memfd():
    return libc.syscall(319, b"x", 0) >= 0  # memfd_create

def set_owner():
    r, w = os.pipe()
    fcntl.fcntl(r, fcntl.F_SETOWN, os.getppid())

def set_signal():
    r, w = os.pipe()
    fcntl.fcntl(r, 10, signal.SIGKILL)  # F_SETSIG

def lease():
    fd = os.open(TARGET, os.O_RDONLY)
    fcntl.fcntl(fd, 1024, fcntl.F_RDLCK)  # F_SETLEASE

def write_hint():
    fd = os.open(TARGET, os.O_RDONLY)
    fcntl.fcntl(fd, 1036, struct.pack("Q", 4))  # F_SET_RW_HINT

def record_lock():
    fd = os.open(TARGET, os.O_RDONLY)
    fcntl.fcntl(fd, 37, struct.pack("hhqqi", fcntl.F_RDLCK, 0, 4242, 1, 0))  # F_OFD_SETLK

def whole_lock():
    fd = os.open(TARGET, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH)

def set_version():
    fd = os.open(TARGET, os.O_RDONLY)
    buf = ctypes.create_string_buffer(struct.pack("<Q", 0xC0FFEE))
    if libc.ioctl(fd, ctypes.c_ulong(0x40087602), buf) != 0:
        raise OSError(ctypes.get_errno(), "FS_IOC_SETVERSION")

def truncate_outside():
    os.truncate(TARGET, os.path.getsize(TARGET))  # same size: harmless if it worked

def pending_signals():
    return resource.getrlimit(resource.RLIMIT_SIGPENDING)[0] > 16

def solve_task(grid):
    done = [worked(name, call) for name, call in (
        ("io_setup", io_setup), ("inotify", inotify), ("memfd", memfd),
        ("F_SETOWN", set_owner), ("F_SETSIG", set_signal), ("F_SETLEASE", lease),
        ("F_SET_RW_HINT", write_hint), ("OFD lock", record_lock), ("flock", whole_lock),
        ("FS_IOC_SETVERSION", set_version), ("truncate", truncate_outside),
        ("many pending signals", pending_signals))]
    done = [d for d in done if d]
    raise RuntimeError("achieved: " + ", ".join(done) if done else "achieved nothing")
'''

DEEP_NESTING = '''
import os
def solve_task(grid):
    for fd in range(3, 64):
        try:
            os.write(fd, b"[" * 200000 + b"\\n")
        except OSError:
            pass
    return [row[::-1] for row in grid]
'''

ESCAPES = '''
def solve_task(grid):
    raise RuntimeError("\\x1b[2J\\x1b[31mfake\\x1b]52;c;cHduZWQ=\\x07\\u202eevil\\x00end")
'''


@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_no_host_quota_channel_or_file_mark(isolation: str) -> None:
    task = mirror_task()
    async with SandboxPool(workers=1, timeout_s=2, isolation=isolation) as pool:
        verification = await pool.verify(ATTEMPTS, task)
        errors = {p.error for p in verification.pairs}
        assert all(e and e.startswith("RuntimeError: achieved nothing") for e in errors), errors
        after = await pool.verify(GOOD, task)
        assert [p.status for p in after.pairs] == ["pass"] * 3
        assert pool.replaced == 0


@pytest.mark.parametrize("isolation", ISOLATIONS)
@aio
async def test_a_result_line_nested_to_crash_the_worker_is_ignored(isolation: str) -> None:
    task = mirror_task()
    async with SandboxPool(workers=1, timeout_s=2, isolation=isolation) as pool:
        await pool.verify(DEEP_NESTING, task)
        after = await pool.verify(GOOD, task)
        assert [p.status for p in after.pairs] == ["pass"] * 3
        assert pool.replaced == 0


def test_exec_shows_no_terminal_escape_of_a_program(tmp_path: Path, task_dir: Path) -> None:
    code = tmp_path / "escapes.py"
    code.write_text(ESCAPES)
    for flags in ([], ["--json"]):
        done = subprocess.run([ARCFORGE, "exec", str(code), "--data", str(task_dir), "--task",
                               "mirror", *flags], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        for char in ("\x1b", "\x07", "\u202e", "\x00"):
            assert char not in done.stdout, (flags, repr(done.stdout[:300]))
        if flags:
            error = json.loads(done.stdout)["pairs"][0]["error"]
            assert "\\x1b[2J" in error and "fake" in error and "end" in error
