"""Finding, reading and mapping students' submitted notebooks.

Accepted layouts for ``SUBMISSIONS`` (COURSE.md and nbgrader's own tree):

- ``SUBMISSIONS/<student>/<id>.ipynb``;
- ``SUBMISSIONS/submitted/<student>/<id>/<id>.ipynb`` (an nbgrader course directory), or
  ``SUBMISSIONS`` being that ``submitted/`` folder itself.

A student folder without the notebook is ``missing_notebook``; one with another ``.ipynb``
instead is ``misnamed_notebook``; a notebook that is not valid notebook JSON is
``invalid_notebook``. Each is reported, never graded.

Cells are mapped by nbgrader ``grade_id`` only: the grader runs the student's solution cells
and never their copy of a test cell (nbgrader's OverwriteCells semantics), but reports
deleted, edited and reordered test cells as notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .course import SourceNotebook, cell_source, nbgrader_metadata, visible_part

MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024  # larger submissions are refused, not parsed
REFERENCE_PACKAGE = re.compile(r"\bgan_course\b")  # a solution cell may not use the reference library


class InvalidNotebook(Exception):
    """A submission that is not a readable notebook (message says why)."""


@dataclass(frozen=True)
class Submission:
    """One student's notebook for one assignment; ``problem`` is set when there is none."""

    student: str
    path: Path | None
    problem: str | None = None  # "missing_notebook" | "misnamed_notebook"
    detail: str = ""


@dataclass
class CellMap:
    """A submission's cells matched to the source's by grade_id."""

    solutions: dict[str, str] = field(default_factory=dict)  # function -> the student's code
    missing: set[str] = field(default_factory=set)  # solution cells deleted or renamed
    delegating: set[str] = field(default_factory=set)  # solution cells that mention gan_course
    notes: dict[str, list[str]] = field(default_factory=dict)  # graded cell id -> notes


def submissions_root(submissions: Path) -> Path:
    """The folder whose subfolders are students (``submitted/`` when present)."""
    nested = Path(submissions) / "submitted"
    return nested if nested.is_dir() else Path(submissions)


def locate(student_dir: Path, assignment: str) -> Submission:
    """The notebook of one student folder, in either layout."""
    student = student_dir.name
    wanted = f"{assignment}.ipynb"
    for candidate in (student_dir / wanted, student_dir / assignment / wanted):
        if candidate.is_file():
            return Submission(student, candidate)
    others = sorted(p.name for folder in (student_dir, student_dir / assignment) if folder.is_dir() for p in folder.glob("*.ipynb"))
    if others:
        return Submission(student, None, "misnamed_notebook", f"found {', '.join(others)} but not {wanted}")
    return Submission(student, None, "missing_notebook", f"no {wanted}")


def find_submissions(submissions: Path, assignment: str) -> list[Submission]:
    """Every student folder of ``submissions``, sorted by student id."""
    root = submissions_root(submissions)
    students = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    return [locate(p, assignment) for p in students]


def read_submission(path: Path):
    """Parse a submitted notebook (never executes it); raises InvalidNotebook."""
    import nbformat

    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise InvalidNotebook(f"the notebook is {size / 2**20:.0f} MiB; clear its outputs and submit it again")
    try:
        text = path.read_text(encoding="utf-8")
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # noqa: BLE001 - JSON, encoding and nbformat errors alike
        raise InvalidNotebook(f"not a readable notebook ({type(error).__name__}: {str(error)[:200]})") from None
    if not isinstance(notebook.get("cells"), list) or not all(isinstance(c, dict) and "cell_type" in c for c in notebook.cells):
        raise InvalidNotebook("not a notebook: it has no list of cells")
    return notebook


def map_cells(source: SourceNotebook, notebook) -> CellMap:
    """Match the submission's nbgrader cells to the source's and note what changed."""
    mapped = CellMap()
    found: dict[str, object] = {}
    order: list[str] = []
    for cell in notebook.cells:
        grade_id = nbgrader_metadata(cell).get("grade_id")
        if isinstance(grade_id, str) and grade_id not in found:
            found[grade_id] = cell
            order.append(grade_id)
    for function in source.solution_cells:
        cell = found.get(function)
        if cell is None:
            mapped.missing.add(function)
            continue
        code = cell_source(cell)
        mapped.solutions[function] = code
        if REFERENCE_PACKAGE.search(code):
            mapped.delegating.add(function)
    for graded in source.graded_cells:
        if graded.manual:
            continue
        cell = found.get(graded.grade_id)
        if cell is None:
            mapped.notes.setdefault(graded.grade_id, []).append("test_cell_deleted")
        elif visible_part(cell_source(cell)) != source.test_sources.get(graded.grade_id, ""):
            mapped.notes.setdefault(graded.grade_id, []).append("test_cell_edited")
    tests = {g.grade_id for g in source.graded_cells if not g.manual}
    rank = {grade_id: position for position, grade_id in enumerate(source.nbgrader_ids)}
    for moved in moved_cells([i for i in order if i in rank], rank, prefer_moving=tests):
        if moved in tests:
            mapped.notes.setdefault(moved, []).append("test_cells_reordered")
    return mapped


def moved_cells(order: list[str], rank: dict[str, int], *, prefer_moving: set[str]) -> set[str]:
    """The fewest cells whose moving explains ``order`` (a longest subsequence in source
    order stays put); among equally short explanations, cells in ``prefer_moving`` move."""
    n = len(order)
    best: list[tuple[int, int]] = []  # (length, kept cells not in prefer_moving) ending at i
    previous: list[int] = []
    for i, grade_id in enumerate(order):
        own = (1, int(grade_id not in prefer_moving))
        choice, link = own, -1
        for j in range(i):
            if rank[order[j]] < rank[grade_id]:
                candidate = (best[j][0] + 1, best[j][1] + own[1])
                if candidate > choice:
                    choice, link = candidate, j
        best.append(choice)
        previous.append(link)
    kept: set[str] = set()
    i = max(range(n), key=lambda k: best[k]) if n else -1
    while i >= 0:
        kept.add(order[i])
        i = previous[i]
    return set(order) - kept
