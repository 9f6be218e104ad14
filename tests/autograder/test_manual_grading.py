"""Does the manual-grading round trip of the README work end to end on a fixture class:
``gan-course autograde``, then the written answers graded through nbgrader's gradebook API
(``python -m autograder.manual``), then ``nbgrader export`` with totals that include them?
"""

from __future__ import annotations

import contextlib
import csv
import io
import subprocess
import sys

import nbformat
import pytest

from autograder.manual import main as manual
from autograder.sandbox import bwrap_path
from gan_course.cli import main

from .course_fixture import ASSIGNMENT, write_class, write_course

ANSWER = "loss_curves_answer"  # the fixture's written answer, 2 points; its autograded cells are worth 3


def _run(command, argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = command(argv)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def autograded(tmp_path_factory):
    """A class of two (the full solution, the blank release) autograded into a fresh gradebook."""
    if bwrap_path() is None:
        pytest.fail("bubblewrap is not installed: `apt-get install bubblewrap` (the autograder's sandbox needs it)")
    root = tmp_path_factory.mktemp("manual_grading")
    course = write_course(root / "course")
    notebooks = {student: nbformat.read(course / tree / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
                 for student, tree in (("full", "solutions"), ("blank", "assignments"))}
    classroom = write_class(root / "class", notebooks)
    grading = root / "grading"
    status, _, _ = _run(main, ["autograde", ASSIGNMENT, str(classroom), "--out", str(root / "grades.csv"),
                               "--course-dir", str(course), "--grading-dir", str(grading), "--allow-root"])  # CI runs as root
    assert status == 0
    return {"root": root, "grading": grading, "csv": list(csv.DictReader((root / "grades.csv").open()))}


def test_autograde_leaves_the_written_answers_to_the_grader(autograded):
    manual_rows = [(r["student"], r["grade_id"], r["score"], r["status"]) for r in autograded["csv"] if r["status"] == "manual"]
    assert sorted(manual_rows) == [("blank", ANSWER, "", "manual"), ("full", ANSWER, "", "manual")]
    status, listed, _ = _run(manual, ["list", ASSIGNMENT, "--grading-dir", str(autograded["grading"])])
    assert status == 0
    assert list(csv.DictReader(io.StringIO(listed))) == [
        {"student": s, "grade_id": ANSWER, "max_score": "2", "score": "", "comment": ""} for s in ("blank", "full")]


def test_bad_scores_are_refused_with_one_line_and_nothing_is_stored(autograded, tmp_path):
    """Is a score above the maximum, or for an unknown student, refused before anything is stored?"""
    for rows, expected in ((f"full,{ANSWER},3\n", "outside 0..2"), (f"nobody,{ANSWER},1\n", "no written answer")):
        scores = tmp_path / "scores.csv"
        scores.write_text(f"student,grade_id,score\nblank,{ANSWER},1\n{rows}")
        status, _, err = _run(manual, ["grade", ASSIGNMENT, str(scores), "--grading-dir", str(autograded["grading"])])
        assert status == 2 and expected in err and err.count("\n") == 1
    _, listed, _ = _run(manual, ["list", ASSIGNMENT, "--grading-dir", str(autograded["grading"])])
    assert all(row["score"] == "" for row in csv.DictReader(io.StringIO(listed)))


def test_nbgrader_export_totals_include_the_manual_points(autograded, tmp_path):
    """The README's round trip: grade the answers, then `nbgrader export` gives auto + manual points."""
    grading = autograded["grading"]
    scores = tmp_path / "answers.csv"
    scores.write_text(f"student,grade_id,max_score,score,comment\nfull,{ANSWER},2,2,all phases named\n"
                      f"blank,{ANSWER},2,0.5,\n")
    status, out, _ = _run(manual, ["grade", ASSIGNMENT, str(scores), "--grading-dir", str(grading)])
    assert status == 0 and "stored 2 manual score(s)" in out
    _, listed, _ = _run(manual, ["list", ASSIGNMENT, "--grading-dir", str(grading)])
    assert [(r["student"], r["score"], r["comment"]) for r in csv.DictReader(io.StringIO(listed))] == [
        ("blank", "0.5", ""), ("full", "2", "all phases named")]
    export = tmp_path / "final.csv"
    subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--CourseDirectory.db_url=sqlite:///{grading / 'gradebook.db'}",
                    "--to", str(export)], cwd=tmp_path, check=True, capture_output=True, timeout=300)
    totals = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(export.open())}
    assert totals == {"full": (3.0 + 2.0, 5.0), "blank": (0.0 + 0.5, 5.0)}
