"""How much compute a notebook's training cells may spend.

The autograder, ``gan-course check`` and CI set ``GAN_COURSE_BUDGET=grader``; every course
notebook then runs end to end in at most 60 s on 2 CPU cores (COURSE.md). Unset (or
``full``), the notebooks train for real: at most about 10 minutes each on a laptop CPU.

Notebook cells read the budget through :func:`pick`::

    EPOCHS = budget.pick(full=30, grader=1)
"""

from __future__ import annotations

import os
from typing import TypeVar

BUDGET_VARIABLE = "GAN_COURSE_BUDGET"
GRADER_BUDGET = "grader"  # the value the autograder and `gan-course check` set
BUDGETS = ("full", GRADER_BUDGET)

T = TypeVar("T")


def current() -> str:
    """``"grader"`` when ``$GAN_COURSE_BUDGET`` says so, else ``"full"``."""
    value = os.environ.get(BUDGET_VARIABLE, "full").strip().lower() or "full"
    if value not in BUDGETS:
        raise ValueError(f"{BUDGET_VARIABLE}={value!r} is not a budget; use one of: {', '.join(BUDGETS)}")
    return value


def is_grader() -> bool:
    """True under the autograder's small budget."""
    return current() == GRADER_BUDGET


def pick(*, full: T, grader: T) -> T:
    """``grader`` under the autograder's budget, else ``full``."""
    return grader if is_grader() else full
