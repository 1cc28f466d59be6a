"""How a sandbox worker process is started: inside bubblewrap when present, else plain.

The worker runs ``python -I -S`` (no site, no environment, no user folders) with only
the paths it needs: the Python installation, the folders holding numpy and pyseccomp,
and this package's worker scripts.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Literal

from arcforge.errors import UsageError

Isolation = Literal["auto", "bwrap", "process"]
ISOLATIONS = ("auto", "bwrap", "process")
ENV_ISOLATION = "ARCFORGE_SANDBOX_ISOLATION"
# A test seam, not a setting: when "1", workers run as if the kernel had no Landlock, so
# the tests can check that process isolation then refuses to run programs.
ENV_TEST_NO_LANDLOCK = "ARCFORGE_SANDBOX_TEST_NO_LANDLOCK"
SANDBOX_DIR = Path(__file__).resolve().parent
WORKER_SCRIPT = SANDBOX_DIR / "worker.py"
SANDBOX_UID = 65534  # nobody
INSIDE = "/opt/arcforge"  # where the worker's own files are mounted inside bubblewrap
TMPFS_BYTES = 64 << 20
THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMEXPR_NUM_THREADS": "1"}
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")


def resolve_isolation(isolation: str | None) -> Literal["bwrap", "process"]:
    """Pick bubblewrap or a plain process; ``auto`` (the default) uses bwrap when installed."""
    choice = isolation or os.environ.get(ENV_ISOLATION) or "auto"
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


def _module_dir(name: str) -> str | None:
    """The sys.path entry holding a module or package, without importing it."""
    spec = find_spec(name)
    if spec is None or spec.origin is None:
        return None
    origin = Path(spec.origin).resolve()
    levels = 2 if spec.submodule_search_locations else 1
    return str(origin.parents[levels - 1])


@dataclass(slots=True)
class WorkerCommand:
    argv: list[str]
    env: dict[str, str]
    scratch_host: str | None  # a host folder to delete after the worker stops


def _import_paths() -> list[str]:
    paths = [p for p in (_module_dir("numpy"), _module_dir("pyseccomp")) if p]
    return list(dict.fromkeys(paths))


def read_paths(import_paths: list[str], sandbox_dir: str = str(SANDBOX_DIR)) -> list[str]:
    """Folders and files the worker may read (Landlock), everything else stays hidden."""
    python_home = str(Path(sys.base_prefix).resolve())
    extra = ["/etc/ld.so.cache", "/dev/urandom"]
    return list(dict.fromkeys([*SYSTEM_DIRS, python_home, *import_paths, sandbox_dir, *extra]))


def _seams() -> dict[str, bool]:
    return {"test_no_landlock": True} if os.environ.get(ENV_TEST_NO_LANDLOCK) == "1" else {}


def worker_command(isolation: Literal["bwrap", "process"]) -> WorkerCommand:
    python = str(Path(sys.executable).resolve())
    imports = _import_paths()
    if isolation == "process":
        scratch = tempfile.mkdtemp(prefix="arcforge-sandbox-")
        config = {"paths": imports, "read_paths": read_paths(imports), "scratch": scratch,
                  "scratch_cap": TMPFS_BYTES, **_seams()}
        env = {"PATH": "/usr/bin:/bin", "HOME": scratch, "LANG": "C.UTF-8", **THREAD_ENV}
        return WorkerCommand([python, "-I", "-S", str(WORKER_SCRIPT), json.dumps(config)],
                             env, scratch)
    # numpy, pyseccomp and the worker scripts appear at fixed places inside, wherever the
    # host keeps them (a checkout or venv under the host's /tmp must not show up in /tmp).
    inside_imports = [f"{INSIDE}/lib{n}" for n in range(len(imports))]
    inside_sandbox = f"{INSIDE}/sandbox"
    config = {"paths": inside_imports, "read_paths": read_paths(inside_imports, inside_sandbox),
              "scratch": "/tmp", **_seams()}
    argv = ["bwrap", "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
            "--new-session", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
            "--cap-drop", "ALL", "--hostname", "sandbox"]
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            argv += ["--ro-bind", path, path]
    argv += ["--size", str(TMPFS_BYTES), "--tmpfs", "/tmp"]
    python_home = str(Path(sys.base_prefix).resolve())
    if not any(python_home == d or python_home.startswith(d + "/") for d in SYSTEM_DIRS):
        argv += ["--ro-bind", python_home, python_home]
    for host, inside in zip([*imports, str(SANDBOX_DIR)], [*inside_imports, inside_sandbox],
                            strict=True):
        argv += ["--ro-bind", host, inside]
    argv += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
             "--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp",
             "--clearenv", "--setenv", "HOME", "/tmp", "--setenv", "LANG", "C.UTF-8"]
    for key, value in THREAD_ENV.items():
        argv += ["--setenv", key, value]
    argv += ["--", python, "-I", "-S", f"{inside_sandbox}/worker.py", json.dumps(config)]
    return WorkerCommand(argv, {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, None)
