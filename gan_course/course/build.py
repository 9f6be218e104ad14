"""Build the course's generated notebook trees from their one source of truth.

Each assignment ``<id>`` (COURSE.md) is written once, as a jupytext percent file
``course/<id>.py`` whose cell headers carry the nbgrader metadata (schema 3), e.g.::

    # %% nbgrader={"grade": false, "grade_id": "discriminator_loss", "locked": false, "schema_version": 3, "solution": true}

From it :func:`build` writes, under the course directory (:func:`gan_course.paths.course_dir`):

- ``solutions/<id>/<id>.ipynb``: the instructor's nbgrader *source* notebook (solution
  regions, visible and hidden tests, model written answers), without outputs;
- ``assignments/<id>/<id>.ipynb``: the student version, made by nbgrader's own
  ``generate_assignment`` in a temporary nbgrader course (no solutions, no hidden tests).

The output is deterministic (same bytes on every run): outputs and execution counts are
cleared, jupytext's bookkeeping is stripped, cell ids are derived from the ``grade_id`` (or the
cell's position), and the notebook metadata is fixed. ``check=True`` compares instead of
writing, so a test (and CI) can fail when the committed trees are stale.

Sources as jupytext percent files follow TinyTorch's layout; the student version is nbgrader's
(Jupyter Development Team, https://nbgrader.readthedocs.io, version 0.9.6).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from gan_course import paths
from gan_course.atomic import write_bytes_atomic
from gan_course.errors import GanCourseError

from . import contract
from .contract import (
    ASSIGNMENTS,
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    SETUP_TAG,
    TEST_PREFIX,
    nbgrader_metadata as nbgrader_meta,
    uses_reference,
)

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}
NBFORMAT_MINOR = 5  # cell ids (nbformat 4.5)
CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")  # nbformat 4.5 cell id
VOLATILE_CELL_KEYS = ("lines_to_next_cell", "execution", "collapsed", "scrolled", "ExecuteTime")


class CourseBuildError(GanCourseError):
    """A course source is missing or breaks the nbgrader layout of COURSE.md."""


@dataclass
class BuildReport:
    """What :func:`build` wrote (or, with ``check``/``dry_run``, would write).

    ``files`` maps every generated path to its bytes; ``stale`` lists those whose committed
    copy differs or is missing (only filled with ``check=True``).
    """

    files: dict[Path, bytes] = field(default_factory=dict)
    stale: list[Path] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def source_path(assignment: str, *, course_dir: Path | None = None) -> Path:
    """``<course>/course/<id>.py``."""
    return contract.source_path(course_dir or paths.course_dir(), assignment)


def solution_path(assignment: str, *, course_dir: Path | None = None) -> Path:
    """``<course>/solutions/<id>/<id>.ipynb`` (the nbgrader source notebook)."""
    return contract.solution_path(course_dir or paths.course_dir(), assignment)


def release_path(assignment: str, *, course_dir: Path | None = None) -> Path:
    """``<course>/assignments/<id>/<id>.ipynb`` (the student version)."""
    return contract.release_path(course_dir or paths.course_dir(), assignment)


def _require(module: str):
    try:
        return __import__(module)
    except ImportError:
        raise CourseBuildError(f"building the course needs {module}, which is not installed; "
                               "install the instructor extras: pip install 'gan-course[course]'") from None


def normalise(notebook):
    """A copy of ``notebook`` with every volatile part fixed: no outputs, no execution counts,
    no jupytext bookkeeping, ids from grade_id (else position), fixed kernelspec."""
    nb = copy.deepcopy(notebook)
    nb.nbformat, nb.nbformat_minor = 4, NBFORMAT_MINOR
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    for index, cell in enumerate(nb.cells):
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            if not cell.get("attachments"):
                cell.pop("attachments", None)
        grade_id = nbgrader_meta(cell).get("grade_id")
        cell["id"] = grade_id if isinstance(grade_id, str) and CELL_ID.match(grade_id) else f"cell-{index:03d}"
    return nb


def read_source(path: Path):
    """The jupytext percent source at ``path`` as a normalised notebook."""
    jupytext = _require("jupytext")
    if not Path(path).is_file():
        raise CourseBuildError(f"no course source at {path}; write it (a jupytext percent file) or pick an "
                               f"assignment among: {', '.join(ASSIGNMENTS)}")
    return normalise(jupytext.read(str(path), fmt="py:percent"))


def _where(path: Path, index: int, cell) -> str:
    grade_id = nbgrader_meta(cell).get("grade_id")
    return f"{path}: cell {index}" + (f" ({grade_id})" if grade_id else "")


def validate(notebook, *, path: Path) -> None:
    """Raise CourseBuildError unless ``notebook`` follows the course's nbgrader layout.

    Solution cells keep their body between ``### BEGIN/END SOLUTION``; test cells are locked,
    have points and a hidden block; written answers are graded markdown solution cells with
    points; ``grader-setup`` cells are locked; graded and setup code never uses the library.
    """
    seen: set[str] = set()
    for index, cell in enumerate(notebook.cells):
        meta, where, source = nbgrader_meta(cell), _where(path, index, cell), cell.source
        tags = cell.metadata.get("tags", [])
        if SETUP_TAG in tags:
            if cell.cell_type != "code" or not meta.get("locked") or meta.get("solution") or meta.get("grade"):
                raise CourseBuildError(f"{where}: a {SETUP_TAG} cell must be a locked code cell that is neither "
                                       "solution nor graded; fix its nbgrader header")
            if uses_reference(source):
                raise CourseBuildError(f"{where}: a {SETUP_TAG} cell may not use gan_course (the grader's sandbox "
                                       "cannot import it); write the helper in plain torch")
        if not meta:
            continue
        grade_id = meta.get("grade_id")
        if not isinstance(grade_id, str) or not CELL_ID.match(grade_id):
            raise CourseBuildError(f"{where}: every nbgrader cell needs a grade_id of letters, digits, - and _")
        if grade_id in seen:
            raise CourseBuildError(f"{where}: grade_id {grade_id!r} is used twice; grade_ids must be unique")
        seen.add(grade_id)
        if meta.get("schema_version") != 3:
            raise CourseBuildError(f"{where}: nbgrader metadata needs \"schema_version\": 3")
        solution, graded = bool(meta.get("solution")), bool(meta.get("grade"))
        if graded and not float(meta.get("points", 0) or 0) > 0:
            raise CourseBuildError(f"{where}: a graded cell needs \"points\" > 0")
        if cell.cell_type == "code" and solution:
            if graded:
                raise CourseBuildError(f"{where}: a code cell cannot be solution and graded at once in this course; "
                                       "put the tests in their own test_<name> cell")
            if BEGIN_SOLUTION not in source or END_SOLUTION not in source:
                raise CourseBuildError(f"{where}: a solution cell needs its body between '{BEGIN_SOLUTION}' and "
                                       f"'{END_SOLUTION}' (signature and docstring outside)")
            if uses_reference(source):
                raise CourseBuildError(f"{where}: a solution cell may not mention gan_course (the grader refuses "
                                       "credit to code that uses the reference library)")
        elif cell.cell_type == "code" and graded:
            if not grade_id.startswith(TEST_PREFIX) or not meta.get("locked"):
                raise CourseBuildError(f"{where}: an autograded test cell must be locked and named test_<function>")
            if BEGIN_HIDDEN not in source or END_HIDDEN not in source:
                raise CourseBuildError(f"{where}: a test cell needs its hidden checks between '{BEGIN_HIDDEN}' and "
                                       f"'{END_HIDDEN}'")
        elif cell.cell_type == "markdown" and graded and not solution:
            raise CourseBuildError(f"{where}: a written answer must be a solution cell too (\"solution\": true)")


@contextlib.contextmanager
def _scripts_on_path() -> Iterator[None]:
    """nbgrader runs the ``alembic`` script when it creates its gradebook: find the one of
    this Python's environment."""
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + old
    try:
        yield
    finally:
        os.environ["PATH"] = old


