"""Which protections are active on this machine, measured by a probe, not assumed.

:func:`confinement_problem` decides whether programs may run at all (the pool refuses
to start otherwise); :func:`build_report` turns the same findings into the table of
``arcforge sandbox check``.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.table import Table


@dataclass(slots=True)
class Layer:
    name: str
    active: bool
    detail: str
    required: bool = False


@dataclass(slots=True)
class SandboxCheck:
    """The protection layers a program gets here; ``ready`` when the required ones hold.

    ``refusal`` is why the sandbox refuses to run programs here (None when it does not).
    ``readable`` lists package and data files a program could read outside the standard
    library and the allowed packages (it must be empty), when the check walked for them.
    """

    isolation: str
    layers: list[Layer] = field(default_factory=list)
    refusal: str | None = None
    readable: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return self.refusal is None and all(
            layer.active for layer in self.layers if layer.required)

    @property
    def missing(self) -> list[str]:
        return [layer.name for layer in self.layers if not layer.active]

    def to_dict(self) -> dict[str, Any]:
        return {"isolation": self.isolation, "ready": self.ready, "refusal": self.refusal,
                "layers": [asdict(layer) for layer in self.layers],
                "readable_outside_allowed": self.readable}

    def table(self) -> Table:
        table = Table(title=f"sandbox protections ({self.isolation})",
                      caption=f"not ready: {self.refusal}" if self.refusal else None,
                      caption_style="bold red", caption_justify="left")
        table.add_column("layer")
        table.add_column("active")
        table.add_column("detail")
        for layer in self.layers:
            mark = "[green]yes[/]" if layer.active else (
                "[bold red]NO (required)[/]" if layer.required else "[yellow]no[/]")
            table.add_row(layer.name, mark, layer.detail)
        return table


MIN_PROCESS_ABI = 3  # without bubblewrap: truncate (ABI 3) and refer (ABI 2) governed


def expected_limits(timeout_s: float, memory_mb: int) -> dict[str, int]:
    """The rlimits the probe child (one input) must report."""
    return {"CPU": math.ceil(timeout_s * 2) + 1, "AS": memory_mb << 20, "NOFILE": 64,
            "FSIZE": 16 << 20, "NPROC": 0}


def _blocked(outcome: Any) -> bool:
    return isinstance(outcome, str) and outcome.startswith("blocked")


def _no_capabilities(report: dict[str, Any]) -> bool:
    caps = report.get("capabilities") or {}
    return caps.get("effective") == 0 and caps.get("permitted") == 0


def _seccomp_active(report: dict[str, Any]) -> bool:
    return report.get("seccomp_mode") == 2 and all(
        _blocked(report.get(k)) for k in ("fork", "socket", "limit_worker", "chmod"))


def confinement_problem(report: dict[str, Any], isolation: str, timeout_s: float,
                        memory_mb: int) -> str | None:
    """Why programs must not run with what the probe found; None when they may.

    Everywhere: a child must get its resource limits, no capability, a working seccomp
    filter, and no way to read an answer file or a hidden package folder. A plain process
    (no bubblewrap) must also get Landlock, seen working: reading /etc/passwd and writing
    outside the scratch folder both fail.
    """
    if "confine_error" in report:
        return f"the sandbox cannot confine programs here: {report['confine_error']}"
    limits = report.get("rlimits") or {}
    wanted = expected_limits(timeout_s, memory_mb)
    wrong = [name for name, value in wanted.items() if limits.get(name) != value]
    if wrong:
        return (f"the sandbox could not set resource limits ({', '.join(wrong)}): "
                "refusing to run programs")
    hello = report.get("hello") or {}
    missing = []
    if isolation == "process":
        abi = hello.get("landlock_abi") or 0
        if not abi:
            missing.append(f"Landlock is not active ({hello.get('landlock_error') or '?'})")
        elif abi < MIN_PROCESS_ABI:
            missing.append(f"Landlock ABI {abi} does not govern truncation and renames across "
                           f"folders (ABI {MIN_PROCESS_ABI}, Linux 6.2, is needed)")
        else:
            if not _blocked(report.get("read_etc_passwd")):
                missing.append("Landlock does not block reading outside files")
            if not _blocked(report.get("write_outside_scratch")):
                missing.append("Landlock does not block writing outside the scratch folder")
    if not _seccomp_active(report):
        missing.append(f"seccomp is not active ({hello.get('seccomp_error') or 'not loaded'})")
    if not _no_capabilities(report):
        missing.append(f"capabilities were not dropped ({hello.get('capabilities_error')})")
    answers = report.get("answers_readable") or []
    if answers:
        more = f" and {len(answers) - 1} more" if len(answers) > 1 else ""
        missing.append(f"a program could read ARC answers ({answers[0]}{more})")
    exposed = report.get("hidden_exposed") or []
    if exposed:
        missing.append(f"a program could list a hidden package folder ({exposed[0]})")
    if not missing:
        return None
    advice = ("Install bubblewrap (Debian: apt-get install bubblewrap) or use a kernel with "
              "Landlock ABI 3 (Linux 6.2+)" if isolation == "process" else
              "Install libseccomp (Debian: apt-get install libseccomp2)")
    return f"the sandbox refuses to run programs: {'; '.join(missing)}. {advice}"


def _own_namespace(name: str) -> str | None:
    try:
        return os.readlink(f"/proc/self/ns/{name}")
    except OSError:
        return None


def build_report(isolation: str, probe: dict[str, Any], timeout_s: float,
                 memory_mb: int, timeout_works: bool | None = None) -> SandboxCheck:
    """Turn the worker's hello and the probe child's findings into layers."""
    hello = probe.get("hello") or {}
    limits = probe.get("rlimits") or {}
    walk = probe.get("walk")
    report = SandboxCheck(isolation,
                              refusal=confinement_problem(probe, isolation, timeout_s, memory_mb),
                              readable=list((walk or {}).get("found", [])))
    plain = isolation == "process"  # without bubblewrap, Landlock is required
    add = report.layers.append
    add(Layer("separate process", bool(hello.get("pid")), "each program runs in a fresh "
              "child; results come back as JSON, never pickle", required=True))
    add(Layer("clean parent", bool(hello.get("zygote_pid")), "children fork from a zygote "
              "that never held a request or a reply", required=True))
    add(Layer("timeout", timeout_works is not False, f"{timeout_s:g} s wall clock to load and "
              "per input, then SIGKILL; a worker that stops answering is killed and replaced"
              + ("" if timeout_works is None else " (a looping program was stopped)"
                 if timeout_works else ": a looping program was NOT stopped"), required=True))
    wanted = expected_limits(timeout_s, memory_mb)
    rl_ok = bool(limits) and all(limits.get(k) == v for k, v in wanted.items())
    add(Layer("resource limits", rl_ok and "confine_error" not in probe,
              f"CPU, address space ({memory_mb} MB), file size (16 MB), open files (64), "
              "processes (0), pending signals (16), locked memory and message queues (0)"
              if rl_ok else f"not applied: {probe.get('confine_error', limits)}", required=True))
    answers = probe.get("answers_readable") or []
    exposed = probe.get("hidden_exposed") or []
    packages = ", ".join(hello.get("packages") or []) or "none"
    add(Layer("answers unreadable", "answers_readable" in probe and not answers and not exposed,
              f"only the standard library and the allowed packages ({packages}); no other "
              "package folder, no ARC data" if not (answers or exposed) else
              f"readable: {', '.join([*answers, *exposed][:3])}", required=True))
    if walk is not None:
        found = walk.get("found") or []
        walked = f"walked {walk.get('entries', 0)} entries" + (
            "" if walk.get("complete") else " (stopped at its time budget)")
        add(Layer("nothing else readable", not found,
                  f"{walked}: no package or data file outside the standard library and "
                  "allowed packages" if not found else
                  f"{walked}: {walk.get('count')} readable, e.g. {', '.join(found[:3])}"))
    add(Layer("bubblewrap", isolation == "bwrap", "read-only system libraries, no /etc, no "
              "home folders" if isolation == "bwrap" else "not installed or not chosen: the "
              "worker runs as a plain process"))
    for ns in ("net", "pid", "user", "mnt"):
        theirs = (hello.get("namespaces") or {}).get(ns)
        ours = _own_namespace(ns)
        separate = bool(theirs) and bool(ours) and theirs != ours
        detail = "separate from the host" if separate else "shared with the host"
        if ns == "mnt" and separate and isolation == "process":
            detail = "a private copy of the host's mounts, for the worker's scratch tmpfs"
        add(Layer(f"{ns} namespace", separate, detail))
    caps = probe.get("capabilities") or {}
    add(Layer("no capabilities", _no_capabilities(probe),
              f"uid {probe.get('uid')}; capabilities effective {caps.get('effective')}, "
              f"permitted {caps.get('permitted')}, bounding set {caps.get('bounding')}",
              required=True))
    add(Layer("seccomp", _seccomp_active(probe), "fork, threads, exec, sockets, ptrace, "
              "mounts, chmod/chown/xattrs/times, other processes' limits and priority denied"
              if _seccomp_active(probe) else f"not active: {hello.get('seccomp_error')}",
              required=True))
    abi = hello.get("landlock_abi") or 0
    fs_ok = _blocked(probe.get("write_outside_scratch"))
    fs_ok = fs_ok and (_blocked(probe.get("read_etc_passwd")) or not plain)
    add(Layer("landlock", bool(abi) and fs_ok,
              f"ABI {abi}: reads only the allowed paths, writes only in the program's scratch "
              "folder" + (", TCP bind/connect denied" if abi >= 4 else "")
              if abi else f"not active: {hello.get('landlock_error')}", required=plain))
    add(Layer("signal scoping", abi >= 6 and _blocked(probe.get("signal_worker")),
              "programs cannot signal the worker or other processes" if abi >= 6
              else "needs Landlock ABI 6"))
    scratch = hello.get("scratch") or {}
    add(Layer("private scratch", bool(scratch.get("tmpfs")),
              f"a tmpfs of {int(scratch.get('bytes') or 0) >> 20} MB and "
              f"{scratch.get('inodes')} files, private to the worker, gone with it"
              if scratch.get("tmpfs") else
              f"none ({scratch.get('error')}): programs cannot write files"))
    group = probe.get("cgroup") or {}
    add(Layer("control group", bool(group.get("active")), group.get("detail") or "unknown"))
    add(Layer("no new privileges", probe.get("no_new_privs") == 1, "set before any program runs"))
    add(Layer("system files hidden", _blocked(probe.get("read_etc_passwd")),
              "reading /etc/passwd fails" if _blocked(probe.get("read_etc_passwd"))
              else "a program can read /etc/passwd"))
    return report
