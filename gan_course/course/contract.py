"""The grading contract of the course (COURSE.md), defined once.

Everything that decides *what* is graded lives here, and the build
(:mod:`gan_course.course.build`), the student's self-check (:mod:`gan_course.course.selfcheck`,
``gan-course check``), the instructor's autograder (``autograder/``) and the tests import it:

- the assignment ids and where their files live (``course/<id>.py`` sources,
  ``solutions/<id>/<id>.ipynb`` nbgrader source notebooks, ``assignments/<id>/<id>.ipynb``
  student versions) and the module of each assignment's hidden checks;
- the nbgrader cell layout (schema 3): which cells count (:func:`cell_role`), the
  ``grader-setup`` tag, the ``test_<function>`` naming, the solution and hidden-test markers;
- the reference-use rule: a graded solution cell may not use the course library
  (:func:`uses_reference`, :func:`is_reference_import`);
- the conversion of a cell's IPython syntax to plain Python (:func:`to_python`);
- the environment variable that shrinks training budgets under the grader
  (:mod:`gan_course.budget`).

Cell layout (nbgrader cell metadata schema 3, https://nbgrader.readthedocs.io, 0.9.6):

- a graded function's solution cell: ``{"solution": true, "grade": false, "grade_id": "<function>"}``;
- its test cell: ``{"grade": true, "solution": false, "locked": true, "grade_id": "test_<function>",
  "points": n}``, visible tests first, hidden tests between ``### BEGIN HIDDEN TESTS`` and
  ``### END HIDDEN TESTS``;
- a written answer: a markdown cell ``{"solution": true, "grade": true, "points": n}`` (by hand);
- code the graded functions need: locked code cells tagged ``grader-setup``. Nothing else runs
  under the grader.

This module imports only the standard library (the budget's constants aside), so every tool can
read the contract without torch or nbformat.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from gan_course.budget import BUDGET_VARIABLE, GRADER_BUDGET

ASSIGNMENTS = ("01_vanilla_dcgan", "02_ring_gan", "03_dcgan_faces", "04_wgan_sngan", "05_cgan_losses")
CHECK_MODULES = {  # assignment -> module of gan_course.course.checks holding its CHECKS
    "01_vanilla_dcgan": "a01_vanilla_dcgan",
    "02_ring_gan": "a02_ring_gan",
    "03_dcgan_faces": "a03_dcgan_faces",
    "04_wgan_sngan": "a04_wgan_sngan",
    "05_cgan_losses": "a05_cgan_losses",
}

SOURCE_DIR = "course"  # course/<id>.py: the jupytext percent sources
SOLUTIONS_DIR = "solutions"  # solutions/<id>/<id>.ipynb: nbgrader source notebooks
RELEASE_DIR = "assignments"  # assignments/<id>/<id>.ipynb: student versions

SETUP_TAG = "grader-setup"  # code cells the grader runs before the graded functions
TEST_PREFIX = "test_"  # the test cell of function f has grade_id test_f
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"  # nbgrader's ClearHiddenTests delimiters
BEGIN_HIDDEN, END_HIDDEN = f"### {HIDDEN_BEGIN}", f"### {HIDDEN_END}"  # as the course writes them

REFERENCE_PACKAGE = re.compile(r"\bgan_course\b")  # graded code may not use the reference library

# The status of one graded function, the same in the grader and in `gan-course check`
# (the grader adds its own for whole submissions: autograder/verdict.py).
PASSED = "passed"  # every hidden check passed
FAILED = "failed"  # a check failed (wrong value, shape, gradient, ...)
NOT_IMPLEMENTED = "not_implemented"  # still raises NotImplementedError
NOT_DEFINED = "not_defined"  # the solution cell ran but does not define the function
ERROR = "error"  # the function, or its solution cell, raised an exception
SYNTAX_ERROR = "syntax_error"  # the solution cell does not compile
TIMEOUT = "timeout"  # the cell or the function ran past its time limit
CRASHED = "crashed"  # the process died
MEMORY_LIMIT = "memory_limit"  # the code ran out of memory
MISSING_CELL = "missing_cell"  # the solution cell (its grade_id) is gone from the notebook
REFERENCE_DELEGATION = "reference_delegation"  # the solution cell uses the course library
UNREADABLE = "unreadable_result"  # the function returned data the grader refuses to read

CELL_TIMEOUT = 60.0  # seconds per cell under the grader and check: COURSE.md bounds a notebook by 60 s

# Roles of a cell (cell_role): what the grader does with it.
SETUP, SOLUTION, TEST, ANSWER = "setup", "solution", "test", "answer"

__all__ = [
    "ANSWER", "ASSIGNMENTS", "BEGIN_HIDDEN", "BEGIN_SOLUTION", "BUDGET_VARIABLE", "CHECK_MODULES", "CRASHED", "END_HIDDEN",
    "END_SOLUTION", "ERROR", "FAILED", "GRADER_BUDGET", "HIDDEN_BEGIN", "HIDDEN_END", "MEMORY_LIMIT", "MISSING_CELL",
    "NOT_DEFINED", "NOT_IMPLEMENTED", "PASSED", "REFERENCE_DELEGATION", "REFERENCE_PACKAGE", "SETUP", "SYNTAX_ERROR", "TIMEOUT",
    "SETUP_TAG", "SOLUTION", "TEST", "TEST_PREFIX", "UNREADABLE", "CELL_TIMEOUT", "cell_role", "cell_source", "cell_tags", "delegation_message",
    "is_reference_import", "nbgrader_metadata", "release_path", "require_assignment", "solution_path", "source_path",
    "split_test", "tested_function", "to_python", "uses_reference", "visible_part",
]


def require_assignment(assignment: str) -> str:
    """``assignment`` itself when it is one of :data:`ASSIGNMENTS`; else a ValueError naming them."""
    if assignment not in ASSIGNMENTS:
        raise ValueError(f"unknown assignment {assignment!r}; choose one of: {', '.join(ASSIGNMENTS)}")
    return assignment


def source_path(course_dir: Path, assignment: str) -> Path:
    """``<course>/course/<id>.py``: the jupytext source of an assignment."""
    return Path(course_dir) / SOURCE_DIR / f"{assignment}.py"


def solution_path(course_dir: Path, assignment: str) -> Path:
    """``<course>/solutions/<id>/<id>.ipynb``: the instructor's nbgrader source notebook."""
    return Path(course_dir) / SOLUTIONS_DIR / assignment / f"{assignment}.ipynb"


