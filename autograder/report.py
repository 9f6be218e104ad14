"""The grades CSV of ``gan-course autograde`` (format fixed by COURSE.md).

Columns ``student,assignment,grade_id,score,max_score,status``: one row per student and
graded cell, students sorted by id, cells in notebook order. ``score`` is empty for manually
graded cells (status ``manual``) and for grader errors; see :mod:`autograder.verdict` for the
statuses. The file is written to a temporary file beside the target and renamed over it, so
a reader never sees half a CSV.

Instructors open this file in spreadsheets, which evaluate a cell that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return as a formula (OWASP "CSV injection"): every
such cell is written with a leading ``'``, and control characters become U+FFFD
(:func:`spreadsheet_safe`). Student ids nbgrader
cannot store never reach this file as graded students (:mod:`autograder.notebook`), but the
escaping holds for every cell whatever its origin.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Iterable, Sequence

from gan_course.atomic import atomic_write

from .verdict import Verdict

CSV_MODE = 0o644  # readable by the instructor's other tools whatever the umask
COLUMNS = ("student", "assignment", "grade_id", "score", "max_score", "status")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet evaluates a cell that starts so


CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # a bare CR or tab inside a cell splits rows in some readers


def spreadsheet_safe(cell: str) -> str:
    """``cell`` with a leading ``'`` when a spreadsheet would evaluate it as a formula, and
    control characters (tab, CR, LF...) shown as U+FFFD."""
    cell = str(cell)
    cell = "'" + cell if cell.startswith(FORMULA_STARTS) else cell
    return CONTROL.sub("\ufffd", cell)


def format_points(value: float | None) -> str:
    """``2`` for whole points, ``1.5`` otherwise, empty for no score."""
    if value is None:
        return ""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.10g}"


def csv_rows(assignment: str, graded: Iterable[tuple[str, Sequence[Verdict]]]) -> list[tuple[str, ...]]:
    """Rows for ``(student, verdicts)`` pairs, sorted by student, verdicts kept in order."""
    rows = []
    for student, verdicts in sorted(graded, key=lambda pair: pair[0]):
        for verdict in verdicts:
            rows.append((student, assignment, verdict.grade_id, format_points(verdict.score), format_points(verdict.max_score), verdict.csv_status))
    return rows


def render_csv(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def write_csv(path: Path, rows: Iterable[Sequence[str]]) -> Path:
    """Write the CSV atomically with the library's writer (temporary file in the same folder, fsync, rename)."""
    with atomic_write(path, newline="", permissions=CSV_MODE) as stream:
        stream.write(render_csv(rows))
    return Path(path)
