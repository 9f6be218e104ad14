"""``python -m autograder ...``: the same command as ``gan-course autograde ...``."""

import sys

from autograder.cli import main

sys.exit(main(prog="python -m autograder"))
