"""The two tasks a Dask worker runs for ``gan-course autograde --scheduler`` / ``--local-cluster``.

Dask distributed (Rocklin 2015, "Dask: Parallel Computation with Blocked algorithms and Task
Scheduling", Proc. SciPy, https://doi.org/10.25080/Majora-7b98e3ed-013) ships these functions to
the workers; the head's side (sending, waiting with deadlines, recording) is
:mod:`autograder.cluster`.

- :func:`check_worker`, the preflight: does this worker grade exactly like the head (the same
  :func:`autograder.ledger.code_fingerprint`, not root unless allowed, a working bubblewrap
  sandbox)? A refusal names the worker and the fix.
- :func:`grade_on_worker`: the verdicts of one notebook (bytes in, verdicts out). Student code
  runs only in the bubblewrap sandbox that :func:`autograder.grading.grade_submission`
  starts as a child process, never in the worker's own process.
"""

from __future__ import annotations

import socket
import tempfile
from dataclasses import replace
from pathlib import Path

from gan_course.errors import GanCourseError

from .course import SourceNotebook
from .grading import GradedSubmission, GradingOptions, grade_submission
from .notebook import Submission

RELEASE_HINT = (
    "install the same course release there as on this machine (the same commit of the course checkout, "
    "then `pip install -e . -e ./autograder` in the worker's environment) and restart the worker"
)

_WORKER_STATE: dict = {}  # per worker process: the hidden checks, loaded once per assignment


def this_worker() -> str:
    """The name, address and host of the Dask worker running this task."""
    from distributed import get_worker

    try:
        worker = get_worker()
        return f"{worker.name} ({worker.address}) on {socket.gethostname()}"
    except ValueError:  # not in a Dask worker (a direct call)
        return f"this process on {socket.gethostname()}"


def check_worker(expected: str, options: GradingOptions) -> dict:
    """Preflight task: does this worker grade exactly like the head? ``problem`` is None when
    it does, else a sentence naming the worker and the fix."""
    from .ledger import code_fingerprint
    from .sandbox import SandboxUnavailable, preflight

    worker = this_worker()
    found = code_fingerprint()
    if found != expected:
        return {"worker": worker, "problem": (
            f"worker {worker} has different hidden checks or library code (code hash {found[:12]}, the head has "
            f"{expected[:12]}): {RELEASE_HINT}"
        )}
    try:
        from .batch import require_unprivileged

        require_unprivileged(options.allow_root)
    except GanCourseError as error:
        return {"worker": worker, "problem": f"worker {worker} runs as root: {error}"}
    try:
        preflight(limits=options.limits, unsafe=options.unsafe, protected=options.protected)
    except SandboxUnavailable as error:
        return {"worker": worker, "problem": f"worker {worker} cannot start the sandbox: {error}"}
    return {"worker": worker, "problem": None}


def grade_on_worker(source: SourceNotebook, student: str, notebook: bytes, options: GradingOptions) -> tuple[GradedSubmission, bool]:
    """Grading task: the verdicts of one notebook, and whether it parsed as a notebook.

    The notebook lives in a private temporary file only while it is graded; student code
    runs in the sandbox that :func:`grade_submission` starts, never in this process.
    """
    if "checks" not in _WORKER_STATE:
        import torch

        from gan_course.course.checks import checks_for

        torch.set_num_threads(1)  # judging is tiny; the sandboxes get the cores
        _WORKER_STATE["checks"] = {}
        _WORKER_STATE["checks_for"] = checks_for
    checks = _WORKER_STATE["checks"].setdefault(source.assignment, _WORKER_STATE["checks_for"](source.assignment))
    with tempfile.TemporaryDirectory(prefix="gan-course-grading-") as folder:
        path = Path(folder) / f"{source.assignment}.ipynb"
        path.write_bytes(notebook)
        result = grade_submission(source, Submission(student, path), checks=checks, options=options)
    parsed = result.notebook is not None
    result.notebook = None  # only verdicts go back
    return result, parsed


def without_solutions(source: SourceNotebook) -> SourceNotebook:
    """The source notebook's graded structure with the instructor's solution code removed:
    grading needs the solution cells' names and positions, not their code."""
    return replace(source, solution_cells={name: replace(cell, code="") for name, cell in source.solution_cells.items()})
