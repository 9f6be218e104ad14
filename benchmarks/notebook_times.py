"""Execution time of each course notebook (the instructor's solution version), end to end.

    .venv/bin/python benchmarks/notebook_times.py                  # grader budget only (about 1-2 min)
    .venv/bin/python benchmarks/notebook_times.py --full           # and the full budget (up to ~10 min each)
    .venv/bin/python benchmarks/notebook_times.py --assignment 02_ring_gan --full

Each notebook runs in a fresh Jupyter kernel (nbclient), as ``gan-course autograde`` and a student
would run it: once with ``GAN_COURSE_BUDGET=grader`` (COURSE.md: at most 60 s on 2 CPU cores) and,
with ``--full``, once with the default budget (target: at most 10 minutes on a laptop CPU). The
training runs go to a temporary ``GAN_COURSE_RUNS``; data and caches are the usual ones. Times are
wall clock including the kernel's start, and are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GRADER_LIMIT_S = 60  # COURSE.md
FULL_TARGET_S = 600  # issue 3: at most 10 minutes on a laptop CPU


def run_notebook(path: Path, budget: str, *, timeout: int) -> tuple[float, list[str]]:
    """(seconds, error lines) of one execution of the notebook at ``path`` under ``budget``."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="gan-course-notebook-") as tmp:
        env = dict(os.environ, GAN_COURSE_BUDGET=budget, GAN_COURSE_RUNS=str(Path(tmp) / "runs"))
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
        env.pop("MPLBACKEND", None)
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": tmp}})
        started = time.perf_counter()
        client.execute(env=env)
        seconds = time.perf_counter() - started
    errors = [f"cell {i}: {o.ename}: {o.evalue[:200]}" for i, c in enumerate(notebook.cells)
              for o in c.get("outputs", []) if o.output_type == "error"]
    return seconds, errors


def main(argv=None) -> int:
    sys.path.insert(0, str(REPO))
    from gan_course.course_build import ASSIGNMENTS, solution_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also time the full budget (minutes per notebook)")
    parser.add_argument("--assignment", action="append", choices=ASSIGNMENTS, help="only this one (repeatable)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell (default 1800)")
    args = parser.parse_args(argv)
    budgets = ["grader", "full"] if args.full else ["grader"]
    print(f"{'assignment':18s} {'budget':7s} {'seconds':>8s}  limit  status")
    failed = False
    for assignment in args.assignment or ASSIGNMENTS:
        path = solution_path(assignment, course_dir=REPO)
        for budget in budgets:
            seconds, errors = run_notebook(path, budget, timeout=args.timeout)
            limit = GRADER_LIMIT_S if budget == "grader" else FULL_TARGET_S
            status = "error" if errors else ("ok" if seconds <= limit else "over")
            failed |= bool(errors)
            print(f"{assignment:18s} {budget:7s} {seconds:8.1f}  {limit:5d}  {status}", flush=True)
            for line in errors:
                print(f"    {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
