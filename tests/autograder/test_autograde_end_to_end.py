"""Does ``gan-course autograde`` grade a whole class exactly, safely and reproducibly?

The class (tests/autograder/course_fixture.py) holds a full solution, the blank released
notebook, every failure mode (syntax error, exception, infinite loop, ``os._exit``, memory
bomb, gigabytes of output, invalid JSON, missing and misnamed notebooks, deleted, edited and
reordered test cells, a deleted solution cell) and every tampering attempt (reading secrets,
writing outside the scratch directory, delegating to ``gan_course``, an IPython input
transformer with redefined test helpers and a patched torch; one student uses nbgrader's
``<student>/<assignment>/`` layout). It is graded twice through ``gan_course.cli.main``:
once with one worker, then again with two workers into the same gradebook.

Set ``GAN_COURSE_E2E_SOURCE`` to a source notebook of 01_vanilla_dcgan (e.g. the course's
``solutions/01_vanilla_dcgan/01_vanilla_dcgan.ipynb``) to grade the same class built from it.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

from autograder.course import read_source
from autograder.sandbox import bwrap_path
from gan_course.cli import main
from gan_course.paths import source_checkout

from .course_fixture import ASSIGNMENT, EXPECTED_TARGET_STATUS, NOTEBOOK_PROBLEMS, class_submissions, expected_csv, tree_hash, write_class, write_course

CELL_TIMEOUT = "5"  # seconds: the infinite loop costs this much
HIDDEN_MARKERS = ("HIDDEN TESTS", f'check("{ASSIGNMENT}"')


def _autograde(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["autograde", ASSIGNMENT, *args, "--allow-root"])  # CI runs as root
    return status, out.getvalue()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Build the course and the class, grade it with 1 then 2 workers; what the tests inspect."""
    if bwrap_path() is None:
        pytest.fail("bubblewrap is not installed: `apt-get install bubblewrap` (the autograder's sandbox needs it)")
    root = tmp_path_factory.mktemp("autograde_e2e")
    source = os.environ.get("GAN_COURSE_E2E_SOURCE")
    course = write_course(root / "course", source=Path(source) if source else None)
    grading = root / "grading"
    solution = course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    released = course / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    secrets = [str(solution), str(source_checkout() / "autograder" / "checks" / "base.py"), str(grading / "gradebook.db")]
    writes = [str(root / "pwned.txt"), str(course / "pwned.txt"), str(grading / "pwned.txt")]
    other = str(root / "class" / "full" / f"{ASSIGNMENT}.ipynb")
    classroom = write_class(root / "class", class_submissions(solution, released, secrets=secrets, writes=writes, other=other))
    before = {"course": tree_hash(course), "class": tree_hash(classroom)}
    common = ["--course-dir", str(course), "--grading-dir", str(grading), "--timeout", CELL_TIMEOUT]
    first = _autograde(str(classroom), "--out", str(root / "grades.csv"), *common)
    second = _autograde(str(classroom), "--out", str(root / "grades_2_workers.csv"), "--workers", "2", *common)
    return {
        "root": root,
        "course": course,
        "class": classroom,
        "grading": grading,
        "before": before,
        "writes": writes,
        "source": read_source(course, ASSIGNMENT),
        "runs": [first, second],
    }


def test_the_batch_completes_with_exit_status_zero(graded):
    assert [status for status, _ in graded["runs"]] == [0, 0]


def test_the_csv_is_exactly_the_expected_one(graded):
    cells = [(c.grade_id, c.points, c.function) for c in graded["source"].graded_cells]
    assert (graded["root"] / "grades.csv").read_text() == expected_csv(cells)


def test_regrading_with_two_workers_gives_the_identical_csv(graded):
    assert (graded["root"] / "grades_2_workers.csv").read_bytes() == (graded["root"] / "grades.csv").read_bytes()


def test_the_instructor_sources_and_the_submissions_are_unchanged(graded):
    assert tree_hash(graded["course"]) == graded["before"]["course"]
    assert tree_hash(graded["class"]) == graded["before"]["class"]


def test_student_code_wrote_nothing_outside_its_sandbox(graded):
    assert [path for path in graded["writes"] if Path(path).exists()] == []


