"""What the autograder reads from an instructor's nbgrader source notebook.

The course layout (COURSE.md, nbgrader cell metadata schema 3):

- ``solutions/<id>/<id>.ipynb`` is the source notebook, ``assignments/<id>/<id>.ipynb`` the
  student version that ``nbgrader generate_assignment`` made from it;
- a graded function's solution cell: ``{"solution": true, "grade": false, "grade_id": "<function>"}``;
- its test cell: ``{"grade": true, "solution": false, "locked": true, "grade_id":
  "test_<function>", "points": n}``, visible tests first, then the hidden block between
  ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``;
- a written answer: a markdown cell ``{"solution": true, "grade": true, "grade_id": ..., "points": n}``
  (graded by hand);
- code the graded functions need (imports, helpers the notebook provides): locked cells
  tagged ``grader-setup`` in ``metadata.tags``. Nothing else is executed by the grader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gan_course.errors import GanCourseError

SETUP_TAG = "grader-setup"
TEST_PREFIX = "test_"
BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"  # nbgrader's ClearHiddenTests delimiters
END_HIDDEN = "END HIDDEN TESTS"


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
    return Path(course_dir) / "solutions" / assignment / f"{assignment}.ipynb"


def released_notebook_path(course_dir: Path, assignment: str) -> Path:
    """``<course>/assignments/<id>/<id>.ipynb``: the student version."""
    return Path(course_dir) / "assignments" / assignment / f"{assignment}.ipynb"


def nbgrader_metadata(cell) -> dict:
    """A cell's ``metadata.nbgrader`` (empty when it has none or it is malformed)."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    value = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return value if isinstance(value, dict) else {}


def cell_tags(cell) -> list[str]:
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def cell_source(cell) -> str:
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    return "".join(source) if isinstance(source, list) else str(source)


def visible_part(source: str) -> str:
    """A test cell without its hidden block, normalised (trailing spaces, blank lines)."""
    lines, hidden = [], False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            hidden = True
        elif END_HIDDEN in line:
            hidden = False
        elif not hidden and line.strip():
            lines.append(line.rstrip())
    return "\n".join(lines)


def read_notebook(path: Path):
    """``nbformat.read`` as version 4."""
    import nbformat

    with open(path, encoding="utf-8") as handle:
        return nbformat.read(handle, as_version=4)


def parse_source(notebook, *, assignment: str, path: Path) -> SourceNotebook:
    """The graded structure of a source notebook; raises CourseError when it breaks the layout."""
    setup, solutions, graded, tests = [], {}, [], {}
    for index, cell in enumerate(notebook.cells):
        meta = nbgrader_metadata(cell)
        grade_id = meta.get("grade_id")
        if cell.cell_type == "code" and SETUP_TAG in cell_tags(cell):
            setup.append(CodeCell(grade_id or f"setup-{len(setup) + 1}", cell_source(cell), index))
            continue
        if not grade_id:
            continue
        if meta.get("solution") and not meta.get("grade"):
            if cell.cell_type != "code":
                raise CourseError(f"{path}: solution cell {grade_id!r} must be a code cell; fix its cell type")
            solutions[grade_id] = CodeCell(grade_id, cell_source(cell), index)
        elif meta.get("grade"):
            points = float(meta.get("points", 0) or 0)
            if meta.get("solution"):
                graded.append(GradedCell(grade_id, points, None, index))
            elif grade_id.startswith(TEST_PREFIX):
                graded.append(GradedCell(grade_id, points, grade_id[len(TEST_PREFIX):], index))
                tests[grade_id] = visible_part(cell_source(cell))
            else:
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
