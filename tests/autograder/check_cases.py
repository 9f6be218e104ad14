"""Shared pieces of the test-the-tests files (tests/autograder/test_checks_0*.py): the
unanswered-notebook case and the "does a failure message give the answer away" helpers."""

from __future__ import annotations

import re

import pytest

from gan_course.course.checks import CheckFailure, check, checks_for

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


def assert_replies_load_with_weights_only(assignment: str, correct: dict, helpers: dict | None = None) -> None:
    """Every reply the sandbox sends for ``correct[function]`` implementations (with the
    notebook's ``helpers`` defined beside them) goes through the reply codec the grader reads
    (:func:`autograder.worker.decode_reply`: plain data, no unpickler) unchanged, within the
    grader's default bounds."""
    import torch

    from autograder import worker
    from gan_course.course.checks import DEFAULT_SEED, LocalRunner

    def same_data(a, b) -> bool:
        if isinstance(a, torch.Tensor):
            return isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
        if isinstance(a, (list, tuple)):
            return isinstance(b, list) and len(a) == len(b) and all(same_data(x, y) for x, y in zip(a, b))
        if isinstance(a, dict):
            return isinstance(b, dict) and a.keys() == b.keys() and all(same_data(a[k], b[k]) for k in a)
        return a == b or (a != a and b != b)  # NaN

    for function, chk in checks_for(assignment).items():
        for impl in correct[function]:
            results = LocalRunner({**(helpers or {}), function: impl}).run(function, chk.probes(DEFAULT_SEED))
            assert all(result["ok"] for result in results), (function, results)
            framed = worker.encode_reply(results)
            assert len(framed) - worker.HEADER.size <= worker.MAX_MESSAGE_BYTES, function
            decoded = worker.decode_reply(framed[worker.HEADER.size:])
            assert same_data(results, decoded), function


def assert_harness_free_of_answers(module) -> None:
    """The sandbox-side harness ``module`` imports neither the course library (the answers)
    nor the grader's checks."""
    import inspect

    source = inspect.getsource(module)
    assert "gan_course" not in source and "autograder" not in source