def test_every_student_gets_feedback_without_the_hidden_tests(graded):
    students = sorted(set(EXPECTED_TARGET_STATUS) | set(NOTEBOOK_PROBLEMS))
    for student in students:
        page = graded["grading"] / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert page.is_file(), student
        text = page.read_text(encoding="utf-8")
        assert not [marker for marker in HIDDEN_MARKERS if marker in text], student
    wrong = (graded["grading"] / "feedback" / "wrong_sum" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    assert "average over the batch" in wrong  # the check's teaching message reaches the student
    missing = (graded["grading"] / "feedback" / "missing" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    assert "missing_notebook" in missing


def test_the_gradebook_holds_exactly_the_grader_scores(graded):
    """nbgrader's SaveAutoGrades stored our verdicts; ungradable submissions are not 0.0 entries."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{graded['grading'] / 'gradebook.db'}") as gradebook:
        def auto(student: str, grade_id: str):
            return gradebook.find_grade(grade_id, ASSIGNMENT, ASSIGNMENT, student).auto_score

        assert (auto("full", "test_discriminator_loss"), auto("full", "test_generator_loss")) == (2.0, 1.0)
        assert (auto("wrong_sum", "test_discriminator_loss"), auto("wrong_sum", "test_generator_loss")) == (0.0, 1.0)
        assert auto("deleted_test_cell", "test_discriminator_loss") == 2.0
        assert auto("crash_exit", "test_discriminator_loss") == 0.0
        assert gradebook.find_grade("test_discriminator_loss", ASSIGNMENT, ASSIGNMENT, "deleted_test_cell").needs_manual_grade is False
        for student in NOTEBOOK_PROBLEMS:
            with pytest.raises(MissingEntry):
                gradebook.find_submission(ASSIGNMENT, student)


def test_progress_reports_each_submission_with_its_time_and_a_summary(graded):
    _, output = graded["runs"][0]
    count = len(EXPECTED_TARGET_STATUS) + len(NOTEBOOK_PROBLEMS)
    assert len(re.findall(rf"^\[\d+/{count}\] \S+: [\d.]+/3 autograded points in [\d.]+ s", output, flags=re.M)) == count
    assert re.search(rf"graded {count} submission\(s\) in [\d.]+ s \([\d.]+ s per submission", output)


def test_a_failed_regrade_does_not_keep_the_old_score(tmp_path):
    """A passing submission, then an unreadable one for the same student: no stale grade."""
    from nbgrader.api import Gradebook, MissingEntry

    course = write_course(tmp_path / "course")
    notebook = course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    (tmp_path / "class" / "alice").mkdir(parents=True)
    target = tmp_path / "class" / "alice" / f"{ASSIGNMENT}.ipynb"
    target.write_bytes(notebook.read_bytes())
    args = [str(tmp_path / "class"), "--out", str(tmp_path / "grades.csv"), "--course-dir", str(course), "--grading-dir", str(tmp_path / "grading")]
    assert _autograde(*args)[0] == 0
    assert "alice,01_vanilla_dcgan,test_discriminator_loss,2,2,passed" in (tmp_path / "grades.csv").read_text()
    target.write_text("{ not json")
    assert _autograde(*args)[0] == 0
    assert "alice,01_vanilla_dcgan,test_discriminator_loss,0,2,invalid_notebook" in (tmp_path / "grades.csv").read_text()
    with Gradebook(f"sqlite:///{tmp_path / 'grading' / 'gradebook.db'}") as gradebook:
        with pytest.raises(MissingEntry):
            gradebook.find_submission(ASSIGNMENT, "alice")


def test_dry_run_lists_the_class_and_writes_nothing(tmp_path):
    course = write_course(tmp_path / "course")
    (tmp_path / "class" / "bob").mkdir(parents=True)
    status, output = _autograde(str(tmp_path / "class"), "--out", str(tmp_path / "grades.csv"), "--course-dir", str(course), "--grading-dir", str(tmp_path / "grading"), "--dry-run")
    assert status == 0
    assert "test_discriminator_loss: 2 point(s), autograded (function discriminator_loss)" in output
    assert "student bob: missing_notebook" in output
    assert not (tmp_path / "grades.csv").exists() and not (tmp_path / "grading").exists()


def test_an_unknown_assignment_is_a_one_line_error(tmp_path, capsys):
    course = write_course(tmp_path / "course")
    (tmp_path / "class").mkdir()
    status = main(["autograde", "06_diffusion", str(tmp_path / "class"), "--out", str(tmp_path / "g.csv"), "--course-dir", str(course)])
    assert status == 2
    assert "06_diffusion" in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()


def test_the_course_nbgrader_config_defuses_nbgrader_traps():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(source_checkout())).load_config()
    assert config.IgnorePattern.enabled is True and re.search(config.IgnorePattern.pattern, "UserWarning: x")
    assert config.OverwriteCells.add_missing_cells is True
    assert "nbgrader.preprocessors.ClearHiddenTests" in config.GenerateFeedback.preprocessors
    assert config.ExecutePreprocessor.timeout == 60
    assert (config.CourseDirectory.source_directory, config.CourseDirectory.release_directory) == ("solutions", "assignments")


def test_a_memory_limit_too_small_for_torch_is_refused_before_grading(tmp_path, capsys):
    course = write_course(tmp_path / "course")
    (tmp_path / "class" / "alice").mkdir(parents=True)
    (tmp_path / "class" / "alice" / f"{ASSIGNMENT}.ipynb").write_bytes((course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes())
    args = ["autograde", ASSIGNMENT, str(tmp_path / "class"), "--out", str(tmp_path / "g.csv"), "--course-dir", str(course), "--grading-dir", str(tmp_path / "grading"), "--memory-limit", "1", "--allow-root"]
    assert main(args) == 2
    error = capsys.readouterr().err
    assert "--memory-limit" in error and len(error.strip().splitlines()) == 1
    assert not (tmp_path / "g.csv").exists()
