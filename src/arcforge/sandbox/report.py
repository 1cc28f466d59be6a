"""Which protections are active on this machine, measured by a probe, not assumed."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.table import Table

from arcforge.sandbox.pool import confinement_problem, expected_limits


@dataclass(slots=True)
class Layer:
    name: str
    active: bool
    detail: str
    required: bool = False


@dataclass(slots=True)
class ProtectionReport:
    """The protection layers a program gets here; ``ready`` when the required ones hold.

    ``refusal`` is why the sandbox refuses to run programs here (None when it does not).
    """

    isolation: str
    layers: list[Layer] = field(default_factory=list)
    refusal: str | None = None

    @property
    def ready(self) -> bool:
        return self.refusal is None and all(
            layer.active for layer in self.layers if layer.required)

    @property
    def missing(self) -> list[str]:
        return [layer.name for layer in self.layers if not layer.active]

    def to_dict(self) -> dict[str, Any]:
        return {"isolation": self.isolation, "ready": self.ready, "refusal": self.refusal,
                "layers": [asdict(layer) for layer in self.layers]}

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


def _blocked(outcome: str | None) -> bool:
    return bool(outcome) and str(outcome).startswith("blocked")


def _own_namespace(name: str) -> str | None:
    try:
        return os.readlink(f"/proc/self/ns/{name}")
    except OSError:
        return None


def build_report(isolation: str, probe: dict[str, Any], timeout_s: float,
                 memory_mb: int) -> ProtectionReport:
    """Turn the worker's hello and the probe child's findings into layers."""
    hello = probe.get("hello") or {}
    limits = probe.get("rlimits") or {}
    report = ProtectionReport(isolation,
                              refusal=confinement_problem(probe, isolation, timeout_s, memory_mb))
    plain = isolation == "process"  # without bubblewrap, Landlock and seccomp are required
    add = report.layers.append
    add(Layer("separate process", bool(hello.get("pid")), "each program runs in a fresh "
              "child forked from a warm worker; results come back as JSON, never pickle",
              required=True))
    add(Layer("timeout", True, f"{timeout_s:g} s wall clock to load and per input, then "
              "SIGKILL; a worker that stops answering is killed and replaced", required=True))
    wanted = expected_limits(timeout_s, memory_mb)
    rl_ok = bool(limits) and all(limits.get(k) == v for k, v in wanted.items())
    add(Layer("resource limits", rl_ok and "confine_error" not in probe,
              f"CPU, address space ({memory_mb} MB), file size, open files, processes"
              if rl_ok else f"not applied: {probe.get('confine_error', limits)}", required=True))
    add(Layer("bubblewrap", isolation == "bwrap", "read-only system, private /tmp, "
              "no /etc, no home folders" if isolation == "bwrap" else "not installed or not "
              "chosen: the worker runs as a plain process"))
    for ns in ("net", "pid", "user", "mnt"):
        theirs = (hello.get("namespaces") or {}).get(ns)
        ours = _own_namespace(ns)
        separate = bool(theirs) and bool(ours) and theirs != ours
        add(Layer(f"{ns} namespace", separate, "separate from the host" if separate
                  else "shared with the host"))
    uid = probe.get("uid")
    add(Layer("unprivileged uid", uid not in (None, 0), f"uid {uid}" + (
        "" if uid else ": root, so the process limit is not enforced (seccomp still "
        "blocks new processes)")))
    sec = probe.get("seccomp_mode") == 2 and _blocked(probe.get("fork")) \
        and _blocked(probe.get("socket")) and _blocked(probe.get("thread"))
    add(Layer("seccomp", sec, "fork, clone, threads, exec, sockets, ptrace denied (checked: "
              f"fork {probe.get('fork', '?')[:7]}, socket {probe.get('socket', '?')[:7]})"
              if sec else f"not active (mode {probe.get('seccomp_mode')})", required=plain))
    abi = hello.get("landlock_abi") or 0
    fs_ok = _blocked(probe.get("write_outside_scratch")) and probe.get("write_scratch") == "allowed"
    fs_ok = fs_ok and (_blocked(probe.get("read_etc_passwd")) or not plain)
    add(Layer("landlock", bool(abi) and fs_ok,
              f"ABI {abi}: read-only system paths, writes only in the program's scratch folder"
              + (", TCP bind/connect denied" if abi >= 4 else "")
              if abi else f"not active: {hello.get('landlock_error')}", required=plain))
    add(Layer("signal scoping", abi >= 6 and _blocked(probe.get("signal_worker")),
              "programs cannot signal the worker or other processes" if abi >= 6
              else "needs Landlock ABI 6"))
    add(Layer("no new privileges", probe.get("no_new_privs") == 1, "set before any program runs"))
    add(Layer("system files hidden", _blocked(probe.get("read_etc_passwd")),
              "reading /etc/passwd fails" if _blocked(probe.get("read_etc_passwd"))
              else "a program can read /etc/passwd"))
    return report
