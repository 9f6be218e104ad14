"""Wall-clock time of each course notebook, end to end, under the grader's budget and at the
full budget a student runs.

Targets (COURSE.md, ISSUE 3): at most 60 s per notebook with ``GAN_COURSE_BUDGET=grader`` on 2
CPU cores, and at most about 10 minutes per notebook at the full budget on a laptop CPU.

Each instructor's notebook (``solutions/<id>/<id>.ipynb``, the complete version) runs in a
fresh Jupyter kernel through nbclient, offline, with a temporary ``GAN_COURSE_HOME`` (its runs
are thrown away) and the repository on ``PYTHONPATH`` (the hidden tests import ``autograder``).
The table shows the notebook's wall time, the kernel's CPU seconds, the slowest cell, and any
cell that raised. The CPU seconds (user + system of the kernel process, all its threads, read by
an extra last cell) depend far less on other jobs than the wall time: on an otherwise idle
machine a compute-bound notebook's wall time is at most its CPU seconds (less when torch uses
several threads), so they bound the wall time a loaded machine cannot measure.

Run ``python benchmarks/notebook_times.py [--budget grader full] [--only 03_dcgan_faces ...] [--top K]``
(``--top K`` lists each notebook's K slowest cells).
The full budget takes tens of minutes in all: run it on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gan_course.budget import BUDGET_VARIABLE  # noqa: E402
from gan_course.course.build import solution_path  # noqa: E402
from tests.course.contract import ASSIGNMENTS  # noqa: E402

TARGET_SECONDS = {"grader": 60.0, "full": 600.0}  # COURSE.md: 60 s under the grader; ~10 min at full budget
CELL_TIMEOUT = 1800  # seconds: a guard against a hang, far above any target
CPU_MARK = "__kernel_cpu_seconds__"
CPU_CELL = f"import os as _os\n_t = _os.times()\nprint('{CPU_MARK}', _t.user + _t.system + _t.children_user + _t.children_system)"


def run_notebook(assignment: str, budget: str, cell_timeout: int = CELL_TIMEOUT) -> dict:
    """Execute one solution notebook; returns seconds, the slowest cell and the errors."""
    notebook = nbformat.read(solution_path(assignment, course_dir=REPO), as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(CPU_CELL))  # the kernel's CPU time, read last
    with tempfile.TemporaryDirectory(prefix=f"nb-{assignment}-") as home:
        env = dict(os.environ, GAN_COURSE_HOME=home, GAN_COURSE_OFFLINE="1")
        env[BUDGET_VARIABLE] = budget
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
        env.pop("MPLBACKEND", None)
        client = NotebookClient(notebook, timeout=cell_timeout, kernel_name="python3", allow_errors=True,
                                record_timing=True, resources={"metadata": {"path": home}})
        started = time.perf_counter()
        client.execute(env=env)
        seconds = time.perf_counter() - started
    cpu_cell = notebook.cells.pop()
    printed = "".join(o.get("text", "") for o in cpu_cell.get("outputs", []) if o.output_type == "stream")
    cpu = float(printed.split(CPU_MARK)[1].split()[0]) if CPU_MARK in printed else float("nan")
    slowest, slowest_index, errors, cells = 0.0, None, [], []
    for index, cell in enumerate(notebook.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        begin, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if begin and end:
            from datetime import datetime

            took = (datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(begin.replace("Z", "+00:00"))).total_seconds()
            cells.append((took, index, (cell.source.strip().splitlines() or [""])[0][:70]))
            if took > slowest:
                slowest, slowest_index = took, index
        errors += [f"cell {index}: {o.ename}: {o.evalue[:200]}" for o in cell.get("outputs", []) if o.output_type == "error"]
    return {"seconds": seconds, "cpu": cpu, "slowest": slowest, "slowest_cell": slowest_index, "errors": errors,
            "cells": sorted(cells, reverse=True)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", nargs="+", choices=sorted(TARGET_SECONDS), default=["grader"],
                        help="budgets to time (default: grader; add full on an idle machine)")
    parser.add_argument("--only", nargs="+", choices=ASSIGNMENTS, default=list(ASSIGNMENTS), help="assignments to run")
    parser.add_argument("--top", type=int, default=0, metavar="K",
                        help="also list each notebook's K slowest cells (seconds, index, first line)")
    parser.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT, metavar="S",
                        help=f"seconds one cell may run before it counts as hung (default {CELL_TIMEOUT}; "
                             "raise it on a loaded machine)")
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"{'assignment':<18} {'budget':>6} {'wall s':>7} {'CPU s':>7} {'target s':>8} {'slowest cell':>14} {'errors':>6}")
    missed = []
    for budget in args.budget:
        for assignment in args.only:
            result = run_notebook(assignment, budget, args.cell_timeout)
            target = TARGET_SECONDS[budget]
            slow = f"{result['slowest']:.0f} s (#{result['slowest_cell']})"
            print(f"{assignment:<18} {budget:>6} {result['seconds']:>7.1f} {result['cpu']:>7.1f} {target:>8.0f} {slow:>14} "
                  f"{len(result['errors']):>6}   load {os.getloadavg()[0]:.2f}", flush=True)
            for took, index, first_line in result["cells"][:args.top]:
                print(f"    {took:6.1f} s  #{index:<3d} {first_line}")
            for error in result["errors"]:
                print(f"    {error}")
            if result["seconds"] > target or result["errors"]:
                missed.append(f"{assignment} ({budget})")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    print("all within target" if not missed else f"over target or with errors: {', '.join(missed)}")


if __name__ == "__main__":
    main()
