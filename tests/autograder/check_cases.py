"""Shared pieces of the test-the-tests files (tests/autograder/test_checks_0*.py): the
unanswered-notebook case and the "does a failure message give the answer away" helpers."""

from __future__ import annotations

import re

import pytest

from autograder.checks import CheckFailure, check, checks_for

NUMBER = re.compile(r"-?\d+\.\d+(?:e-?\d+)?")  # a decimal number printed in a message


def assert_unanswered_functions_fail(assignment: str) -> None:
    """Every graded function of ``assignment`` fails when it raises NotImplementedError (the
    released placeholder) and when it is not defined at all, saying which of the two."""

    def placeholder(*args, **kwargs):
        raise NotImplementedError

    for function in checks_for(assignment):
        with pytest.raises(CheckFailure, match="NotImplementedError"):
            check(assignment, function, {function: placeholder})
        with pytest.raises(CheckFailure, match="not defined"):
            check(assignment, function, {})


def numbers(message: str) -> list[float]:
    """The decimal numbers printed in ``message``."""
    return [float(m) for m in NUMBER.findall(message)]


def same(a: float, b: float) -> bool:
    """``a`` and ``b`` agree to 0.1% (or 1e-6 near 0): a message printing ``a`` reveals ``b``."""
    return abs(a - b) <= 1e-3 * max(abs(b), 1e-3)
