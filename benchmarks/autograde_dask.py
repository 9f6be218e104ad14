"""Dask's overhead in ``gan-course autograde``, and a scale model for a very large class.

The same loss-only class (the autograder tests' fixture course, as in ``autograde_speed.py``)
is graded twice in one run, side by side: by the local process pool (``--workers W``) and by
an in-process Dask ``LocalCluster`` of W single-threaded worker processes
(``--local-cluster W``). Both write the CSV, the nbgrader gradebook and the feedback; the CSVs
must be identical. Dask's overhead per submission is ``(wall_dask - wall_pool) / N``, relative
to the pool's wall time per submission (issue 14's target: <= 10 %).

The Dask run also measures the two costs of the scale model: ``g``, the seconds one worker core
spends grading one submission (sandbox start, cells, probes, judging), and ``h``, the seconds the
head spends recording it (nbgrader's autograde step under the gradebook lock, then the
feedback HTML), which the head does one submission at a time. For ``N`` submissions on ``M``
machines of ``C`` cores (one worker per core), the wall time is about
``N * max(g / (M * C), h)``: the head becomes the limit once ``M * C > g / h`` worker cores.

Run ``python benchmarks/autograde_dask.py [--students 100] [--workers 2]``. The machine may be
shared: the report gives the load average before and after each engine, and every number
scales with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the test fixture (the grader itself is installed: pip install -e ./autograder)
sys.path.insert(0, str(REPO / "benchmarks"))

from autograde_speed import build_class  # noqa: E402

from autograder.batch import BatchPaths, grade_class  # noqa: E402
from autograder.cluster import DaskEngine  # noqa: E402
from autograder.gradebook import NbgraderCourse  # noqa: E402
from tests.autograder.course_fixture import ASSIGNMENT  # noqa: E402

TARGET_OVERHEAD = 0.10  # issue 14: Dask's overhead per submission
CLASS = 10_000  # submissions in the scale model
MACHINES = (1, 4, 16)
CORES = 16


class StepTimer:
    """Times nbgrader's steps inside NbgraderCourse.record (autograde under the lock, feedback after)."""

    def __init__(self):
        self.seconds: dict[str, list[float]] = {}
        self._original = NbgraderCourse._run
        timer = self

        def timed(course, converter_class, config, what):
            start = time.perf_counter()
            try:
                return timer._original(course, converter_class, config, what)
            finally:
                timer.seconds.setdefault(what, []).append(time.perf_counter() - start)

        NbgraderCourse._run = timed

    def mean(self, what: str) -> float:
        values = self.seconds.get(what, [])
        return statistics.fmean(values) if values else float("nan")


def run(name: str, course: Path, classroom: Path, root: Path, **kwargs) -> dict:
    paths = BatchPaths(course_dir=course, submissions=classroom, out=root / f"{name}.csv", grading_dir=root / f"grading_{name}")
    load = os.getloadavg()[0]
    start = time.perf_counter()
    result = grade_class(ASSIGNMENT, paths, progress=lambda line: None, **kwargs)
    wall = time.perf_counter() - start
    return {"name": name, "wall": wall, "result": result, "load": (load, os.getloadavg()[0]), "csv": (root / f"{name}.csv").read_bytes()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100, help="submissions in the class (default 100)")
    parser.add_argument("--workers", type=int, default=2, help="pool processes and LocalCluster workers (default 2)")
    args = parser.parse_args(argv)
    os.environ.setdefault("GAN_COURSE_OFFLINE", "1")
    n, w = args.students, args.workers
    with tempfile.TemporaryDirectory(prefix="autograde-dask-") as tmp:
        root = Path(tmp)
        course, classroom = build_class(root, n)
        print(f"{n} submissions of {ASSIGNMENT} (loss-only), {w} workers per engine, {os.cpu_count()} CPU cores")
        pool = run("pool", course, classroom, root, workers=w)
        print(f"  process pool done: {pool['wall']:.1f} s", flush=True)
        timer = StepTimer()  # only the Dask run records on this process
        engine = DaskEngine(local_workers=w)
        cluster_start = time.perf_counter()
        with engine:
            startup = time.perf_counter() - cluster_start
            dask = run("dask", course, classroom, root, engine=engine)
        print(f"{'engine':<22} {'wall s':>7} {'s/sub':>6} {'load before/after':>18}")
        for entry, label in ((pool, f"process pool ({w})"), (dask, f"Dask LocalCluster ({w})")):
            print(f"{label:<22} {entry['wall']:>7.1f} {entry['wall'] / n:>6.2f} {entry['load'][0]:>8.1f} / {entry['load'][1]:<6.1f}")
        print(f"LocalCluster start-up (not in the Dask wall time): {startup:.1f} s")
        overhead = (dask["wall"] - pool["wall"]) / n
        relative = overhead / (pool["wall"] / n)
        print(f"Dask overhead per submission: {overhead:+.3f} s = {relative:+.1%} of the pool's "
              f"(target <= {TARGET_OVERHEAD:.0%}: {'met' if relative <= TARGET_OVERHEAD else 'NOT met'})")
        print(f"identical CSVs: {pool['csv'] == dask['csv']}")

        grading = [r.seconds for r in dask["result"].submissions if r.sandbox_starts]
        g = statistics.fmean(grading)
        h = statistics.fmean(engine.record_seconds)
        locked, feedback = timer.mean("autograde"), timer.mean("generate_feedback")
        print(f"\nscale model inputs (this run, load {dask['load'][1]:.1f} on {os.cpu_count()} cores):")
        print(f"  g = {g:.2f} s  grading one submission on one worker core (sandbox, cells, probes, judging)")
        print(f"  h = {h:.2f} s  recording one submission on the head ({locked:.2f} s nbgrader autograde under the "
              f"gradebook lock + {feedback:.2f} s feedback HTML)")
        print(f"\n{CLASS:,} submissions, one single-threaded worker per core, machines of {CORES} cores; "
              f"head-bound once more than g/h = {g / h:.1f} worker cores grade:")
        print(f"{'machines':>8} {'cores':>6} {'grading-bound s':>16} {'head-bound s':>13} {'wall':>10}  limit")
        for machines in MACHINES:
            cores = machines * CORES
            grading_bound, head_bound = CLASS * g / cores, CLASS * h
            wall = max(grading_bound, head_bound)
            print(f"{machines:>8} {cores:>6} {grading_bound:>16.0f} {head_bound:>13.0f} {wall / 60:>8.1f} min  "
                  f"{'head (gradebook + feedback)' if head_bound > grading_bound else 'worker cores'}")


if __name__ == "__main__":
    main()
