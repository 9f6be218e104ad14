"""The ``gan-course`` command line: one thin argparse front over library functions.

Each verb lives in its own module with ``add_parser(subparsers)`` and ``run(args) -> int``
(otter-grader style); the modules only translate options into keyword arguments of library
functions. Errors a user can cause (:class:`gan_course.errors.GanCourseError`) print one line
and exit 2; nothing prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from gan_course import __version__
from gan_course.errors import GanCourseError

from . import (autograde, check, compare, course, evaluate, game, interpolate, monitor, plot, sample, train,
               train_classifier)
from .exits import EXIT_USAGE, Parser, exit_status

VERBS = (train, sample, interpolate, plot, evaluate, compare, monitor, game, autograde, check, train_classifier, course)


def verb_name(verb) -> str:
    """The command a verb module adds (its module name, ``_`` written ``-``)."""
    return verb.__name__.rsplit(".", 1)[-1].replace("_", "-")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with ``only`` a known command, just that command's parser:
    some parsers import heavy modules to describe their options (``train`` imports the trainer
    and torch), and ``gan-course check`` must start in well under a second."""
    parser = Parser(
        prog="gan-course",
        description="Train, sample and inspect the GANs of the gan-course package.",
    )
    parser.add_argument("--version", action="version", version=f"gan-course {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser, required=True)
    for verb in VERBS:
        if only is None or only not in {verb_name(v) for v in VERBS} or verb_name(verb) == only:
            verb.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gan-course`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == [autograde.VERB]:
        # The grader parses its own arguments (argparse would take `--help` and options for its own).
        try:
            return autograde.forward(argv[1:])
        except GanCourseError as error:
            print(f"gan-course {autograde.VERB}: error: {error}", file=sys.stderr)
            return EXIT_USAGE
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    return exit_status(lambda: args.run(args), f"gan-course {args.command}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
