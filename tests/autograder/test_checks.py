"""Do the hidden checks of every assignment pass every correct implementation and fail realistic
mistakes, with the grader's status, the mistake's own diagnosis, and a message that gives no
answer away?

One skeleton for every assignment: each test is parametrised over the catalogues of
:mod:`tests.autograder.cases` (``CATALOGUES[assignment]``). A case is graded the way the grader
grades it: its probes run in this process (:class:`~gan_course.course.checks.LocalRunner`) and
:func:`gan_course.course.judging.verdict` turns the results into a status and a message.
Assignment-specific properties of the checks (thresholds, probe design, the grader's private
references) are tested in ``test_checks_0N_<assignment>.py``.
"""

from __future__ import annotations

import importlib
import inspect
import random
import re
import warnings

import numpy as np
import pytest
import torch

from gan_course.course.checks import CheckFailure, LocalRunner, Probe, check, checks_for
from gan_course.course.contract import PASSED
from gan_course.course.judging import verdict

from .cases import ALL_CASES, CATALOGUES, Case, Catalogue

MIN_CORRECT, MIN_WRONG = 3, 5  # implementations per graded function, at least

# --- the one leak detector -------------------------------------------------------------------

NUMBER = re.compile(r"(?<![`\w.])-?\d+\.\d+(?:e-?\d+)?(?![`\w])")  # a decimal number, not a `2.1` module path


def numbers(text: str) -> list[float]:
    """The decimal numbers printed in ``text`` (a number alone in backticks is a name, such as
    the submodule path `2.1`, not a value)."""
    return [float(m) for m in NUMBER.findall(text)]


def leaked_numbers(message: str, probes: list[Probe], quotable: frozenset[float]) -> list[float]:
    """The numbers a failure ``message`` must not print: every decimal number except the probes'
    inputs (printed in their labels) and the constants the course contract states (``quotable``).

    Anything else is a value the grader computed, from the reference (the answer) or from the
    student's output, and a message that prints computed values can be used to search for the
    answer; so a message prints none, however close to the answer it is."""
    inputs = {n for probe in probes for n in numbers(probe.label)}
    return [n for n in numbers(message) if n not in inputs and n not in quotable]


def test_the_leak_detector_flags_computed_values_and_nothing_the_message_may_quote():
    """Can the detector fail: does it flag a printed answer, and only that?"""
    probes = [Probe("a01.call", None, "weight=3.5")]
    assert leaked_numbers("the loss should be 0.6931, not 1.3862", probes, frozenset()) == [0.6931, 1.3862]
    assert leaked_numbers("off by 2.5e-3 (weight=3.5)", probes, frozenset()) == [2.5e-3]
    assert leaked_numbers("weight=3.5 is ignored; use LeakyReLU(0.2) in layer `2.1`.", probes, frozenset({0.2})) == []


# --- grading a case ------------------------------------------------------------------------------


def grade(catalogue: Catalogue, case: Case, seed: int) -> tuple[str, str, list[Probe]]:
    """``(status, message, probes)`` the grader gives ``case`` on the probes of ``seed``."""
    chk = checks_for(catalogue.assignment)[case.function]
    probes = chk.probes(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. scipy's sqrtm on singular matrices (05's FID cases)
        results = LocalRunner({case.function: case.impl}).run(case.function, probes)
    status, message = verdict(chk, case.function, probes, results, None, cell_timeout=chk.timeout)
    return status, message, probes


def _params(seeds_of, cases):
    return [pytest.param(case, seed, id=f"{case.id}-{seed}") for case in cases for seed in seeds_of(CATALOGUES[case.assignment])]


ASSIGNMENTS = list(CATALOGUES)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_function_has_correct_and_wrong_implementations(assignment):
    """Is every check of the assignment exercised by its catalogue, both ways, by distinct cases?"""
    catalogue = CATALOGUES[assignment]
    assert catalogue.functions == list(checks_for(assignment))  # every graded function, in notebook order
    for function in catalogue.functions:
        correct, wrong = catalogue.correct(function), catalogue.wrong(function)
        assert len(correct) >= MIN_CORRECT and correct[0].name == function, function  # the clean one first
        assert len(wrong) >= MIN_WRONG, function
        assert len({case.name for case in correct + wrong}) == len(correct + wrong), function


