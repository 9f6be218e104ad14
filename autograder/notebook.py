"""Finding, reading and mapping students' submitted notebooks.

Accepted layouts for ``SUBMISSIONS`` (COURSE.md and nbgrader's own tree):

- ``SUBMISSIONS/<student>/<id>.ipynb`` (or ``SUBMISSIONS/<student>/<id>/<id>.ipynb``);
- an nbgrader course directory ``SUBMISSIONS/submitted/<student>/<id>/<id>.ipynb``, or
  ``SUBMISSIONS`` being that ``submitted/`` folder itself.

The layout is decided from the root's structure, never from a student's name: ``SUBMISSIONS``
is an nbgrader course directory only when ``submitted/`` is a real folder, every other
visible folder is one of nbgrader's own (:data:`NBGRADER_FOLDERS`), and it has another
nbgrader folder or file besides ``submitted/``. A student folder that happens to be called
``submitted`` is one student like the others.

Nothing under the submissions is followed: a student folder that is, or contains, a symlink
or a special file (FIFO, socket, device), or a hard-linked file, is ``invalid_submission``;
a folder name nbgrader cannot store (:data:`SAFE_STUDENT_ID`) is ``invalid_student_id``, in
the CSV and (by absence) the gradebook alike. A student folder without the notebook is
``missing_notebook``; one with another ``.ipynb`` instead is ``misnamed_notebook``; a
notebook that is not valid notebook JSON, or is far larger than any honest one
(:data:`MAX_NOTEBOOK_BYTES`, :data:`MAX_CELLS`, :data:`MAX_SOURCE_CHARS`), is
``invalid_notebook``. Each is reported, never graded.

Cells are mapped by nbgrader ``grade_id`` only: the grader runs the student's solution cells
and never their copy of a test cell (nbgrader's OverwriteCells semantics), but reports
deleted, edited and reordered test cells as notes.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from gan_course.course.contract import cell_source, nbgrader_metadata, uses_reference, visible_part

from .course import SourceNotebook

MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024  # larger submissions are refused, not parsed
MAX_CELLS = 1000  # cells of a submission (the assignments have about 30)
MAX_SOURCE_CHARS = 1024 * 1024  # characters of all cell sources together (the assignments: about 20,000)
MAX_FOLDER_ENTRIES = 10_000  # files and folders scanned in one student folder
MAX_FOLDER_DEPTH = 8  # nesting of folders in one student folder
SAFE_STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")  # usable in nbgrader paths, globs and the CSV
NBGRADER_FOLDERS = frozenset({"submitted", "autograded", "feedback", "source", "release", "downloaded"})
NBGRADER_FILES = frozenset({"nbgrader_config.py", "gradebook.db"})


class InvalidNotebook(Exception):
    """A submission that is not a readable notebook (message says why)."""


@dataclass(frozen=True)
class Submission:
    """One student's notebook for one assignment; ``problem`` is set when there is none."""

    student: str
    path: Path | None
    problem: str | None = None  # "missing_notebook" | "misnamed_notebook" | "invalid_submission" | "invalid_student_id"
    detail: str = ""


@dataclass
class CellMap:
    """A submission's cells matched to the source's by grade_id."""

    solutions: dict[str, str] = field(default_factory=dict)  # function -> the student's code
    missing: set[str] = field(default_factory=set)  # solution cells deleted or renamed
    delegating: set[str] = field(default_factory=set)  # solution cells that mention gan_course
    notes: dict[str, list[str]] = field(default_factory=dict)  # graded cell id -> notes


def _entries(folder: Path, limit: int = MAX_FOLDER_ENTRIES) -> list[os.DirEntry]:
    with os.scandir(folder) as scan:
        entries = []
        for entry in scan:
            entries.append(entry)
            if len(entries) > limit:
                break
        return entries


