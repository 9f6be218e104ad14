"""Are submissions found in every layout, and are their cells mapped and changes noted?"""

from __future__ import annotations

import copy

import nbformat
import pytest

from autograder.course import CourseError, parse_source
from gan_course.course.contract import visible_part
from autograder.notebook import InvalidNotebook, find_submissions, map_cells, read_submission

from .course_fixture import ASSIGNMENT, source_notebook, student_version


@pytest.fixture()
def source(tmp_path):
    return parse_source(source_notebook(), assignment=ASSIGNMENT, path=tmp_path / "source.ipynb")


def _write(path, text="{}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_source_lists_setup_solutions_and_graded_cells_in_order(source):
    assert [c.name for c in source.setup_cells] == ["setup_imports"]
    assert list(source.solution_cells) == ["discriminator_loss", "generator_loss"]
    assert [(c.grade_id, c.points, c.function) for c in source.graded_cells] == [
        ("test_discriminator_loss", 2.0, "discriminator_loss"),
        ("test_generator_loss", 1.0, "generator_loss"),
        ("loss_curves_answer", 2.0, None),
    ]
    assert "HIDDEN" not in source.test_sources["test_discriminator_loss"]


def test_a_test_cell_without_its_solution_cell_is_a_course_error(tmp_path):
    notebook = source_notebook()
    notebook.cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "generator_loss"]
    with pytest.raises(CourseError, match="test_generator_loss"):
        parse_source(notebook, assignment=ASSIGNMENT, path=tmp_path / "x.ipynb")


def test_submissions_are_found_in_both_layouts_and_problems_named(tmp_path):
    _write(tmp_path / "flat" / f"{ASSIGNMENT}.ipynb")
    _write(tmp_path / "tree" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    _write(tmp_path / "renamed" / "Untitled.ipynb")
    (tmp_path / "empty").mkdir()
    (tmp_path / ".hidden").mkdir()
    found = {s.student: (s.path.relative_to(tmp_path).as_posix() if s.path else None, s.problem) for s in find_submissions(tmp_path, ASSIGNMENT)}
    assert found == {
        "empty": (None, "missing_notebook"),
        "flat": (f"flat/{ASSIGNMENT}.ipynb", None),
        "renamed": (None, "misnamed_notebook"),
        "tree": (f"tree/{ASSIGNMENT}/{ASSIGNMENT}.ipynb", None),
    }


def test_an_nbgrader_course_directory_is_read_from_its_submitted_folder(tmp_path):
    _write(tmp_path / "submitted" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    (tmp_path / "autograded" / "alice").mkdir(parents=True)
    assert [s.student for s in find_submissions(tmp_path, ASSIGNMENT)] == ["alice"]


@pytest.mark.parametrize("content", ["{ not json", "[]", '{"cells": 3}', ""], ids=["broken", "list", "cells-not-list", "empty"])
def test_a_file_that_is_not_a_notebook_is_invalid(tmp_path, content):
    path = tmp_path / "x.ipynb"
    path.write_text(content)
    with pytest.raises(InvalidNotebook):
        read_submission(path)


def test_the_released_notebook_maps_cleanly(source):
    mapped = map_cells(source, student_version(source_notebook()))
    assert (set(mapped.solutions), mapped.missing, mapped.delegating, mapped.notes) == ({"discriminator_loss", "generator_loss"}, set(), set(), {})


def test_deleted_edited_and_reordered_cells_are_noted(source):
    notebook = source_notebook()
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells]
    edited = copy.deepcopy(notebook)
    edited.cells[ids.index("test_discriminator_loss")].source = "pass"
    assert map_cells(source, edited).notes == {"test_discriminator_loss": ["test_cell_edited"]}
    deleted = copy.deepcopy(notebook)
    del deleted.cells[ids.index("test_generator_loss")]
    del deleted.cells[ids.index("discriminator_loss")]
    mapped = map_cells(source, deleted)
    assert (mapped.missing, mapped.notes) == ({"discriminator_loss"}, {"test_generator_loss": ["test_cell_deleted"]})
    moved = copy.deepcopy(notebook)
    moved.cells.insert(0, moved.cells.pop(ids.index("test_generator_loss")))
    assert map_cells(source, moved).notes == {"test_generator_loss": ["test_cells_reordered"]}


def test_a_solution_that_mentions_the_reference_library_is_flagged(source):
    notebook = source_notebook()
    index = [c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells].index("generator_loss")
    notebook.cells[index].source = "import gan_course.losses as L\ngenerator_loss = L.g_bce"
    assert map_cells(source, notebook).delegating == {"generator_loss"}


def test_the_visible_part_ignores_hidden_tests_and_blank_lines():
    assert visible_part("a = 1\n\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS\nb = 2  \n") == "a = 1\nb = 2"


def test_a_round_trip_through_nbformat_keeps_the_mapping(tmp_path, source):
    path = tmp_path / f"{ASSIGNMENT}.ipynb"
    nbformat.write(source_notebook(), path)
    assert set(map_cells(source, read_submission(path)).solutions) == {"discriminator_loss", "generator_loss"}
