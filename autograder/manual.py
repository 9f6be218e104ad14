"""Manual grading of the written answers, through nbgrader's own gradebook API.

After ``gan-course autograde`` the gradebook (``GRADING_DIR/gradebook.db``) holds every
autograded score, and every written answer as a grade that *needs manual grading*. Grade them
in nbgrader's formgrader, or from a CSV with this module (``nbgrader.api.Gradebook``, the API
formgrader itself writes through)::

    python -m autograder.manual list 04_wgan_sngan --grading-dir grading > answers.csv
    # fill in the score column (and optionally comment), using the rubric in solutions/
    python -m autograder.manual grade 04_wgan_sngan answers.csv --grading-dir grading
    nbgrader export --CourseDirectory.db_url=sqlite:///$PWD/grading/gradebook.db --to final.csv

``answers.csv`` has the columns ``student,grade_id,max_score,score,comment``; rows whose score
is empty are left ungraded. ``nbgrader export`` then writes each student's total, written
answers included.
"""

from __future__ import annotations

import argparse
import csv
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from gan_course.errors import GanCourseError

COLUMNS = ("student", "grade_id", "max_score", "score", "comment")


class ManualGradingError(GanCourseError):
    """A score that cannot be recorded (unknown student or answer, out of range, no gradebook)."""


@dataclass(frozen=True)
class WrittenAnswer:
    """One student's written answer in the gradebook: its maximum, and its manual score (None: ungraded)."""

    student: str
    grade_id: str
    max_score: float
    score: float | None
    comment: str


def _gradebook(path: Path):
    from nbgrader.api import Gradebook

    if not Path(path).is_file():
        raise ManualGradingError(f"no gradebook at {path}: run `gan-course autograde` first, or pass --gradebook")
    return Gradebook(f"sqlite:///{Path(path).resolve()}")


def _manual_grades(gradebook, assignment: str):
    """(student, Grade, Comment) of every manually graded cell of ``assignment`` (notebook = assignment id)."""
    try:
        submission = gradebook.find_assignment(assignment)
    except Exception:  # noqa: BLE001 - nbgrader raises MissingEntry
        raise ManualGradingError(f"the gradebook has no assignment {assignment!r}: autograde it first") from None
    for assigned in submission.submissions:
        for notebook in assigned.notebooks:
            comments = {c.name: c for c in notebook.comments}
            for grade in notebook.grades:
                if grade.cell.cell_type == "markdown":
                    yield assigned.student_id, grade, comments.get(grade.name)


def written_answers(gradebook_path: Path, assignment: str) -> list[WrittenAnswer]:
    """Every student's written answers of ``assignment``, sorted by student and cell."""
    with _gradebook(gradebook_path) as gradebook, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy's autoflush chatter inside nbgrader
        rows = [WrittenAnswer(student, grade.name, float(grade.max_score), grade.manual_score,
                              (comment.manual_comment or "") if comment is not None else "")
                for student, grade, comment in _manual_grades(gradebook, assignment)]
    return sorted(rows, key=lambda r: (r.student, r.grade_id))


def record_scores(gradebook_path: Path, assignment: str, scores: Iterable[dict]) -> int:
    """Store manual scores (dicts with ``student``, ``grade_id``, ``score``, optional ``comment``);
    rows with an empty score are skipped. Returns how many were stored. Checks every row
    before storing any."""
    with _gradebook(gradebook_path) as gradebook, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cells = {(student, grade.name): (grade, comment) for student, grade, comment in _manual_grades(gradebook, assignment)}
        updates = []
        for line, row in enumerate(scores, start=2):
            text = str(row.get("score") or "").strip()
            if not text:
                continue
            key = (str(row.get("student", "")).strip(), str(row.get("grade_id", "")).strip())
            if key not in cells:
                raise ManualGradingError(f"row {line}: {key[0]!r} has no written answer {key[1]!r} in {assignment}; "
                                         "list them with `python -m autograder.manual list`")
            grade, comment = cells[key]
            try:
                score = float(text)
            except ValueError:
                raise ManualGradingError(f"row {line}: score {text!r} is not a number") from None
            if not 0 <= score <= grade.max_score:
                raise ManualGradingError(f"row {line}: score {score:g} is outside 0..{grade.max_score:g} for {key[1]}")
            updates.append((grade, comment, score, str(row.get("comment") or "").strip()))
        for grade, comment, score, remark in updates:
            grade.manual_score = score
            grade.needs_manual_grade = False
            if comment is not None and remark:
                comment.manual_comment = remark
        gradebook.db.commit()
    return len(updates)


def _gradebook_path(args: argparse.Namespace) -> Path:
    from gan_course.paths import grading_dir

    if args.gradebook:
        return args.gradebook.expanduser().resolve()
    return (args.grading_dir or grading_dir()).expanduser().resolve() / "gradebook.db"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m autograder.manual list|grade``; returns the exit status (2 with one line for bad input)."""
    parser = argparse.ArgumentParser(prog="python -m autograder.manual", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("list", "print the written answers as CSV (student,grade_id,max_score,score,comment)"),
                            ("grade", "store the scores of a CSV in that format in the gradebook")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("assignment", help="assignment id, e.g. 04_wgan_sngan")
        if name == "grade":
            command.add_argument("scores", type=Path, help="CSV with student,grade_id,score[,comment]")
        command.add_argument("--grading-dir", type=Path, help="autograde's --grading-dir (default: $GAN_COURSE_GRADING)")
        command.add_argument("--gradebook", type=Path, help="the gradebook database (default: GRADING_DIR/gradebook.db)")
    args = parser.parse_args(argv)
    try:
        path = _gradebook_path(args)
        if args.command == "list":
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(COLUMNS)
            for a in written_answers(path, args.assignment):
                writer.writerow([a.student, a.grade_id, f"{a.max_score:g}", "" if a.score is None else f"{a.score:g}", a.comment])
            return 0
        if not args.scores.is_file():
            raise ManualGradingError(f"no scores file {args.scores}")
        with args.scores.open(newline="", encoding="utf-8") as handle:
            stored = record_scores(path, args.assignment, csv.DictReader(handle))
        print(f"stored {stored} manual score(s) for {args.assignment} in {path}")
        return 0
    except GanCourseError as error:
        print(f"python -m autograder.manual: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
