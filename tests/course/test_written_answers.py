"""Are the written answers graded the way COURSE.md says: each a manually graded markdown cell
whose rubric (with points) and model answer live only in the instructor's notebook?

In ``solutions/`` the answer cell's solution region (between nbgrader's ``BEGIN SOLUTION`` /
``END SOLUTION`` markers, or the whole cell when it has none) holds a **Model answer** and a
rubric (``**Rubric (N points).**`` or the older ``Full marks:``) whose item points ``(k)`` add up
to the cell's nbgrader points. ``assignments/`` shows the placeholder where the region was, and
not one line of a model answer or rubric anywhere.
"""

from __future__ import annotations

import re

import pytest

from tests.course.contract import ASSIGNMENTS, WRITTEN_ANSWERS, by_grade_id, meta, released, source, text

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
PLACEHOLDER = "YOUR ANSWER HERE"
RUBRIC = re.compile(r"\*\*Rubric\b|Full marks:")
ITEM_POINTS = re.compile(r"\((\d+(?:\.\d+)?)\)")  # "(2)" after a rubric item; "(5 points)" is the header
SECRET_WORDS = ("Model answer", "Rubric", "Full marks", "for graders")
MIN_LEAK_CHARS = 30  # a line of the grader's text this long must not reach the students


def solution_region(cell_text: str) -> str:
    """The part nbgrader replaces by the placeholder: between the markers, or the whole cell."""
    if BEGIN in cell_text:
        return cell_text.split(BEGIN, 1)[1].split(END, 1)[0]
    return cell_text


def answer_cells(notebook: dict, assignment: str) -> list[tuple[str, dict]]:
    cells = by_grade_id(notebook)
    return [(grade_id, cells[grade_id][1]) for grade_id in WRITTEN_ANSWERS[assignment]]


def rubric_points(region: str) -> float:
    """The sum of the item points ``(k)`` from the rubric's start to the end of the region."""
    match = RUBRIC.search(region)
    assert match, "no rubric: end the model answer with '**Rubric (N points).** item (k), ...'"
    return sum(float(k) for k in ITEM_POINTS.findall(region[match.start():]))


CASES = [(a, g) for a in ASSIGNMENTS for g in WRITTEN_ANSWERS[a]]
IDS = [f"{a}-{g}" for a, g in CASES]


@pytest.mark.parametrize("assignment, grade_id", CASES, ids=IDS)
def test_every_written_answer_has_a_model_answer_and_a_rubric_worth_its_points(assignment, grade_id):
    """Can a grader score the answer from the instructor's notebook alone?"""
    _, cell = by_grade_id(source(assignment))[grade_id]
    info = meta(cell)
    assert cell["cell_type"] == "markdown" and info["grade"] and info["solution"] and not info["locked"]
    region = solution_region(text(cell))
    assert "Model answer" in region, "the model answer belongs inside the solution region"
    assert rubric_points(region) == info["points"], "the rubric's item points must add up to the cell's points"


@pytest.mark.parametrize("assignment, grade_id", CASES, ids=IDS)
def test_the_student_sees_the_placeholder_where_the_model_answer_was(assignment, grade_id):
    teacher = text(by_grade_id(source(assignment))[grade_id][1])
    student = text(by_grade_id(released(assignment))[grade_id][1])
    if BEGIN in teacher:
        before, rest = teacher.split(BEGIN, 1)
        expected = before + PLACEHOLDER + rest.split(END, 1)[1]
        assert student.replace(" ", "").replace("\n", "") == expected.replace(" ", "").replace("\n", "")
    else:
        assert student == PLACEHOLDER


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_rubric_or_model_answer_text_reaches_the_assignments(assignment):
    """Does any line of a model answer or rubric, or any grader-only heading, leak into the
    student version (in any cell, not only the answer cell)?"""
    student = "\n".join(text(c) for c in released(assignment)["cells"])
    for word in SECRET_WORDS:
        assert word not in student, f"the student version of {assignment} contains {word!r}"
    for grade_id, cell in answer_cells(source(assignment), assignment):
        for line in solution_region(text(cell)).splitlines():
            line = line.strip(" *-#")
            if len(line) >= MIN_LEAK_CHARS:
                assert line not in student, f"{assignment}: a line of {grade_id}'s model answer or rubric leaks: {line!r}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_math_in_markdown_is_delimited(assignment):
    """Does every markdown cell open and close its $...$ math (an odd count breaks rendering)?"""
    for notebook in (source(assignment), released(assignment)):
        for cell in notebook["cells"]:
            if cell["cell_type"] == "markdown":
                body = re.sub(r"`[^`]*`", "", text(cell)).replace(r"\$", "")
                assert body.count("$") % 2 == 0, f"{assignment}: unbalanced $ in {text(cell)[:80]!r}"
