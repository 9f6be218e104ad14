"""Does ``gan-course check`` run a student's visible tests and summarise them kindly?"""

from __future__ import annotations

import nbformat
import pytest

from gan_course.cli import main
from gan_course.cli.check import plan, run_check

from .course_fixture import ASSIGNMENT, NOT_IMPLEMENTED, SUMMED, source_notebook, student_version, with_target


@pytest.fixture()
def notebooks(tmp_path):
    source = source_notebook()
    variants = {
        "full": source,
        "blank": student_version(source),
        "wrong": with_target(source, SUMMED),
        "loop": with_target(source, "while True:\n    pass"),
        "magic": with_target(source, "%matplotlib inline\n!echo hi\n" + NOT_IMPLEMENTED),
    }
    paths = {}
    for name, notebook in variants.items():
        paths[name] = tmp_path / name / f"{ASSIGNMENT}.ipynb"
        paths[name].parent.mkdir()
        nbformat.write(notebook, paths[name])
    return paths


def test_the_plan_runs_setup_solution_and_visible_tests_only():
    steps, functions = plan(source_notebook())
    assert functions == ["discriminator_loss", "generator_loss"]
    assert [(s["kind"], s["name"]) for s in steps] == [
        ("setup", "setup_imports"),
        ("solution", "discriminator_loss"),
        ("test", "discriminator_loss"),
        ("solution", "generator_loss"),
        ("test", "generator_loss"),
    ]
    assert not any("HIDDEN" in s["code"] or "autograder" in s["code"] for s in steps)
    assert not any("training cell" in s["code"] for s in steps)


def test_a_full_solution_passes_and_exits_zero(notebooks, capsys):
    assert main(["check", ASSIGNMENT, str(notebooks["full"])]) == 0
    output = capsys.readouterr().out
    assert "[PASS] discriminator_loss: visible tests passed" in output
    assert "2 of 2 graded functions pass their visible tests." in output


def test_a_blank_notebook_says_not_implemented_yet(notebooks, capsys):
    assert main(["check", ASSIGNMENT, str(notebooks["blank"])]) == 1
    output = capsys.readouterr().out
    assert "[TODO] discriminator_loss: not implemented yet" in output
    assert "[TODO] generator_loss: not implemented yet" in output


def test_a_wrong_answer_shows_the_assertion_message(notebooks):
    results = {r["function"]: r for r in run_check(notebooks["wrong"])}
    assert results["discriminator_loss"]["status"] == "failed"
    assert "each BCE term is log 2" in results["discriminator_loss"]["message"]
    assert results["generator_loss"]["status"] == "passed"


def test_an_infinite_loop_is_stopped_by_the_time_limit(notebooks):
    results = run_check(notebooks["loop"], timeout=3)
    assert [r["status"] for r in results] == ["not_run", "not_run"]
    assert "time limit" in results[0]["message"]


def test_magics_and_shell_escapes_do_not_break_the_check(notebooks):
    results = {r["function"]: r["status"] for r in run_check(notebooks["magic"])}
    assert results == {"discriminator_loss": "not_implemented", "generator_loss": "passed"}


def test_a_file_that_is_not_a_notebook_is_a_one_line_error(tmp_path, capsys):
    broken = tmp_path / f"{ASSIGNMENT}.ipynb"
    broken.write_text("{ nope")
    assert main(["check", ASSIGNMENT, str(broken)]) == 2
    assert "cannot read" in capsys.readouterr().err
