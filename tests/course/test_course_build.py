"""Is the committed course current, and does ``gan-course course build`` build it deterministically
from the jupytext sources, refusing sources that break the nbgrader layout?"""

from __future__ import annotations

import copy

import jupytext
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from gan_course.course import build as course_build
from gan_course.cli import main
from gan_course.course.build import (ASSIGNMENTS, BuildReport, CourseBuildError, build, normalise, read_source,
                                     render, source_path, validate)
from tests.course.contract import course_root

STALE = "the generated course notebooks are out of date: run `gan-course course build` and commit the result"


@pytest.fixture(scope="module")
def fresh_build(tmp_path_factory):
    """Every generated notebook rebuilt from course/<id>.py into a temporary folder (one nbgrader run)."""
    out = tmp_path_factory.mktemp("course_build")
    report = build(course_dir=course_root(), out_dir=out)
    return out, report


def test_generated_trees_are_current(fresh_build):
    """Are solutions/ and assignments/ exactly what the sources build today?"""
    out, report = fresh_build
    assert len(report.files) == 2 * len(ASSIGNMENTS)
    stale = []
    for path, content in report.files.items():
        committed = course_root() / path.relative_to(out)
        if not committed.is_file() or committed.read_bytes() != content:
            stale.append(str(path.relative_to(out)))
    assert not stale, f"{STALE}: {', '.join(stale)}"


def test_the_build_writes_both_trees_for_every_assignment(fresh_build):
    out, report = fresh_build
    for assignment in ASSIGNMENTS:
        for tree in ("solutions", "assignments"):
            path = out / tree / assignment / f"{assignment}.ipynb"
            assert path.is_file() and path.read_bytes() == report.files[path]
            nbformat.validate(nbformat.reads(path.read_text(), as_version=4))


def test_nothing_but_the_two_trees_is_written(fresh_build):
    """No gradebook, no nbgrader release folders leak into the course directory."""
    out, _ = fresh_build
    assert sorted(p.name for p in out.iterdir()) == ["assignments", "solutions"]
    assert not list(out.rglob("gradebook.db"))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nbgrader_headers_survive_a_jupytext_round_trip(assignment):
    """Does jupytext's percent format keep the nbgrader metadata of every cell header?"""
    path = source_path(assignment, course_dir=course_root())
    first = jupytext.read(path, fmt="py:percent")
    again = jupytext.reads(jupytext.writes(first, fmt="py:percent"), fmt="py:percent")
    assert [c.metadata.get("nbgrader") for c in again.cells] == [c.metadata.get("nbgrader") for c in first.cells]
    assert [c.metadata.get("tags") for c in again.cells] == [c.metadata.get("tags") for c in first.cells]
    assert sum(bool(c.metadata.get("nbgrader")) for c in first.cells) >= 3


def test_a_source_renders_to_the_same_bytes_twice():
    path = source_path("01_vanilla_dcgan", course_dir=course_root())
    assert render(read_source(path)) == render(read_source(path))


def test_normalise_clears_outputs_and_volatile_metadata():
    cell = new_code_cell("x = 1", execution_count=7, outputs=[nbformat.v4.new_output("stream", text="1\n")],
                         metadata={"lines_to_next_cell": 2, "ExecuteTime": {"start": "today"},
                                   "nbgrader": {"grade_id": "answer_cell"}})
    notebook = new_notebook(cells=[new_markdown_cell("# title"), cell], metadata={"jupytext": {"x": 1}, "widgets": {}})
    clean = normalise(notebook)
    code = clean.cells[1]
    assert (code.outputs, code.execution_count, code.id, clean.cells[0].id) == ([], None, "answer_cell", "cell-000")
    assert dict(code.metadata) == {"nbgrader": {"grade_id": "answer_cell"}}
    assert set(clean.metadata) == {"kernelspec", "language_info"}
    assert notebook.cells[1].execution_count == 7, "the input is not modified"


def _cell(source, **nbgrader):
    return new_code_cell(source, metadata={"nbgrader": {"schema_version": 3, "grade": False, "solution": False,
                                                        "locked": False, **nbgrader}})


GOOD = [
    new_code_cell("import torch", metadata={"tags": ["grader-setup"], "nbgrader": {
        "schema_version": 3, "grade": False, "solution": False, "locked": True, "grade_id": "setup"}}),
    _cell("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION", grade_id="f", solution=True),
    _cell("assert f(1) == 1\n### BEGIN HIDDEN TESTS\ncheck()\n### END HIDDEN TESTS", grade_id="test_f", grade=True,
          locked=True, points=1),
]


