"""Is the grades CSV exactly COURSE.md's format, sorted, and written atomically?"""

from __future__ import annotations

import csv
import os

import pytest

from autograder import report
from autograder.report import COLUMNS, csv_rows, format_points, write_csv
from autograder.verdict import Verdict


def test_points_are_written_without_needless_decimals():
    assert [format_points(v) for v in (2.0, 0.0, 1.5, None, 0.25)] == ["2", "0", "1.5", "", "0.25"]


def test_rows_are_sorted_by_student_and_keep_the_notebook_order():
    bob = [Verdict("test_b", "passed", 1.0, 1.0), Verdict("test_a", "failed", 0.0, 2.0, notes=("test_cell_edited",))]
    alice = [Verdict("test_b", "timeout", 0.0, 1.0), Verdict("answer", "manual", None, 2.0, manual=True)]
    assert csv_rows("01_vanilla_dcgan", [("bob", bob), ("alice", alice)]) == [
        ("alice", "01_vanilla_dcgan", "test_b", "0", "1", "timeout"),
        ("alice", "01_vanilla_dcgan", "answer", "", "2", "manual"),
        ("bob", "01_vanilla_dcgan", "test_b", "1", "1", "passed"),
        ("bob", "01_vanilla_dcgan", "test_a", "0", "2", "failed+test_cell_edited"),
    ]


def test_the_csv_has_exactly_the_fixed_columns(tmp_path):
    path = write_csv(tmp_path / "out" / "grades.csv", [("alice", "01_vanilla_dcgan", "test_b", "1", "1", "passed")])
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [list(COLUMNS), ["alice", "01_vanilla_dcgan", "test_b", "1", "1", "passed"]]
    assert COLUMNS == ("student", "assignment", "grade_id", "score", "max_score", "status")
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o644)


def test_a_failed_write_leaves_the_previous_csv_whole(tmp_path, monkeypatch):
    path = tmp_path / "grades.csv"
    path.write_text("previous\n")

    def broken(text):  # the disk fills up halfway through
        raise OSError("No space left on device")

    monkeypatch.setattr(report, "render_csv", broken)
    with pytest.raises(OSError):
        write_csv(path, [("a", "b", "c", "1", "1", "passed")])
    assert path.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]
