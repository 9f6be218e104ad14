"""Verdicts: the grade of one graded cell for one student, with a status that says why.

A verdict's ``status`` is one word; when the grader noticed something the instructor should
see that did not change the score (a deleted, edited or reordered test cell, feedback that
could not be generated), notes follow it joined by ``+``, e.g. ``passed+test_cell_edited`` or
``passed+feedback_error``. Only ``passed`` earns points. Every text that reaches a verdict
(messages built from student exceptions, their type names) is cut to :data:`MAX_MESSAGE`
characters here, in one place.

| status                 | meaning                                                         | score |
|------------------------|-----------------------------------------------------------------|-------|
| ``passed``             | every hidden check passed                                       | full  |
| ``failed``             | a check failed (wrong value, shape, gradient, ...)              | 0     |
| ``not_implemented``    | the function still raises NotImplementedError                   | 0     |
| ``not_defined``        | the solution cell ran but does not define the function          | 0     |
| ``error``              | the function, or its solution cell, raised an exception         | 0     |
| ``syntax_error``       | the solution cell does not compile                              | 0     |
| ``timeout``            | the cell or the function ran past its time limit                | 0     |
| ``submission_timeout`` | the whole submission ran past its total time limit              | 0     |
| ``crashed``            | the process died (``os._exit``, a segfault, a signal)           | 0     |
| ``memory_limit``       | the code ran out of the sandbox's memory                        | 0     |
| ``unreadable_result``  | the function returned data the grader refuses to read           | 0     |
| ``missing_cell``       | the solution cell (its grade_id) is gone from the notebook      | 0     |
| ``reference_delegation`` | the solution uses the course library ``gan_course``           | 0     |
| ``manual``             | a written answer, graded by hand                                | empty |
| ``missing_notebook``   | no ``<assignment>.ipynb`` in the student's folder               | 0     |
| ``misnamed_notebook``  | an ``.ipynb`` with another name instead                         | 0     |
| ``invalid_notebook``   | not valid notebook JSON, or far larger than the assignment      | 0     |
| ``invalid_submission`` | a symlink or special file in the student's folder (not followed)| 0     |
| ``invalid_student_id`` | a folder name nbgrader cannot store (not graded, no gradebook)  | empty |
| ``grader_error``       | the grader itself failed on this submission (regrade it)        | empty |
"""

from __future__ import annotations

from dataclasses import dataclass

from gan_course.course.contract import (  # the statuses of one function: the grading contract
    CRASHED,
    ERROR,
    FAILED,
    MEMORY_LIMIT,
    MISSING_CELL,
    NOT_DEFINED,
    NOT_IMPLEMENTED,
    PASSED,
    REFERENCE_DELEGATION,
    SYNTAX_ERROR,
    TIMEOUT,
    UNREADABLE,
)

SUBMISSION_TIMEOUT = "submission_timeout"
MANUAL = "manual"
MISSING_NOTEBOOK = "missing_notebook"
MISNAMED_NOTEBOOK = "misnamed_notebook"
INVALID_NOTEBOOK = "invalid_notebook"
INVALID_SUBMISSION = "invalid_submission"
INVALID_STUDENT_ID = "invalid_student_id"
GRADER_ERROR = "grader_error"

SUBMISSION_PROBLEMS = (MISSING_NOTEBOOK, MISNAMED_NOTEBOOK, INVALID_NOTEBOOK, INVALID_SUBMISSION, INVALID_STUDENT_ID, GRADER_ERROR)
UNSCORED = (GRADER_ERROR, INVALID_STUDENT_ID)  # the grader could not judge: an empty score, not a 0
FEEDBACK_ERROR = "feedback_error"  # note: graded and recorded, but the feedback HTML is the grader's short page
GRADEBOOK_ERROR = "gradebook_error"  # note: graded, but nbgrader could not record it
MAX_MESSAGE = 2000  # characters of a verdict's message (feedback, autograded notebook)
MAX_NOTE = 64  # characters of one note


def bounded_text(text, limit: int = MAX_MESSAGE) -> str:
    """``text`` as a str of at most ``limit`` characters (an ellipsis marks a cut)."""
    text = text if isinstance(text, str) else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


@dataclass(frozen=True)
class Verdict:
    """The grade of one graded cell: ``score`` is None for manual cells and grader errors."""

    grade_id: str
    status: str
    score: float | None
    max_score: float
    message: str = ""  # shown to the student in the feedback (never the expected answer)
    notes: tuple[str, ...] = ()
    manual: bool = False  # a written answer graded by hand (whatever its status)

    def __post_init__(self) -> None:  # the one place that bounds every text of a verdict
        object.__setattr__(self, "message", bounded_text(self.message))
        object.__setattr__(self, "grade_id", bounded_text(self.grade_id, MAX_NOTE * 2))
        object.__setattr__(self, "notes", tuple(bounded_text(n, MAX_NOTE) for n in self.notes))

    @property
    def csv_status(self) -> str:
        return "+".join((self.status, *self.notes))

    @property
    def passed(self) -> bool:
        return self.status == PASSED


def submission_problem(source, status: str, message: str) -> list["Verdict"]:
    """Verdicts for a submission that could not be graded at all: every autograded cell gets
    ``status`` (0 points, or an empty score for a grader error); manual cells too, since there
    is no answer to grade."""
    score = None if status in UNSCORED else 0.0
    return [Verdict(cell.grade_id, status, score, cell.points, message, manual=cell.manual) for cell in source.graded_cells]
