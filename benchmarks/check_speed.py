"""Wall-clock time of ``gan-course check`` on a whole notebook, with the machine's load.

Target (issue 11): at most 5 s per notebook on 2 CPU cores. Each run is the command a student
types, ``gan-course check <id> <notebook>``, in a fresh process: on the instructor's notebook
(``solutions/<id>/<id>.ipynb``, every function passes, so the visible tests run too) and on the
released blank one (``assignments/<id>/<id>.ipynb``, every function TODO). The table gives the
median of ``--repeat`` runs, the CPU time of the command and its child, and the 1-minute load
average before and after each notebook: on a shared machine the wall time follows the load, the
CPU time much less.

Run ``python benchmarks/check_speed.py [--repeat 3] [--only 01_vanilla_dcgan ...]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gan_course.course.contract import ASSIGNMENTS, release_path, solution_path  # noqa: E402

TARGET_SECONDS = 5.0  # issue 11: a whole notebook on 2 cores
COMMAND = [sys.executable, "-c", "import sys; from gan_course.cli import main; sys.exit(main())"]  # = gan-course


def time_check(assignment: str, notebook: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the command and its children, exit status) of one check."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([*COMMAND, "check", assignment, str(notebook)], cwd=REPO, capture_output=True, text=True,
                          env=dict(os.environ, OMP_NUM_THREADS="1"))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per notebook; the median is shown (default 3)")
    parser.add_argument("--only", nargs="+", choices=ASSIGNMENTS, default=list(ASSIGNMENTS))
    args = parser.parse_args()
    print(f"gan-course check, median of {args.repeat} runs, {os.cpu_count()} CPUs")
    print("| notebook | version | exit | wall (s) | CPU (s) | load before -> after |")
    print("|---|---|---|---|---|---|")
    worst = 0.0
    for assignment in args.only:
        for version, path in (("solution", solution_path(REPO, assignment)), ("blank", release_path(REPO, assignment))):
            load_before = os.getloadavg()[0]
            runs = [time_check(assignment, path) for _ in range(args.repeat)]
            load_after = os.getloadavg()[0]
            wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
            worst = max(worst, wall)
            print(f"| {assignment} | {version} | {runs[0][2]} | {wall:.2f} | {cpu:.2f} | {load_before:.1f} -> {load_after:.1f} |")
    print(f"slowest: {worst:.2f} s (target {TARGET_SECONDS:g} s on 2 idle cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