def _broken(change):
    cells = copy.deepcopy(GOOD)
    change(cells)
    return new_notebook(cells=cells)


@pytest.mark.parametrize("change, problem", [
    (lambda cells: cells[1].update(source="def f(x):\n    return x"), "BEGIN SOLUTION"),
    (lambda cells: cells[1].update(source=cells[1].source + "\nimport gan_course"), "gan_course"),
    (lambda cells: cells[0].update(source="from gan_course.losses import d_bce"), "sandbox"),
    (lambda cells: cells[0].metadata.nbgrader.update(locked=False), "locked"),
    (lambda cells: cells[2].update(source="assert f(1) == 1"), "HIDDEN TESTS"),
    (lambda cells: cells[2].metadata.nbgrader.update(points=0), "points"),
    (lambda cells: cells[2].metadata.nbgrader.update(grade_id="f"), "twice"),
    (lambda cells: cells[2].metadata.nbgrader.update(grade_id="checks_f"), "test_<function>"),
    (lambda cells: cells.append(new_markdown_cell("answer", metadata={"nbgrader": {
        "schema_version": 3, "grade": True, "solution": False, "locked": False, "grade_id": "a", "points": 2}})),
     "written answer"),
])
def test_validate_refuses_a_source_that_breaks_the_layout(change, problem, tmp_path):
    validate(new_notebook(cells=copy.deepcopy(GOOD)), path=tmp_path / "ok.py")
    with pytest.raises(CourseBuildError, match=problem.replace("<", ".").replace(">", ".")):
        validate(_broken(change), path=tmp_path / "bad.py")


def test_an_unknown_assignment_or_missing_source_names_the_fix(tmp_path):
    with pytest.raises(CourseBuildError, match="choose among"):
        build(course_dir=tmp_path, assignments=["06_diffusion"], dry_run=True)
    with pytest.raises(CourseBuildError, match="no course source"):
        build(course_dir=tmp_path, assignments=["01_vanilla_dcgan"], dry_run=True)


def test_cli_dry_run_validates_the_sources_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "02_ring_gan.py").write_bytes(source_path("02_ring_gan", course_dir=course_root()).read_bytes())
    assert main(["course", "build", "--dry-run", "--assignment", "02_ring_gan", "--course-dir", str(tmp_path)]) == 0
    assert "solutions/02_ring_gan/02_ring_gan.ipynb" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course"]


def test_cli_check_exits_1_and_names_the_command_when_stale(monkeypatch, tmp_path, capsys):
    stale = tmp_path / "solutions" / "01_vanilla_dcgan" / "01_vanilla_dcgan.ipynb"
    calls = []

    def fake_build(**kwargs):
        calls.append(kwargs)
        return BuildReport(files={stale: b"{}"}, stale=[stale] if kwargs["check"] else [])

    monkeypatch.setattr(course_build, "build", fake_build)
    assert main(["course", "build", "--check"]) == 1
    out = capsys.readouterr().out
    assert "gan-course course build" in out and str(stale) in out
    assert calls[0]["check"] is True and calls[0]["assignments"] == ASSIGNMENTS
    monkeypatch.setattr(course_build, "build", lambda **kwargs: BuildReport(files={stale: b"{}"}))
    assert main(["course", "build", "--check"]) == 0


def test_check_mode_reports_a_stale_file_without_writing(monkeypatch, tmp_path):
    """build(check=True) compares the bytes it would write with what is on disk."""
    monkeypatch.setattr(course_build, "release", lambda sources: {a: nb for a, nb in sources.items()})
    course = tmp_path / "course"
    course.mkdir()
    (course / "03_dcgan_faces.py").write_bytes(source_path("03_dcgan_faces", course_dir=course_root()).read_bytes())
    written = build(course_dir=tmp_path, assignments=["03_dcgan_faces"])
    assert len(written.written) == 2
    assert build(course_dir=tmp_path, assignments=["03_dcgan_faces"], check=True).stale == []
    target = written.written[0]
    target.write_bytes(target.read_bytes() + b" ")
    report = build(course_dir=tmp_path, assignments=["03_dcgan_faces"], check=True)
    assert report.stale == [target] and target.read_bytes().endswith(b" ")
