"""What the autograder reads from an instructor's nbgrader source notebook.

The layout (which cells count, the ``grader-setup`` tag, ``test_<function>`` cells, the
hidden-test markers, where the notebooks live) is the course's grading contract,
:mod:`gan_course.course.contract`; this module only reads a source notebook with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gan_course.course.contract import (
    ANSWER,
    SETUP,
    SOLUTION,
    TEST,
    cell_role,
    cell_source,
    nbgrader_metadata,
    release_path,
    solution_path,
    tested_function,
    visible_part,
)
from gan_course.errors import GanCourseError

class CourseError(GanCourseError):
    """An instructor's source notebook is missing or does not follow the course layout."""


@dataclass(frozen=True)
class CodeCell:
    """Code the grader runs: a setup cell or a graded function's solution cell."""

    name: str  # grade_id, or "setup-<n>" for an untagged-id setup cell
    code: str
    index: int  # position in its notebook


@dataclass(frozen=True)
class GradedCell:
    """One row of the grades CSV: an autograded test cell or a manually graded answer."""

    grade_id: str
    points: float
    function: str | None  # the graded function of a test cell; None for a manual answer
    index: int

    @property
    def manual(self) -> bool:
        return self.function is None


@dataclass(frozen=True)
class SourceNotebook:
    """The graded structure of one assignment's source notebook."""

    assignment: str
    path: Path
    setup_cells: tuple[CodeCell, ...]
    solution_cells: dict[str, CodeCell]  # function -> the instructor's solution cell
    graded_cells: tuple[GradedCell, ...]  # in notebook order
    test_sources: dict[str, str] = field(default_factory=dict)  # test grade_id -> visible part

    @property
    def functions(self) -> tuple[str, ...]:
        """Graded functions in notebook order."""
        return tuple(cell.function for cell in self.graded_cells if cell.function is not None)

    @property
    def nbgrader_ids(self) -> tuple[str, ...]:
        """Every solution and graded cell id, in notebook order (for reorder detection)."""
        cells = [(c.index, c.name) for c in self.solution_cells.values()] + [(c.index, c.grade_id) for c in self.graded_cells]
        return tuple(name for _, name in sorted(cells))


def source_notebook_path(course_dir: Path, assignment: str) -> Path:
    """``<course>/solutions/<id>/<id>.ipynb``."""
    return solution_path(course_dir, assignment)


def released_notebook_path(course_dir: Path, assignment: str) -> Path:
    """``<course>/assignments/<id>/<id>.ipynb``: the student version."""
    return release_path(course_dir, assignment)


def read_notebook(path: Path):
    """``nbformat.read`` as version 4."""
    import nbformat

    with open(path, encoding="utf-8") as handle:
        return nbformat.read(handle, as_version=4)


def parse_source(notebook, *, assignment: str, path: Path) -> SourceNotebook:
    """The graded structure of a source notebook; raises CourseError when it breaks the layout."""
    setup, solutions, graded, tests = [], {}, [], {}
    for index, cell in enumerate(notebook.cells):
        role = cell_role(cell)
        grade_id = nbgrader_metadata(cell).get("grade_id")
        if role == SETUP:
            setup.append(CodeCell(grade_id or f"setup-{len(setup) + 1}", cell_source(cell), index))
        elif role == SOLUTION:
            if cell.cell_type != "code":
                raise CourseError(f"{path}: solution cell {grade_id!r} must be a code cell; fix its cell type")
            solutions[grade_id] = CodeCell(grade_id, cell_source(cell), index)
        elif role in (TEST, ANSWER):
            points = float(nbgrader_metadata(cell).get("points", 0) or 0)
            function = tested_function(grade_id) if role == TEST else None
            graded.append(GradedCell(grade_id, points, function, index))
            if role == TEST:
                tests[grade_id] = visible_part(cell_source(cell))
        elif nbgrader_metadata(cell).get("grade") and grade_id:
            raise CourseError(
                f"{path}: graded cell {grade_id!r} must be named test_<function> (the test of a graded "
                "function) or be a solution cell (a written answer); rename it"
            )
    for cell in graded:
        if cell.function is not None and cell.function not in solutions:
            raise CourseError(
                f"{path}: test cell {cell.grade_id!r} has no solution cell with grade_id {cell.function!r}; "
                "give the graded function's cell that grade_id"
            )
    if not graded:
        raise CourseError(f"{path}: no graded cell (nbgrader metadata grade: true); is this an nbgrader source notebook?")
    return SourceNotebook(assignment, Path(path), tuple(setup), solutions, tuple(graded), tests)


def read_source(course_dir: Path, assignment: str) -> SourceNotebook:
    """Read ``solutions/<id>/<id>.ipynb`` of the course; raises CourseError naming the fix."""
    path = source_notebook_path(course_dir, assignment)
    if not path.is_file():
        raise CourseError(
            f"no source notebook at {path}: build the course notebooks first, or point --course-dir "
            "(or $GAN_COURSE_COURSE) at the course that has solutions/<assignment>/<assignment>.ipynb"
        )
    try:
        notebook = read_notebook(path)
    except Exception as error:  # noqa: BLE001 - nbformat raises many kinds
        raise CourseError(f"cannot read the source notebook {path} ({error}); rebuild it") from None
    return parse_source(notebook, assignment=assignment, path=path)
