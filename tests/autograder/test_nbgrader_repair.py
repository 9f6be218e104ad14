"""Does the copy handed to nbgrader always autograde: cells restored, ids unique, outputs kept?"""

from __future__ import annotations

import copy

import nbformat
from nbformat.v4 import new_code_cell, new_output

from gan_course.course.contract import nbgrader_metadata
from autograder.gradebook import verdict_outputs
from autograder.repair import repair_submission
from autograder.verdict import Verdict

from .course_fixture import source_notebook, student_version


def _ids(notebook):
    return [nbgrader_metadata(c).get("grade_id") for c in notebook.cells]


def test_deleted_nbgrader_cells_come_back_after_their_predecessor():
    release = student_version(source_notebook())
    submission = copy.deepcopy(release)
    submission.cells = [c for c in submission.cells if nbgrader_metadata(c).get("grade_id") not in {"discriminator_loss", "test_discriminator_loss"}]
    repaired = repair_submission(submission, release)
    assert _ids(repaired) == _ids(release)
    nbformat.validate(repaired)


def test_unknown_and_duplicated_grade_ids_are_stripped_and_every_output_dropped():
    release = student_version(source_notebook())
    submission = copy.deepcopy(release)
    plot = new_code_cell("plt.plot(losses)", outputs=[new_output("stream", name="stdout", text="a plot\n")])
    fake = new_code_cell("x = 1", metadata={"nbgrader": {"grade_id": "test_bonus", "grade": True, "points": 100}})
    twin = copy.deepcopy(submission.cells[_ids(submission).index("generator_loss")])
    twin["id"] = submission.cells[0]["id"]  # a duplicated cell id as well
    submission.cells += [plot, fake, twin]
    test_index = _ids(submission).index("test_generator_loss")
    submission.cells[test_index].outputs = [new_output("stream", name="stdout", text="all hidden checks passed\n")]
    repaired = repair_submission(submission, release)
    assert _ids(repaired) == _ids(release) + [None, None, None]
    assert repaired.cells[-3].outputs == []  # student outputs could carry active HTML: none is kept
    assert repaired.cells[_ids(repaired).index("test_generator_loss")].outputs == []
    assert len({c["id"] for c in repaired.cells}) == len(repaired.cells)
    nbformat.validate(repaired)


def test_a_failed_verdict_becomes_an_error_output_with_the_teaching_message():
    (output,) = verdict_outputs(Verdict("test_f", "failed", 0.0, 2.0, "average over the batch"))
    assert (output["output_type"], output["ename"], output["evalue"]) == ("error", "failed", "average over the batch")
    (passed,) = verdict_outputs(Verdict("test_f", "passed", 2.0, 2.0, "f: all hidden checks passed"))
    assert (passed["output_type"], passed["name"], passed["text"]) == ("stream", "stdout", "f: all hidden checks passed\n")



def test_the_in_process_alembic_head_is_the_one_nbgrader_reads_with_a_subprocess():
    import nbgrader.api

    from autograder.gradebook import _scripts_on_path, alembic_head

    nbgraders_own = nbgrader.api.get_alembic_version  # runs ``alembic heads`` in a subprocess
    with _scripts_on_path():  # puts the venv's alembic script on PATH, as grading does
        assert nbgrader.api.get_alembic_version is alembic_head
        expected = nbgraders_own()
    assert nbgrader.api.get_alembic_version is nbgraders_own  # restored afterwards
    assert alembic_head() == expected and len(expected) >= 8