def release_path(course_dir: Path, assignment: str) -> Path:
    """``<course>/assignments/<id>/<id>.ipynb``: the student version."""
    return Path(course_dir) / RELEASE_DIR / assignment / f"{assignment}.ipynb"


# --- reading cells (plain JSON dicts or nbformat nodes alike) -------------------------------------


def nbgrader_metadata(cell: Any) -> dict:
    """A cell's ``metadata.nbgrader`` (empty when it has none or it is malformed)."""
    metadata = cell.get("metadata") if isinstance(cell, Mapping) else None
    value = metadata.get("nbgrader") if isinstance(metadata, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def cell_tags(cell: Any) -> list[str]:
    """A cell's ``metadata.tags`` (strings only)."""
    metadata = cell.get("metadata") if isinstance(cell, Mapping) else None
    tags = metadata.get("tags") if isinstance(metadata, Mapping) else None
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def cell_source(cell: Any) -> str:
    """A cell's source as one string (notebook JSON may store a list of lines)."""
    source = cell.get("source", "") if isinstance(cell, Mapping) else ""
    return "".join(source) if isinstance(source, list) else str(source)


def cell_role(cell: Any) -> str | None:
    """What the grader does with a cell: :data:`SETUP` (run before the graded functions),
    :data:`SOLUTION` (a graded function's code, runs when it does not use the library),
    :data:`TEST` (the test cell ``test_<function>``), :data:`ANSWER` (a written answer, by
    hand), or None (never run by the grader: plots, training, text)."""
    if not isinstance(cell, Mapping):
        return None
    code = cell.get("cell_type") == "code"
    if code and SETUP_TAG in cell_tags(cell):
        return SETUP
    meta = nbgrader_metadata(cell)
    grade_id = meta.get("grade_id")
    if not isinstance(grade_id, str) or not grade_id:
        return None
    if meta.get("solution") and not meta.get("grade"):
        return SOLUTION
    if meta.get("grade"):
        if meta.get("solution"):
            return ANSWER
        if code and grade_id.startswith(TEST_PREFIX):
            return TEST
    return None


def tested_function(grade_id: str) -> str | None:
    """The function a test cell's ``grade_id`` (``test_<function>``) tests, else None."""
    return grade_id[len(TEST_PREFIX):] if grade_id.startswith(TEST_PREFIX) and len(grade_id) > len(TEST_PREFIX) else None


def split_test(code: str) -> tuple[str, str]:
    """``(visible part, hidden part)`` of a test cell's code, line by line as nbgrader splits it."""
    visible, hidden, inside = [], [], False
    for line in code.split("\n"):
        if HIDDEN_BEGIN in line:
            inside = True
        elif HIDDEN_END in line:
            inside = False
        else:
            (hidden if inside else visible).append(line)
    return "\n".join(visible), "\n".join(hidden)


def visible_part(code: str) -> str:
    """A test cell without its hidden block, normalised (trailing spaces and blank lines
    dropped): what the student sees, for edit detection."""
    return "\n".join(line.rstrip() for line in split_test(code)[0].split("\n") if line.strip())


# --- the reference-use rule ------------------------------------------------------------------------


def uses_reference(code: str) -> bool:
    """True when graded code mentions the course library (``gan_course``): no credit."""
    return bool(REFERENCE_PACKAGE.search(code))


def is_reference_import(error: Mapping) -> bool:
    """An ImportError of the course library: the solution delegated to the reference."""
    text = f"{error.get('module', '')} {error.get('message', '')}"
    return error.get("type") in {"ModuleNotFoundError", "ImportError"} and "gan_course" in text


def delegation_message(function: str) -> str:
    """The diagnosis of a function whose cell uses the course library."""
    return (
        f"The cell of `{function}` uses the course library `gan_course`. Graded functions must be your own "
        "implementation (torch, numpy and the notebook's helpers are fine); the library is not available to the grader."
    )


# --- running a cell's code ---------------------------------------------------------------------------


def to_python(code: str) -> str:
    """A cell's IPython syntax (``%magic``, ``!shell``) as plain Python calls on ``get_ipython()``."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # IPython comes with Jupyter; without it, magics become no-ops
        return "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in code.split("\n"))
    try:
        return TransformerManager().transform_cell(code)
    except Exception:  # noqa: BLE001 - leave it to the compiler to report
        return code
