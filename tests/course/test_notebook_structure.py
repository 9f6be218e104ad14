"""Do the generated course notebooks follow COURSE.md and the nbgrader layout the autograder reads?

Source notebooks (``solutions/``): every graded function has a solution cell ``grade_id=<name>``
with the contract's signature, followed by a locked test cell ``test_<name>`` (visible asserts,
then a hidden block that only calls ``check("<id>", "<name>", globals())``); the manually graded
written answers of COURSE.md; ``grader-setup`` cells import only what the grader's sandbox has.
Released notebooks (``assignments/``): the same cells, with no solution and no hidden test.
"""

from __future__ import annotations

import ast
import re

import pytest

from tests.course.contract import (ASSIGNMENTS, FUNCTIONS, SETUP_MODULES, WRITTEN_ANSWERS, by_grade_id,
                                   meta, released, setup_cells, signature, source, split_test, text)

CASES = [(a, f) for a in ASSIGNMENTS for f in FUNCTIONS[a]]
IDS = [f"{a}-{f}" for a, f in CASES]


def test_the_contract_lists_the_five_assignments():
    """Does the build know exactly COURSE.md's five assignment ids?"""
    assert ASSIGNMENTS == tuple(FUNCTIONS) == (
        "01_vanilla_dcgan", "02_ring_gan", "03_dcgan_faces", "04_wgan_sngan", "05_cgan_losses")


@pytest.mark.parametrize("assignment, function", CASES, ids=IDS)
def test_every_graded_function_has_its_solution_cell_with_the_contract_signature(assignment, function):
    cells = by_grade_id(source(assignment))
    assert function in cells, f"{assignment}: no solution cell with grade_id {function!r}"
    _, cell = cells[function]
    info = meta(cell)
    assert cell["cell_type"] == "code" and info["solution"] and not info["grade"] and not info["locked"]
    code = text(cell)
    assert signature(code, function) == FUNCTIONS[assignment][function], f"{function}: signature differs from COURSE.md"
    assert "### BEGIN SOLUTION" in code and "### END SOLUTION" in code
    assert not re.search(r"\bgan_course\b", code), "a solution cell that mentions gan_course gets no credit"


@pytest.mark.parametrize("assignment, function", CASES, ids=IDS)
def test_every_graded_function_has_a_locked_test_cell_with_visible_then_hidden_tests(assignment, function):
    cells = by_grade_id(source(assignment))
    index, cell = cells[f"test_{function}"]
    info = meta(cell)
    assert cell["cell_type"] == "code" and info["grade"] and info["locked"] and not info["solution"]
    assert info["points"] > 0
    visible, hidden = split_test(text(cell))
    assert "assert " in visible and "check(" not in visible, "visible tests are plain asserts, before the hidden block"
    assert hidden.strip() == f'from gan_course.course.checks import check\ncheck("{assignment}", "{function}", globals())'
    solution_index = cells[function][0]
    assert solution_index < index, "the test cell comes after its solution cell"
    between = [meta(c).get("grade_id") for c in source(assignment)["cells"][solution_index + 1:index]]
    assert not [g for g in between if g in FUNCTIONS[assignment]], "no other graded function between a solution and its test"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_graded_cells_are_exactly_the_contract_plus_the_written_answers(assignment):
    notebook = source(assignment)
    graded = [c for c in notebook["cells"] if meta(c).get("grade")]
    autograded = [meta(c)["grade_id"] for c in graded if c["cell_type"] == "code"]
    manual = [c for c in graded if c["cell_type"] == "markdown"]
    assert autograded == [f"test_{f}" for f in FUNCTIONS[assignment]], "one test cell per COURSE.md function, in order"
    assert tuple(meta(c)["grade_id"] for c in manual) == WRITTEN_ANSWERS[assignment]
    for cell in manual:
        answer = meta(cell)
        assert answer["solution"] and answer["points"] > 0 and not answer["locked"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grader_setup_cells_are_locked_and_import_only_what_the_sandbox_has(assignment):
    cells = setup_cells(source(assignment))
    assert cells, "the graded functions need their imports in a grader-setup cell"
    for cell in cells:
        assert meta(cell)["locked"] and not meta(cell)["solution"] and not meta(cell)["grade"]
        tree = ast.parse(text(cell))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert {alias.name for alias in node.names} <= SETUP_MODULES
            elif isinstance(node, ast.ImportFrom):
                assert node.module in SETUP_MODULES, f"{node.module} is not available in the grader's sandbox"
        assert "gan_course" not in text(cell)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_both_trees_are_committed_without_outputs(assignment):
    for notebook in (source(assignment), released(assignment)):
        assert notebook["metadata"]["kernelspec"]["name"] == "python3"
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_notebook_has_no_solution_and_no_hidden_test(assignment):
    student = released(assignment)
    everything = "\n".join(text(c) for c in student["cells"])
    for secret in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "autograder", "Model answer"):
        assert secret not in everything, f"the student version leaks {secret!r}"
    cells = by_grade_id(student)
    for function in FUNCTIONS[assignment]:
        code = text(cells[function][1])
        assert "raise NotImplementedError()" in code
        assert signature(code, function) == FUNCTIONS[assignment][function], "students keep the signature"
        assert '"""' in code, "students keep the docstring"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_notebook_keeps_every_cell_and_the_visible_tests(assignment):
    teacher, student = source(assignment), released(assignment)
    assert [c.get("id") for c in student["cells"]] == [c.get("id") for c in teacher["cells"]]
    assert [meta(c).get("grade_id") for c in student["cells"]] == [meta(c).get("grade_id") for c in teacher["cells"]]
    theirs = by_grade_id(student)
    for grade_id, (_, cell) in by_grade_id(teacher).items():
        mine = theirs[grade_id][1]
        if grade_id.startswith("test_"):
            assert text(mine).strip() == split_test(text(cell))[0].strip(), "visible tests reach the students unchanged"
            assert mine["metadata"].get("editable") is False and mine["metadata"].get("deletable") is False
        if cell["cell_type"] == "markdown" and meta(cell).get("grade"):
            assert text(mine) == "YOUR ANSWER HERE"
    for cell in setup_cells(teacher):
        assert any(text(c) == text(cell) for c in setup_cells(student)), "students get the same grader-setup cells"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_training_cells_read_the_budget(assignment):
    """Is every cell that trains sized by gan_course.budget, so the grader's run stays short?"""
    trains = [text(c) for c in source(assignment)["cells"] if c["cell_type"] == "code" and not meta(c)
              and re.search(r"(?<![.\w])(train|Trainer)\(|_step\(G, D", text(c))]
    assert trains, "each notebook trains its GAN"
    for code in trains:
        assert "budget.pick(" in code or re.search(r"\b[A-Z_]*(EPOCHS|ITERATIONS)\b", code)  # set by budget.pick
