"""Start-up of the ``arcforge`` command against the import of its CLI framework.

Each command runs as a user runs it (a fresh ``python -m arcforge`` process), interleaved
with its baseline, ``--repeat`` times (default 15); the table gives median wall and CPU
time (user + system of the child) and the ratio of the medians. Baselines, in the same
run: a process that imports typer and rich (``--help`` goal: <= 1.3x), and one that also
does a bare ``json.load`` of the bundled ARC-AGI-2 file (``data list``/``data show``
goal: <= 1.5x).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from arcforge.data.bundled import BUNDLED, _data_folder

PY = sys.executable
FRAMEWORK = "import typer, rich.console"
ARC2 = _data_folder() / BUNDLED["arc-agi-2/evaluation"][0]
WITH_JSON = f"{FRAMEWORK}; import json; json.load(open({str(ARC2)!r}, 'rb'))"


@dataclass
class Case:
    label: str
    argv: list[str]
    baseline: str  # the label of the case it is compared with
    goal: float | None = None
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def run(self) -> None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(self.argv)} failed: {done.stderr.decode()[-500:]}")


def cases() -> list[Case]:
    cli = [PY, "-m", "arcforge"]
    return [
        Case("baseline: import typer + rich", [PY, "-c", FRAMEWORK], ""),
        Case("baseline: import typer + rich + json.load(ARC-AGI-2 file)",
             [PY, "-c", WITH_JSON], ""),
        Case("arcforge --help", [*cli, "--help"], "baseline: import typer + rich", 1.3),
        Case("arcforge data --help", [*cli, "data", "--help"],
             "baseline: import typer + rich", 1.3),
        Case("arcforge traces --help", [*cli, "traces", "--help"],
             "baseline: import typer + rich", 1.3),
        Case("arcforge data list arc-agi-2/evaluation",
             [*cli, "data", "list", "arc-agi-2/evaluation"],
             "baseline: import typer + rich + json.load(ARC-AGI-2 file)", 1.5),
        Case("arcforge data show arc-agi-2/evaluation 0934a4d8",
             [*cli, "data", "show", "arc-agi-2/evaluation", "0934a4d8"],
             "baseline: import typer + rich + json.load(ARC-AGI-2 file)", 1.5),
        Case("arcforge data list arc-agi-2/training",
             [*cli, "data", "list", "arc-agi-2/training"],
             "baseline: import typer + rich + json.load(ARC-AGI-2 file)", 1.5),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    all_cases = cases()
    for case in all_cases:  # warm the file cache and the bytecode
        case.run()
        case.wall.clear()
        case.cpu.clear()
    for _ in range(args.repeat):
        for case in all_cases:
            case.run()
    by_label = {c.label: c for c in all_cases}
    table = Table(title=f"start-up, median of {args.repeat} interleaved runs")
    for col in ("command", "wall s", "CPU s", "x baseline (wall)", "x baseline (CPU)", "goal"):
        table.add_column(col, justify="left" if col == "command" else "right")
    for case in all_cases:
        wall, cpu = statistics.median(case.wall), statistics.median(case.cpu)
        row = [case.label, f"{wall:.3f}", f"{cpu:.3f}"]
        if case.baseline:
            base = by_label[case.baseline]
            rw = wall / statistics.median(base.wall)
            rc = cpu / statistics.median(base.cpu)
            met = case.goal is not None and rw <= case.goal
            row += [f"{rw:.2f}", f"{rc:.2f}",
                    f"<= {case.goal} {'met' if met else 'MISSED'}"]
        else:
            row += ["", "", ""]
        table.add_row(*row)
    Console().print(table)
    with open("/proc/loadavg") as fh:
        print(f"load average at the end: {fh.read().split()[0]}")


if __name__ == "__main__":
    main()
