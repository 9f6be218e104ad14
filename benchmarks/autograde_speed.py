"""Grading speed of ``gan-course autograde``: seconds per submission of loss-only work, and
the speed-up of ``--workers 2`` over ``--workers 1`` on the same class.

Targets (ISSUE 3): at most 3 s per submission, at least 1.8x with 2 workers (2 CPU cores).

The class is built from the autograder tests' fixture course (tests/autograder/course_fixture.py:
assignment 01's ``discriminator_loss`` and ``generator_loss`` plus a written answer):
``--students`` submissions cycling through a full solution, a batch-summing mistake and the
blank notebook. Each run grades into a fresh grading directory (gradebook, feedback), exactly as
``gan-course autograde ... --workers N`` does, sandbox included.

Run ``python benchmarks/autograde_speed.py [--students 40] [--workers 1 2]``. Other work on
the machine skews wall-clock numbers, so the table also prints the load average and the CPU
seconds per submission (the grader's own plus what each sandbox reports when it exits): on an
idle machine one worker needs about that much wall time per submission, and two workers half.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the instructor-side autograder and the test fixture

from autograder.batch import BatchPaths, cpu_per_submission, grade_class  # noqa: E402
from tests.autograder.course_fixture import ASSIGNMENT, SUMMED, class_submissions, with_target, write_class, write_course  # noqa: E402

TARGET_SECONDS = 3.0  # ISSUE 3: per submission of loss-only work
TARGET_SPEEDUP = 1.8  # ISSUE 3: --workers 2 over --workers 1


def build_class(root: Path, students: int) -> tuple[Path, Path]:
    """The fixture course and ``students`` loss-only submissions under ``root``."""
    course = write_course(root / "course")
    solution = course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    released = course / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    variants = class_submissions(solution, released, secrets=[], writes=[], other="")
    kinds = [variants["full"], with_target(variants["full"], SUMMED), variants["blank"]]
    classroom = write_class(root / "class", {f"student{i:03d}": kinds[i % len(kinds)] for i in range(students)})
    return course, classroom


def grade(course: Path, classroom: Path, root: Path, workers: int):
    """One ``gan-course autograde`` batch (the CLI's own pipeline, sandbox included)."""
    paths = BatchPaths(course_dir=course, submissions=classroom, out=root / f"grades_{workers}.csv", grading_dir=root / f"grading_{workers}")
    return grade_class(ASSIGNMENT, paths, workers=workers, progress=lambda line: None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40, help="submissions in the class (default 40)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to compare (default 1 2)")
    args = parser.parse_args(argv)
    os.environ.setdefault("GAN_COURSE_OFFLINE", "1")
    with tempfile.TemporaryDirectory(prefix="autograde-speed-") as tmp:
        root = Path(tmp)
        course, classroom = build_class(root, args.students)
        print(f"{args.students} submissions of {ASSIGNMENT} (loss-only), {os.cpu_count()} CPU cores")
        print(f"{'workers':>7} {'wall s':>7} {'wall s/sub':>10} {'s/sub in worker':>15} {'CPU s/sub':>9} {'speed-up':>8} {'load avg before/after':>22}")
        walls = {}
        for workers in args.workers:
            load_before = os.getloadavg()[0]
            start = time.perf_counter()
            result = grade(course, classroom, root, workers)
            wall = walls[workers] = time.perf_counter() - start
            per_worker = sum(r.seconds for r in result.submissions) / len(result.submissions)
            loads = f"{load_before:.1f} / {os.getloadavg()[0]:.1f}"
            print(
                f"{workers:>7} {wall:>7.1f} {wall / args.students:>10.2f} {per_worker:>15.2f} "
                f"{cpu_per_submission(result):>9.2f} {walls[args.workers[0]] / wall:>7.2f}x {loads:>22}"
            )
        csvs = {(root / f"grades_{w}.csv").read_bytes() for w in args.workers}
        print(f"identical CSVs across worker counts: {len(csvs) == 1}")
        first = args.workers[0]
        per = walls[first] / args.students
        print(f"target: <= {TARGET_SECONDS:g} s per submission -> {per:.2f} s with {first} worker(s)")
        if 2 in walls and first == 1:
            print(f"target: >= {TARGET_SPEEDUP:g}x with 2 workers -> {walls[1] / walls[2]:.2f}x")


if __name__ == "__main__":
    main()