def _real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def is_nbgrader_course(root: Path) -> bool:
    """Whether ``root`` is an nbgrader course directory (decided from its structure)."""
    if not _real_dir(Path(root) / "submitted"):
        return False
    entries = _entries(Path(root))
    folders = {e.name for e in entries if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")}
    files = {e.name for e in entries if e.is_file(follow_symlinks=False)}
    return folders <= NBGRADER_FOLDERS and bool((folders - {"submitted"}) or files & NBGRADER_FILES)


def submissions_root(submissions: Path) -> Path:
    """The folder whose subfolders are students (``submitted/`` of an nbgrader course directory)."""
    return Path(submissions) / "submitted" if is_nbgrader_course(submissions) else Path(submissions)


def unsafe_entry(student_dir: Path) -> str | None:
    """Why ``student_dir`` must not be read (a symlink, a special or hard-linked file, too
    many entries), or None. Never follows a link."""
    mode = os.lstat(student_dir).st_mode
    if stat.S_ISLNK(mode):
        return "the student folder is a symbolic link"
    pending, seen = [(Path(student_dir), 0)], 0
    while pending:
        folder, depth = pending.pop()
        for entry in _entries(folder):
            seen += 1
            if seen > MAX_FOLDER_ENTRIES:
                return f"more than {MAX_FOLDER_ENTRIES} files and folders"
            relative = Path(entry.path).relative_to(student_dir).as_posix()
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                return f"{relative} is a symbolic link"
            if stat.S_ISDIR(info.st_mode):
                if depth + 1 > MAX_FOLDER_DEPTH:
                    return f"folders nested deeper than {MAX_FOLDER_DEPTH} levels"
                pending.append((Path(entry.path), depth + 1))
            elif not stat.S_ISREG(info.st_mode):
                return f"{relative} is not a regular file (a FIFO, socket or device)"
            elif info.st_nlink > 1:
                return f"{relative} is a hard link ({info.st_nlink} names)"
    return None


def locate(student_dir: Path, assignment: str) -> Submission:
    """The notebook of one student folder, in either layout (nothing followed)."""
    student = student_dir.name
    if not SAFE_STUDENT_ID.match(student):
        return Submission(student, None, "invalid_student_id", "nbgrader cannot store this id: rename the folder to letters, digits and _ . @ - (starting with a letter or digit)")
    problem = unsafe_entry(student_dir)
    if problem is not None:
        return Submission(student, None, "invalid_submission", f"{problem}; the grader follows no links and reads only regular files")
    wanted = f"{assignment}.ipynb"
    for candidate in (student_dir / wanted, student_dir / assignment / wanted):
        try:
            if stat.S_ISREG(os.lstat(candidate).st_mode):
                return Submission(student, candidate)
        except OSError:
            continue
    others = sorted(p.name for folder in (student_dir, student_dir / assignment) if _real_dir(folder) for p in folder.glob("*.ipynb"))
    if others:
        return Submission(student, None, "misnamed_notebook", f"found {', '.join(others)} but not {wanted}")
    return Submission(student, None, "missing_notebook", f"no {wanted}")


def find_submissions(submissions: Path, assignment: str) -> list[Submission]:
    """Every student folder of ``submissions`` (a symlink in its place too), sorted by id."""
    root = submissions_root(submissions)
    students = sorted(
        Path(e.path) for e in _entries(root, limit=10 * MAX_FOLDER_ENTRIES)
        if (e.is_dir(follow_symlinks=False) or e.is_symlink()) and not e.name.startswith((".", "_"))
    )
    return [locate(p, assignment) for p in students]


def read_submission(path: Path):
    """Parse a submitted notebook (never executes it, never follows a link); raises InvalidNotebook."""
    import nbformat

    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise InvalidNotebook(f"cannot be opened as a regular file ({error.strerror})") from None
    with os.fdopen(handle, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InvalidNotebook("is not a regular file")
        if info.st_size > MAX_NOTEBOOK_BYTES:
            raise InvalidNotebook(f"is {info.st_size / 2**20:.0f} MiB; clear its outputs and submit it again")
        data = stream.read(MAX_NOTEBOOK_BYTES + 1)
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise InvalidNotebook("grew while it was read; submit it again")
    try:
        text = data.decode("utf-8")
        cells = json.loads(text).get("cells")  # sizes first: nbformat's validation is slow on huge notebooks
        if isinstance(cells, list) and len(cells) > MAX_CELLS:
            raise InvalidNotebook(f"has {len(cells)} cells (at most {MAX_CELLS}); submit the notebook you were given")
        if isinstance(cells, list) and sum(len(cell_source(c)) for c in cells) > MAX_SOURCE_CHARS:
            raise InvalidNotebook(f"holds more than {MAX_SOURCE_CHARS // 2**20} MiB of cell sources; submit the notebook you were given")
        notebook = nbformat.reads(text, as_version=4)
    except InvalidNotebook:
        raise
    except Exception as error:  # noqa: BLE001 - JSON, encoding and nbformat errors alike
        raise InvalidNotebook(f"is not a readable notebook ({type(error).__name__[:100]}: {str(error)[:200]})") from None
    if not isinstance(notebook.get("cells"), list) or not all(isinstance(c, dict) and "cell_type" in c for c in notebook.cells):
        raise InvalidNotebook("is not a notebook: it has no list of cells")
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
        if uses_reference(code):
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
