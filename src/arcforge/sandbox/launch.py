"""How a sandbox worker process is started: inside bubblewrap when present, else plain.

The worker runs ``python -I -S`` (no site, no environment, no user folders) and sees
only what :mod:`.filesystem` allows. Inside bubblewrap it is uid 0 of a new user
namespace with two capabilities in that namespace only (to mount its scratch tmpfs and
to drop its bounding set), which it gives up before anything else runs. When control
groups can be created, the worker starts inside its own (see :mod:`.cgroups`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Literal

from arcforge.errors import UsageError
from arcforge.sandbox.cgroups import WorkerGroup
from arcforge.sandbox.filesystem import ReadPolicy
from arcforge.sandbox.seccomp_policy import child_filter, worker_filter

Isolation = Literal["auto", "bwrap", "process"]
ISOLATIONS = ("auto", "bwrap", "process")
ENV_ISOLATION = "ARCFORGE_SANDBOX_ISOLATION"
# A test seam, not a setting: when "1", workers run as if the kernel had no Landlock, so
# the tests can check that process isolation then refuses to run programs.
ENV_TEST_NO_LANDLOCK = "ARCFORGE_SANDBOX_TEST_NO_LANDLOCK"
SCRATCH_BYTES = 64 << 20  # the worker's scratch tmpfs: every program's files together
SCRATCH_INODES = 4096  # files and folders in it: bounds the kernel memory they pin
CGROUP_SLACK_MB = 512  # the worker, its zygote and the kernel beyond one program's limit
THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMEXPR_NUM_THREADS": "1"}
# the worker is a module of the package ``inside``: its folders go first on sys.path
BOOT = ("import sys,json,runpy;sys.path[:0]=json.loads(sys.argv[1]);"
        "runpy.run_module('inside.worker',run_name='__main__')")
# joins the control group named by the first N arguments, then execs the rest
JOIN_GROUP = ('n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 97; shift; '
              'n=$((n-1)); done; exec "$@"')


def resolve_isolation(isolation: str | None) -> Literal["bwrap", "process"]:
    """Pick bubblewrap or a plain process; ``auto`` (the default) uses bwrap when installed."""
    choice = isolation or "auto"
    if choice not in ISOLATIONS:
        raise UsageError(f"sandbox isolation {choice!r} (or ${ENV_ISOLATION}): expected one of "
                         f"{', '.join(ISOLATIONS)}")
    has_bwrap = shutil.which("bwrap") is not None
    if choice == "bwrap" and not has_bwrap:
        raise UsageError("sandbox isolation 'bwrap' asked for, but bubblewrap is not installed "
                         "(Debian: apt-get install bubblewrap)")
    if choice == "auto":
        return "bwrap" if has_bwrap else "process"
    return choice  # type: ignore[return-value]


@dataclass(slots=True)
class WorkerCommand:
    argv: list[str]
    env: dict[str, str]
    scratch_host: str | None  # a host folder (a mount point, empty) to remove afterwards


def _config(policy: ReadPolicy, isolation: str, scratch: str, read_paths: list[str],
            forget: list[str] | tuple[()] = ()) -> str:
    """The worker's configuration; ``forget`` lists import folders it drops after its
    warm imports (a plain process: the site-packages folders Landlock then closes)."""
    worker_bpf, child_bpf = worker_filter(), child_filter()
    config = {
        "scratch": scratch, "scratch_bytes": SCRATCH_BYTES, "scratch_inodes": SCRATCH_INODES,
        "read_paths": read_paths, "packages": list(policy.package_names),
        "forget_paths": list(forget),
        "seccomp_worker": worker_bpf.hex() if worker_bpf else None,
        "seccomp_child": child_bpf.hex() if child_bpf else None,
    }
    if os.environ.get(ENV_TEST_NO_LANDLOCK) == "1":
        config["test_no_landlock"] = True
    return json.dumps(config)


def _python_argv(policy: ReadPolicy, isolation: str, config: str) -> list[str]:
    return [policy.python, "-I", "-S", "-c", BOOT, json.dumps(policy.import_paths(isolation)),
            config]


def bwrap_argv(policy: ReadPolicy) -> list[str]:
    """bubblewrap's arguments: the allowed paths read-only, every hidden folder empty."""
    argv = ["bwrap", "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session",
            "--uid", "0", "--gid", "0", "--cap-add", "CAP_SYS_ADMIN", "--cap-add",
            "CAP_SETPCAP", "--hostname", "sandbox"]
    for path in policy.system:
        argv += ["--ro-bind", path, path]
    for path in ("/lib", "/lib64", "/lib32", "/libx32"):  # merged /usr: links into /usr
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
    for path in policy.hidden:
        argv += ["--tmpfs", path, "--remount-ro", path]
    for mount in (*policy.packages, policy.code):
        argv += ["--ro-bind", mount.host, mount.inside]
    argv += ["--proc", "/proc", "--dev", "/dev", "--dir", "/tmp", "--remount-ro", "/dev",
             "--remount-ro", "/", "--chdir", "/", "--clearenv",
             "--setenv", "HOME", "/tmp", "--setenv", "LANG", "C.UTF-8"]
    for key, value in THREAD_ENV.items():
        argv += ["--setenv", key, value]
    return argv


def worker_command(isolation: Literal["bwrap", "process"], policy: ReadPolicy,
                   group: WorkerGroup | None = None) -> WorkerCommand:
    if isolation == "process":
        scratch = tempfile.mkdtemp(prefix="arcforge-sandbox-")
        config = _config(policy, isolation, scratch, [*policy.readable(), scratch],
                         forget=policy.import_paths(isolation)[1:])
        env = {"PATH": "/usr/bin:/bin", "HOME": scratch, "LANG": "C.UTF-8", **THREAD_ENV}
        argv = _python_argv(policy, isolation, config)
        scratch_host: str | None = scratch
    else:
        inside_reads = [*policy.system, *(m.inside for m in policy.packages),
                        policy.code.inside, "/dev/urandom"]
        config = _config(policy, isolation, "/tmp", inside_reads)
        argv = [*bwrap_argv(policy), "--", *_python_argv(policy, isolation, config)]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        scratch_host = None
    if group is not None:
        argv = ["/bin/sh", "-c", JOIN_GROUP, "sh", str(len(group.procs_files)),
                *group.procs_files, *argv]
    return WorkerCommand(argv, env, scratch_host)