def release(sources: dict[str, object]) -> dict[str, object]:
    """Student versions of ``{assignment: source notebook}`` made by nbgrader's
    ``generate_assignment`` in a temporary nbgrader course (gradebook included, then deleted)."""
    nbformat = _require("nbformat")
    _require("nbgrader")
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    released = {}
    with tempfile.TemporaryDirectory(prefix="gan-course-build-") as tmp, _scripts_on_path():
        root = Path(tmp)
        config = Config()
        config.CourseDirectory.root = str(root)
        config.CourseDirectory.source_directory = "source"
        config.CourseDirectory.release_directory = "release"
        config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
        config.Exchange.root = str(root / "exchange")
        api = NbGraderAPI(config=config)
        for assignment, notebook in sources.items():
            target = root / "source" / assignment / f"{assignment}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, str(target))
            result = api.generate_assignment(assignment, force=True, create=True)
            out = root / "release" / assignment / f"{assignment}.ipynb"
            if not result.get("success") or not out.is_file():
                log = (result.get("error") or result.get("log") or "").strip().splitlines()[-12:]
                raise CourseBuildError(f"nbgrader generate_assignment failed for {assignment}; fix the source "
                                       f"course/{assignment}.py. nbgrader said:\n" + "\n".join(log))
            released[assignment] = normalise(nbformat.read(str(out), as_version=4))
    return released


