"""``gan-course check``: the grader's own checks on your assignment notebook, then its visible tests.

For students::

    gan-course check 01_vanilla_dcgan                 # the course's assignments/<id>/<id>.ipynb
    gan-course check 01_vanilla_dcgan my_copy.ipynb   # your own notebook

Only the cells the grader runs are run, in notebook order, in a fresh Python process: the cells
tagged ``grader-setup`` and your solution cells. Then every graded function gets the grader's
hidden check on inputs drawn fresh for this run, and the same status and diagnosis the grader
would give; a function that passes runs its visible tests too. A solution cell that uses the
course library earns nothing from the grader, and check says so. It is your own code, so it
runs without a sandbox. One line per function (PASS / FAIL / ERROR / TODO), then a summary;
the exit status is 0 only when every function passes.

See :mod:`gan_course.course.selfcheck`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gan_course.course.contract import ASSIGNMENTS
from gan_course.course.selfcheck import DEFAULT_TIMEOUT, read_notebook, plan, run_check, summary
from gan_course.errors import GanCourseError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "check",
        help="run the grader's checks and the visible tests on your assignment notebook",
        description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("assignment", metavar="ASSIGNMENT", choices=ASSIGNMENTS,
                        help=f"assignment id, one of: {', '.join(ASSIGNMENTS)}")
    parser.add_argument("notebook", metavar="NOTEBOOK", nargs="?", type=Path,
                        help="your notebook (default: the course's assignments/<id>/<id>.ipynb)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds for the whole check (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--seed", type=int, default=None, help="draw the probes from this seed (default: fresh each run)")
    parser.add_argument("--course-dir", type=Path, help="the course (default: $GAN_COURSE_COURSE or the checkout)")
    parser.add_argument("--dry-run", action="store_true", help="list the cells that would run, run nothing")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from gan_course.course.contract import release_path
    from gan_course.paths import course_dir

    notebook = args.notebook or release_path(args.course_dir or course_dir(), args.assignment)
    if args.timeout <= 0:
        raise GanCourseError(f"--timeout must be positive, got {args.timeout:g}")
    if args.dry_run:
        request = plan(read_notebook(notebook), args.assignment)
        print(f"{notebook}: would run {len(request['cells'])} cells ({', '.join(c['name'] for c in request['cells'])}), "
              f"then the hidden checks and the visible tests of every graded function of {args.assignment}")
        return 0
    if Path(notebook).stem != args.assignment:
        print(f"note: {Path(notebook).name} is not named {args.assignment}.ipynb; the grader only looks for that name")
    print(f"Checking {notebook} with the grader's checks on fresh inputs:")
    results = run_check(notebook, args.assignment, timeout=args.timeout, seed=args.seed)
    for line in summary(results):
        print(line)
    return 0 if results and all(r.passed for r in results) else 1
