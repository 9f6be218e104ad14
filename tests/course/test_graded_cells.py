"""Do the graded cells work the way the grader runs them: only the ``grader-setup`` cells and the
solution cells, in a fresh namespace without ``gan_course``?

The solutions must pass every hidden check and every visible test there (so they rely on nothing
else in the notebook), and the released placeholders must fail every hidden check.
"""

from __future__ import annotations

import pytest

from gan_course.course.checks import CheckFailure, check
from tests.course.contract import ASSIGNMENTS, FUNCTIONS, by_grade_id, released, setup_cells, source, split_test, text


def grader_namespace(notebook: dict, assignment: str) -> dict:
    """What the grader builds: the setup cells, then every graded function's solution cell."""
    namespace: dict = {"__name__": "__grader__"}
    for cell in setup_cells(notebook):
        exec(compile(text(cell), f"<{assignment} setup>", "exec"), namespace)  # noqa: S102 - our own notebook
    cells = by_grade_id(notebook)
    for function in FUNCTIONS[assignment]:
        exec(compile(text(cells[function][1]), f"<{assignment} {function}>", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solutions_pass_every_hidden_check_with_only_the_setup_cells(assignment):
    namespace = grader_namespace(source(assignment), assignment)
    assert "gan_course" not in namespace
    for function in FUNCTIONS[assignment]:
        check(assignment, function, namespace)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_visible_tests_pass_on_the_solutions_with_only_the_setup_cells(assignment):
    """Is every visible test self-contained (what ``gan-course check`` runs)?"""
    notebook = source(assignment)
    namespace = grader_namespace(notebook, assignment)
    for function in FUNCTIONS[assignment]:
        visible, _ = split_test(text(by_grade_id(notebook)[f"test_{function}"][1]))
        exec(compile(visible, f"<{assignment} test_{function}>", "exec"), namespace)  # noqa: S102


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_placeholders_fail_every_hidden_check(assignment):
    """An unanswered student notebook scores nothing: every check meets NotImplementedError."""
    namespace = grader_namespace(released(assignment), assignment)
    for function in FUNCTIONS[assignment]:
        with pytest.raises(CheckFailure, match="NotImplementedError"):
            check(assignment, function, namespace)