def render(notebook) -> bytes:
    """The notebook's canonical bytes (nbformat's JSON, sorted keys, one trailing newline)."""
    nbformat = _require("nbformat")
    nbformat.validate(notebook)
    return (nbformat.writes(notebook).rstrip("\n") + "\n").encode("utf-8")


def build(*, course_dir: Path | None = None, out_dir: Path | None = None, assignments: Sequence[str] = ASSIGNMENTS,
          check: bool = False, dry_run: bool = False) -> BuildReport:
    """Regenerate ``solutions/`` and ``assignments/`` from ``course/<id>.py``.

    course_dir: where ``course/`` lives (default :func:`gan_course.paths.course_dir`).
    out_dir: where the trees go (default ``course_dir``).
    check: write nothing; report in ``stale`` every file under ``out_dir`` that differs.
    dry_run: read and validate the sources only (no nbgrader run, nothing written).
    """
    course_dir = Path(course_dir or paths.course_dir())
    out_dir = Path(out_dir or course_dir)
    unknown = [a for a in assignments if a not in ASSIGNMENTS]
    if unknown:
        raise CourseBuildError(f"unknown assignment(s) {', '.join(unknown)}; choose among: {', '.join(ASSIGNMENTS)}")
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    sources = {}
    for assignment in assignments:
        path = source_path(assignment, course_dir=course_dir)
        sources[assignment] = read_source(path)
        validate(sources[assignment], path=path)
    report = BuildReport()
    if dry_run:
        for assignment in assignments:
            report.files[solution_path(assignment, course_dir=out_dir)] = b""
            report.files[release_path(assignment, course_dir=out_dir)] = b""
        return report
    released = release(sources)
    for assignment in assignments:
        report.files[solution_path(assignment, course_dir=out_dir)] = render(sources[assignment])
        report.files[release_path(assignment, course_dir=out_dir)] = render(released[assignment])
    for target, content in report.files.items():
        current = target.read_bytes() if target.is_file() else None
        if check:
            if current != content:
                report.stale.append(target)
        elif current != content:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(target, content)
            report.written.append(target)
    return report


def graded_cells(notebook) -> list[dict]:
    """``[{"grade_id", "kind", "points"}]`` of the graded cells (kind: "autograded" | "manual")."""
    rows = []
    for cell in notebook.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade"):
            rows.append({"grade_id": meta["grade_id"], "points": meta.get("points", 0),
                         "kind": "manual" if meta.get("solution") else "autograded"})
    return rows


__all__ = [
    "ASSIGNMENTS", "BuildReport", "CourseBuildError", "build", "graded_cells", "normalise", "read_source",
    "release", "release_path", "render", "solution_path", "source_path", "validate",
]
