"""Does `gan-course autograde` give the real course's solutions full marks and its released,
unanswered notebooks zero on every autograded cell, through the whole sandboxed pipeline?"""

from __future__ import annotations

import contextlib
import csv
import io
import shutil

import pytest

from gan_course.course.checks import ASSIGNMENTS
from gan_course.cli import main
from gan_course.paths import source_checkout

ROOT = source_checkout()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_scores_full_marks_and_the_blank_release_scores_zero(assignment, tmp_path):
    submissions = tmp_path / "submissions"
    for student, tree in (("solution", "solutions"), ("blank", "assignments")):
        (submissions / student).mkdir(parents=True)
        shutil.copy(ROOT / tree / assignment / f"{assignment}.ipynb", submissions / student / f"{assignment}.ipynb")
    out = tmp_path / "grades.csv"
    with contextlib.redirect_stdout(io.StringIO()):
        status = main(["autograde", assignment, str(submissions), "--out", str(out), "--workers", "2",
                       "--grading-dir", str(tmp_path / "grading"), "--allow-root"])  # CI runs as root
    assert status == 0
    rows = list(csv.DictReader(out.open()))
    autograded = [row for row in rows if row["status"] != "manual"]
    manual = [row for row in rows if row["status"] == "manual"]
    assert {row["student"] for row in rows} == {"solution", "blank"}
    assert manual and all(row["score"] == "" for row in manual)
    for row in autograded:
        assert row["grade_id"].startswith("test_")
        if row["student"] == "solution":
            assert (row["status"], row["score"]) == ("passed", row["max_score"]), row
        else:
            assert (row["status"], float(row["score"])) == ("not_implemented", 0.0), row
    assert len(autograded) == 2 * len({row["grade_id"] for row in autograded})
