"""``arcforge compare``: any mix of runs in one table, and score against cost per task."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.bench.scripted import answer, dihedral_tasks
from tests.fakeserver import Rule

from arcforge.compare import pareto_front, run_row
from arcforge.finish import finish_run
from arcforge.runs import RunConfig, run

OLD = Path(__file__).parents[1] / "fixtures" / "runs_0_1_0"
SVG = "{http://www.w3.org/2000/svg}"


def test_compare_mixes_kinds_and_draws_the_front(fake_server, make_settings, tmp_path):
    fake_server.rules = [Rule(content=answer)]
    fake_server.report_cost = 0.001
    tasks = dihedral_tasks(3)
    dirs = []
    for kind, samples, augment in (("predict", 2, None), ("predict", 4, "rot90,colours"),
                                   ("code", 1, None), ("reasoning", 1, None)):
        result = run(RunConfig(kind, make_settings(samples=samples, augment=augment),
                               tasks=tasks, progress=False))
        finish_run(result.run_dir)
        dirs.append(result.run_dir)
    dirs += sorted(p for p in OLD.iterdir() if p.is_dir())  # runs written by 0.1.0
    chart = tmp_path / "chart.svg"
    done = subprocess.run([sys.executable, "-m", "arcforge", "compare", *map(str, dirs),
                           "--chart", str(chart), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = {r["run_id"]: r for r in json.loads(done.stdout)["runs"]}
    assert len(rows) == 7
    cheap, augmented, code, traces = (rows[d.name] for d in dirs[:4])
    assert cheap["arcprize_score"] == augmented["arcprize_score"] == 1.0
    assert cheap["cost_per_task"] == 0.001 * 2 * 2  # 2 samples x 2 test inputs, $0.001 each
    assert augmented["cost_per_task"] == 2 * cheap["cost_per_task"]
    assert augmented["augment"] == "rot90,colours" and code["kind"] == "code"
    assert traces["arcprize_score"] is None and traces["cost"] is not None
    front = [r.run_id for r in pareto_front([run_row(d) for d in dirs])]
    # the code run answers once per task: as good for less; the augmented run costs more
    assert dirs[2].name in front and dirs[1].name not in front and dirs[0].name not in front
    svg = ET.parse(chart).getroot()
    assert svg.tag == f"{SVG}svg"
    circles = svg.findall(f".//{SVG}circle")
    assert len(circles) == 4  # the scored runs; traces runs have no score to plot
    assert svg.find(f".//{SVG}polyline") is not None or len(front) == 1
    table = subprocess.run([sys.executable, "-m", "arcforge", "compare", *map(str, dirs[:2]),
                            "--chart", str(tmp_path / "t.svg")], capture_output=True, text=True,
                           timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert table.returncode == 0, table.stderr
    assert "ARC Prize" in table.stdout and "cost / task" in table.stdout and "* " in table.stdout


def test_compare_names_a_folder_that_is_no_run(tmp_path):
    done = subprocess.run([sys.executable, "-m", "arcforge", "compare", str(tmp_path),
                           "--chart", str(tmp_path / "c.svg")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0 and "not a run folder" in " ".join(done.stderr.split())
