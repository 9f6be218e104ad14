"""Does every instructor's notebook run end to end under the grader's budget, without an error,
passing its own visible and hidden tests and drawing its figures?

How long that takes (COURSE.md: at most 60 s under the grader, about 10 minutes at the full
budget) is measured by ``benchmarks/notebook_times.py``, not asserted here.

Each notebook runs in a fresh Jupyter kernel (nbclient) with ``GAN_COURSE_BUDGET=grader``, offline,
with the test's temporary ``GAN_COURSE_HOME`` (runs go there) and the repository on ``PYTHONPATH``
(the hidden tests import ``autograder``). One test per notebook, so pytest-xdist spreads them.
"""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient

from gan_course.budget import BUDGET_VARIABLE
from gan_course.course.build import solution_path
from tests.course.contract import ASSIGNMENTS, FUNCTIONS, course_root

HANG_SECONDS = 300  # per cell: only a guard against a hang (timing: benchmarks/notebook_times.py)
MIN_FIGURES = 4  # loss curves, scores or scatter, samples, ... every notebook shows what it trains


def execute(assignment: str, workdir) -> nbformat.NotebookNode:
    notebook = nbformat.read(solution_path(assignment, course_dir=course_root()), as_version=4)
    env = dict(os.environ)
    env[BUDGET_VARIABLE] = "grader"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(course_root()), env.get("PYTHONPATH", "")) if p)
    env.pop("MPLBACKEND", None)  # the notebooks choose the inline backend themselves
    client = NotebookClient(notebook, timeout=HANG_SECONDS, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute(env=env)
    return notebook


def errors(notebook) -> list[str]:
    found = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                found.append(f"cell {index}: {output.ename}: {output.evalue[:300]}")
    return found


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_notebook_runs_clean_under_the_grader_budget(assignment, tmp_path):
    notebook = execute(assignment, tmp_path)
    assert not errors(notebook), "\n".join(errors(notebook))
    printed = "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "stream")
    for function in FUNCTIONS[assignment]:
        assert f"{function}: all hidden checks passed" in printed
    assert printed.count("visible tests passed") == len(FUNCTIONS[assignment])
    figures = sum("image/png" in o.get("data", {}) for c in notebook.cells for o in c.get("outputs", []))
    assert figures >= MIN_FIGURES, f"only {figures} figures were drawn"
