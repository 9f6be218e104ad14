"""``gan-course autograde``: the instructor's command, forwarded to the separately installed grader.

The grader (hidden checks, sandbox, gradebook) is instructor-only and is not in the
``gan-course`` wheel that students install. It is its own distribution,
``gan-course-autograder`` (``autograder/pyproject.toml`` in the course's source checkout),
which registers its command-line entry under the ``gan_course.commands`` entry-point group.
This module only looks that entry point up and hands it the arguments: the library never
imports the grader's modules. Without the grader installed, the command is a one-line error
that names the install command.

Usage (COURSE.md)::

    gan-course autograde ASSIGNMENT SUBMISSIONS --out GRADES.csv [--workers N]

``gan-course autograde --help`` shows the grader's own help.
"""

from __future__ import annotations

import argparse
from importlib.metadata import entry_points
from typing import Callable, Sequence

from gan_course.errors import GanCourseError

VERB = "autograde"
ENTRY_POINT_GROUP = "gan_course.commands"
INSTALL_COMMAND = "pip install -e ./autograder"  # from the course's source checkout


class GraderNotInstalled(GanCourseError):
    """The instructor-only grader distribution is not installed in this environment."""


def grader_command() -> Callable[..., int]:
    """The grader's ``main(argv, prog=...)``, found through its entry point."""
    found = list(entry_points(group=ENTRY_POINT_GROUP, name=VERB))
    hint = (
        f"run `{INSTALL_COMMAND}` from the course's source checkout (instructors only: the grader is not "
        "part of the student package gan-course)"
    )
    if not found:
        raise GraderNotInstalled(f"the autograder is not installed: {hint}")
    try:
        return found[0].load()
    except ImportError as error:
        raise GraderNotInstalled(f"the installed autograder cannot be loaded ({error}): {hint} again") from None


def forward(argv: Sequence[str]) -> int:
    """Run ``gan-course autograde ARGV`` in the grader; returns its exit status."""
    return int(grader_command()(list(argv), prog=f"gan-course {VERB}") or 0)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        VERB,
        add_help=False,
        help="grade every student's notebook of an assignment into a CSV (sandboxed; needs the grader installed)",
        description=f"Forwarded to the instructor-only grader; install it with `{INSTALL_COMMAND}`.",
    )
    parser.add_argument("arguments", nargs=argparse.REMAINDER, help="the grader's arguments (see gan-course autograde --help)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return forward(args.arguments)
