"""How a command line ends: bad input is one line on stderr and exit status 2, never a traceback.

Shared by ``gan-course`` (:mod:`gan_course.cli`) and the instructor's grader
(``autograder/cli.py``, ``python -m autograder``), so both answer a user's mistake the same way.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from gan_course.errors import GanCourseError

EXIT_USAGE = 2  # bad arguments or input, as argparse does
EXIT_INTERRUPTED = 130  # 128 + SIGINT


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line that points at ``--help``."""

    def error(self, message: str):  # noqa: D102 - argparse API
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def exit_status(run: Callable[[], int | None], prog: str) -> int:
    """``run()``'s exit status (0 for None); a :class:`~gan_course.errors.GanCourseError` prints
    ``<prog>: error: ...`` and gives 2, Ctrl-C prints ``<prog>: interrupted`` and gives 130."""
    try:
        return int(run() or 0)
    except GanCourseError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