@pytest.mark.parametrize("case, seed", _params(lambda c: c.seeds, [c for c in ALL_CASES if c.correct]))
def test_correct_implementation_passes(case, seed):
    status, message, _ = grade(CATALOGUES[case.assignment], case, seed)
    assert status == PASSED, message


@pytest.mark.parametrize("case, seed", _params(lambda c: c.wrong_seeds, [c for c in ALL_CASES if not c.correct]))
def test_wrong_implementation_fails_with_its_diagnosis_and_without_the_answer(case, seed):
    """Does the mistake get the grader's status, its own diagnosis (where it has one), and a
    message that names the function and prints no computed value?"""
    catalogue = CATALOGUES[case.assignment]
    status, message, probes = grade(catalogue, case, seed)
    assert status == case.status, message
    assert re.search(rf"`{re.escape(case.function)}[`([]", message) and "tensor(" not in message, message
    assert "returned outputs of an unexpected kind" not in message, message  # the check itself crashed
    assert case.diagnosis in message, message
    assert not leaked_numbers(message, probes, catalogue.quotable), message


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_missing_and_placeholder_functions_fail_with_a_clear_message(assignment):
    """Does an unanswered notebook (NotImplementedError, or no function at all) fail every check?"""

    def placeholder(*args, **kwargs):
        raise NotImplementedError

    for function in checks_for(assignment):
        with pytest.raises(CheckFailure, match="NotImplementedError"):
            check(assignment, function, {function: placeholder})
        with pytest.raises(CheckFailure, match="not defined"):
            check(assignment, function, {})


@pytest.mark.parametrize("assignment, function, reference", [
    (assignment, function, reference) for assignment, catalogue in CATALOGUES.items()
    for function, reference in catalogue.references.items()
])
def test_the_library_reference_passes_the_check(assignment, function, reference):
    """Do the library's (and the grader's private) references pass their own checks?"""
    module, _, name = reference.partition(":")
    check(assignment, function, {function: getattr(importlib.import_module(module), name)})


@pytest.mark.parametrize("assignment, function", [(a, f) for a, c in CATALOGUES.items() for f in c.functions])
def test_checks_leave_the_callers_random_state_alone(assignment, function):
    """Hidden tests run in the student's kernel: do torch, numpy and random keep their state?"""
    catalogue = CATALOGUES[assignment]
    torch_state, np_state, py_state = torch.get_rng_state(), np.random.get_state(), random.getstate()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(assignment, function, {**catalogue.helpers, function: catalogue.clean(function)})
    assert torch.equal(torch_state, torch.get_rng_state())
    assert np.array_equal(np_state[1], np.random.get_state()[1]) and py_state == random.getstate()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_harness_replies_load_with_weights_only(assignment):
    """Does every reply the sandbox sends for a correct implementation go through the reply codec
    the grader reads (:func:`autograder.worker.decode_reply`: plain data, no unpickler) unchanged,
    within the grader's default bounds?"""
    from autograder import worker
    from gan_course.course.checks import DEFAULT_SEED

    catalogue = CATALOGUES[assignment]
    for case in catalogue.correct():
        chk = checks_for(assignment)[case.function]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = LocalRunner({**catalogue.helpers, case.function: case.impl}).run(case.function, chk.probes(DEFAULT_SEED))
        assert all(result["ok"] for result in results), (case.id, results)
        framed = worker.encode_reply(results)
        assert len(framed) - worker.HEADER.size <= worker.MAX_MESSAGE_BYTES, case.id
        assert _same_data(results, worker.decode_reply(framed[worker.HEADER.size:])), case.id


def _same_data(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
    if isinstance(a, (list, tuple)):
        return isinstance(b, list) and len(a) == len(b) and all(_same_data(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same_data(a[k], b[k]) for k in a)
    return a == b or (a != a and b != b)  # NaN


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_harness_imports_neither_gan_course_nor_the_checks(assignment):
    """The harness runs next to student code: does it stay free of answers and grader code?"""
    module = importlib.import_module(f"gan_course.course.harness.{CATALOGUES[assignment].harness}")
    source = inspect.getsource(module)
    assert "gan_course" not in source and "autograder" not in source
