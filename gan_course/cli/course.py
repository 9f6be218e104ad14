"""``gan-course course build``: regenerate the course notebooks from ``course/<id>.py``;
``gan-course course references``: regenerate the notebooks' reference figures from ``book/results/``.

For instructors::

    gan-course course build            # write solutions/<id>/<id>.ipynb and assignments/<id>/<id>.ipynb
    gan-course course build --check    # exit 1 when the committed trees are out of date (CI)
    gan-course course build --dry-run  # read and validate the sources, write nothing
    gan-course course references       # copy the healthy runs' figures into gan_course/course/references/
    gan-course course references --check

See :mod:`gan_course.course.build` and :mod:`gan_course.course.references`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

EXIT_STALE = 1  # --check found out-of-date files


def add_parser(subparsers) -> None:
    from gan_course.course.contract import ASSIGNMENTS

    parser = subparsers.add_parser(
        "course",
        help="instructor tools for the course notebooks (build the generated trees)",
        description="Instructor tools for the nbgrader course of this package.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=type(parser))
    build = actions.add_parser(
        "build",
        help="regenerate solutions/ and assignments/ from the jupytext sources in course/",
        description=(
            "Regenerate solutions/<id>/<id>.ipynb (the nbgrader source notebooks) and assignments/<id>/<id>.ipynb "
            "(the student versions, made by nbgrader generate_assignment) from course/<id>.py. The output is "
            "deterministic: run it after every edit of a source and commit the result."
        ),
        epilog="examples:\n  gan-course course build\n  gan-course course build --check\n"
        "  gan-course course build --assignment 02_ring_gan --dry-run",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 listing the generated files that are out of date")
    build.add_argument("--dry-run", action="store_true", help="read and validate the sources only; write nothing")
    build.add_argument("--assignment", action="append", choices=ASSIGNMENTS, metavar="ID",
                       help=f"only this assignment (repeatable; default all: {', '.join(ASSIGNMENTS)})")
    build.add_argument("--course-dir", type=Path, default=None,
                       help="the course checkout holding course/ (default $GAN_COURSE_COURSE or the source checkout)")
    build.set_defaults(run=run)
    references = actions.add_parser(
        "references",
        help="regenerate the notebooks' reference figures ('a healthy run looks like this') from book/results/",
        description=(
            "Copy each registered reference figure (gan_course/course/references.py) from the book's stored "
            "results into gan_course/course/references/<assignment>/<name>.png and write references.json (the "
            "stored run, its config and the numbers it shows). Run it after book/reproduce.py and commit the result."
        ),
        epilog="examples:\n  gan-course course references\n  gan-course course references --check",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    references.add_argument("--check", action="store_true",
                            help="write nothing; exit 1 listing the reference files that are out of date")
    references.add_argument("--dry-run", action="store_true", help="find every source and list the files; write nothing")
    references.add_argument("--results", type=Path, default=None,
                            help="the stored results (default $GAN_COURSE_BOOK_RESULTS or book/results)")
    references.set_defaults(run=run_references)


def run(args: argparse.Namespace) -> int:
    from gan_course.course.build import build
    from gan_course.course.contract import ASSIGNMENTS

    assignments = tuple(args.assignment or ASSIGNMENTS)
    report = build(course_dir=args.course_dir, assignments=assignments, check=args.check, dry_run=args.dry_run)
    return _print_report(report, args, dry_run_header=f"dry run: {len(assignments)} source(s) valid; would write:",
                         command="gan-course course build", noun="generated notebooks")


def _print_report(report, args: argparse.Namespace, *, dry_run_header: str, command: str, noun: str) -> int:
    """What a generator of committed files (course build, course references) prints, and its exit status:
    the files it would write (--dry-run), the stale ones (--check) or the ones it wrote."""
    if args.dry_run:
        print(dry_run_header)
        for path in report.files:
            print(f"  {path}")
        return 0
    if args.check:
        if report.stale:
            print(f"out of date (run `{command}` and commit the result):")
            for path in report.stale:
                print(f"  {path}")
            return EXIT_STALE
        print(f"up to date: {len(report.files)} {noun}")
        return 0
    for path in report.written:
        print(f"wrote {path}")
    print(f"{len(report.written)} of {len(report.files)} {noun} changed")
    return 0


def run_references(args: argparse.Namespace) -> int:
    from gan_course.course.references import build_references

    report = build_references(results_dir=args.results, check=args.check, dry_run=args.dry_run)
    return _print_report(report, args, dry_run_header=f"dry run: would write {len(report.files)} files:",
                         command="gan-course course references", noun="reference files")
