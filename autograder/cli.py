"""The autograder's command line: ``gan-course autograde`` (or ``python -m autograder``).

The interface is fixed by COURSE.md::

    gan-course autograde ASSIGNMENT SUBMISSIONS --out GRADES.csv [--workers N]

``gan-course autograde`` is a thin entry point in the library that looks this module up through
the ``gan_course.commands`` entry point of the ``gan-course-autograder`` distribution
(``autograder/pyproject.toml``) and forwards its arguments here; the library never imports the
grader. Student code runs only in a bubblewrap sandbox (see :mod:`autograder.sandbox`); the
pipeline is :mod:`autograder.batch`. The command exits 0 when the batch completed, whatever the
students' code did; each problem is a ``status`` in the CSV.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Sequence

from gan_course.cli.exits import Parser, exit_status
from gan_course.errors import GanCourseError

GiB = 1024**3


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return parse


def build_parser(prog: str = "gan-course autograde") -> argparse.ArgumentParser:
    parser = Parser(
        prog=prog,
        description=(
            "Grade SUBMISSIONS/<student>/ASSIGNMENT.ipynb (or nbgrader's submitted/<student>/ASSIGNMENT/ tree) "
            "for every student: student code runs in a bubblewrap sandbox, hidden checks are judged in the "
            "grader. Writes GRADES.csv (student,assignment,grade_id,score,max_score,status), the nbgrader "
            "gradebook and per-student feedback HTML. Exits 0 when the batch completed."
        ),
        epilog="example:\n  gan-course autograde 01_vanilla_dcgan ~/inbox/01 --out grades_01.csv --workers 2",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("assignment", metavar="ASSIGNMENT", help="assignment id, e.g. 01_vanilla_dcgan")
    parser.add_argument("submissions", metavar="SUBMISSIONS", type=Path, help="folder of student folders")
    parser.add_argument("--out", type=Path, required=True, metavar="GRADES.csv", help="the CSV to write (atomically)")
    parser.add_argument("--workers", type=_positive(int), default=1, help="submissions graded in parallel (default 1)")
    parser.add_argument("--course-dir", type=Path, help="the course with solutions/ (default: $GAN_COURSE_COURSE or the checkout)")
    parser.add_argument("--grading-dir", type=Path, help="nbgrader working directory (default: $GAN_COURSE_GRADING)")
    parser.add_argument("--gradebook", type=Path, help="nbgrader gradebook database (default: GRADING_DIR/gradebook.db)")
    parser.add_argument("--feedback-dir", type=Path, help="feedback HTML root (default: GRADING_DIR/feedback)")
    parser.add_argument("--timeout", type=_positive(float), default=None, help="seconds per notebook cell (default 60)")
    parser.add_argument("--submission-timeout", type=_positive(float), default=None, metavar="SECONDS",
                        help="wall-clock seconds per submission, cells and hidden checks together (default 300)")
    parser.add_argument("--allow-root", action="store_true",
                        help="grade even as root (the sandbox's process limit does not apply to root; also GAN_COURSE_ALLOW_ROOT=1)")
    parser.add_argument("--memory-limit", type=_positive(float), default=4.0, metavar="GIB", help="address space per sandbox in GiB (default 4; importing torch needs more than 3)")
    parser.add_argument(
        "--unsafe-no-sandbox",
        dest="unsafe",
        action="store_true",
        help="run student code WITHOUT bubblewrap: it can then read the hidden checks, the sources and other "
        "submissions and write anywhere you can. Only for trusted notebooks (e.g. your own solutions)",
    )
    parser.add_argument("--dry-run", action="store_true", help="list what would be graded; run nothing, write nothing")
    parser.add_argument(
        "--only-changed",
        action="store_true",
        help="regrade only submissions whose notebook changed since the gradebook recorded them (or that it never "
        "recorded); the others keep their recorded grades in the CSV",
    )
    cluster = parser.add_argument_group("grading on a Dask cluster (default: a local process pool of --workers)")
    engine = cluster.add_mutually_exclusive_group()
    engine.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="grade on the workers of this Dask scheduler (start them with `dask worker tcp://HOST:PORT --nthreads 1`, "
        "one per core, where the same course release and bubblewrap are installed); the gradebook, feedback and CSV "
        "stay on this machine",
    )
    engine.add_argument("--local-cluster", type=_positive(int), metavar="N", help="grade on an in-process Dask LocalCluster of N worker processes on this machine")
    return parser


def main(argv: Sequence[str] | None = None, *, prog: str = "gan-course autograde") -> int:
    """Run the command; returns the exit status (2 with one line on stderr for bad input)."""
    args = build_parser(prog).parse_args(argv)
    return exit_status(lambda: run(args), prog)


def run(args: argparse.Namespace) -> int:
    from gan_course.paths import course_dir, grading_dir

    course = (args.course_dir or course_dir()).expanduser().resolve()
    try:
        importlib.import_module("nbgrader")
    except ImportError:
        raise GanCourseError("the autograder needs nbgrader: pip install 'gan-course[course]'") from None
    from .batch import BatchPaths, describe, grade_class
    from .grading import DEFAULT_CELL_TIMEOUT, DEFAULT_SUBMISSION_TIMEOUT, GradingOptions
    from .sandbox import SandboxLimits

    if not args.submissions.is_dir():
        raise GanCourseError(f"no submissions folder {args.submissions}: give the folder that holds one folder per student")
    paths = BatchPaths(
        course_dir=course,
        submissions=args.submissions.expanduser().resolve(),
        out=args.out.expanduser().resolve(),
        grading_dir=(args.grading_dir or grading_dir()).expanduser().resolve(),
        gradebook=args.gradebook.expanduser().resolve() if args.gradebook else None,
        feedback_dir=args.feedback_dir.expanduser().resolve() if args.feedback_dir else None,
    )
    if args.dry_run:
        for line in describe(args.assignment, paths, unsafe=args.unsafe):
            print(line)
        return 0
    if args.unsafe:
        print("WARNING: --unsafe-no-sandbox: student code runs unconfined, with your permissions", file=sys.stderr)
    options = GradingOptions(
        cell_timeout=args.timeout or DEFAULT_CELL_TIMEOUT,
        submission_timeout=args.submission_timeout or DEFAULT_SUBMISSION_TIMEOUT,
        allow_root=args.allow_root,
        limits=SandboxLimits(memory_bytes=int(args.memory_limit * GiB)),
        unsafe=args.unsafe,
    )
    engine = None
    if args.scheduler or args.local_cluster:
        if args.workers != 1:
            raise GanCourseError("--workers sizes the local process pool: with --scheduler or --local-cluster the Dask workers grade; drop --workers")
        try:
            from .cluster import DaskEngine
        except ImportError as error:
            raise GanCourseError(f"grading on Dask needs dask.distributed ({error}): pip install -e ./autograder") from None
        engine = DaskEngine(scheduler=args.scheduler, local_workers=args.local_cluster or 0)
    progress = lambda line: print(line, flush=True)  # noqa: E731
    if engine is None:
        grade_class(args.assignment, paths, workers=args.workers, options=options, progress=progress, only_changed=args.only_changed)
        return 0
    with engine:
        grade_class(args.assignment, paths, options=options, progress=progress, only_changed=args.only_changed, engine=engine)
    return 0
