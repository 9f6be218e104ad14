"""One submission -> one verdict per graded cell.

Student code runs only in the sandbox (:mod:`autograder.sandbox`), one sandbox per
submission: first the source's ``grader-setup`` cells and the student's solution cells, in
notebook order, each on its own (a compile error or exception is recorded for that cell);
then, per graded function, the probes its :class:`~gan_course.course.checks.base.Check` drew from a
seed fixed by (assignment, student, function). The sandbox returns plain outputs; the
verdict is computed here, in the grader's process, by ``Check.judge``. An input transformer,
a redefined test helper or a monkeypatched torch can only change what happens inside the
sandbox, never how its outputs are judged.

A cell that hangs or kills the process (``os._exit``, a segfault) is recorded, and the
sandbox restarts without it; a function whose probes hang or crash gets ``timeout`` /
``crashed`` and the sandbox restarts for the next function. The whole submission --
sandbox starts, cells, re-runs after a restart and probes -- has one wall-clock deadline
(``submission_timeout``): every call's timeout is cut to what is left of it, so the total
never grows with the number of timeouts, and once it has passed every function not yet
judged gets ``submission_timeout``. Solution cells that mention
``gan_course`` are not run (``reference_delegation``), nor are the student's test cells or
any other cell.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from gan_course.course import judging
from gan_course.course.contract import CELL_TIMEOUT, REFERENCE_DELEGATION, delegation_message, to_python

from .course import CodeCell, SourceNotebook
from .notebook import InvalidNotebook, Submission, map_cells, read_submission
from .sandbox import Sandbox, SandboxCrash, SandboxLimits
from .verdict import (
    GRADER_ERROR,
    INVALID_NOTEBOOK,
    MANUAL,
    MISSING_CELL,
    MISSING_NOTEBOOK,
    MISNAMED_NOTEBOOK,
    INVALID_STUDENT_ID,
    INVALID_SUBMISSION,
    PASSED,
    SUBMISSION_TIMEOUT,
    Verdict,
    bounded_text,
    submission_problem,
)

DEFAULT_CELL_TIMEOUT = CELL_TIMEOUT  # seconds per cell: COURSE.md bounds a whole notebook by 60 s
DEFAULT_SUBMISSION_TIMEOUT = 300.0  # seconds per submission, everything included (an honest one takes 3-30 s)
GRADING_SALT = "gan-course probes v1"  # change it to draw new probes for every student


@dataclass(frozen=True)
class GradingOptions:
    """How to grade: timeouts, sandbox limits, and the seed salt."""

    cell_timeout: float = DEFAULT_CELL_TIMEOUT
    submission_timeout: float = DEFAULT_SUBMISSION_TIMEOUT  # the whole submission's wall-clock budget
    limits: SandboxLimits = SandboxLimits()
    unsafe: bool = False  # run without bubblewrap (trusted notebooks only)
    protected: tuple[Path, ...] = ()  # directories the sandbox must never expose
    allow_root: bool = False  # grade even as root (the sandbox's process limit does not apply to root)
    salt: str = GRADING_SALT


@dataclass
class GradedSubmission:
    """The verdicts of one submission, with what the gradebook step needs."""

    student: str
    verdicts: list[Verdict]
    notebook: object | None = None  # the parsed notebook, None when there was none to grade
    seconds: float = 0.0
    sandbox_starts: int = 0
    sandbox_cpu_seconds: float = 0.0  # CPU time of the sandboxes that exited normally
    cpu_seconds: float = 0.0  # the grader's own CPU time for this submission (judging, gradebook)
    warnings: list[str] = field(default_factory=list)


def probe_seed(assignment: str, student: str, function: str, *, salt: str = GRADING_SALT) -> int:
    """A deterministic seed per (assignment, student, function): regrading draws the same probes."""
    digest = hashlib.sha256("\0".join((salt, assignment, student, function)).encode()).digest()
    return int.from_bytes(digest[:6], "big")


class SandboxStartError(RuntimeError):
    """The sandbox could not start before any student code ran (a grader problem)."""


class SubmissionTimeout(Exception):
    """The submission's total deadline has passed."""


class Session:
    """A submission's cells running in one sandbox; restarts it without a cell that killed it."""

    def __init__(self, cells: list[CodeCell], options: GradingOptions, *, deadline: float | None = None):
        self.cells = cells
        self.options = options
        self.deadline = deadline if deadline is not None else time.monotonic() + options.submission_timeout
        self.outcomes: dict[str, dict] = {}
        self.excluded: set[str] = set()
        self.sandbox: Sandbox | None = None
        self.starts = 0
        self.cpu_seconds = 0.0  # reported by the sandboxes that exited normally

    def budget(self, limit: float) -> tuple[float, bool]:
        """``(timeout, cut)``: ``limit`` cut to what is left of the deadline, and whether it
        was cut; raises SubmissionTimeout when nothing is left."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise SubmissionTimeout()
        return min(limit, left), left < limit

    def ready(self) -> Sandbox:
        """A sandbox in which every cell that does not kill it has run."""
        while self.sandbox is None:
            self.budget(0.0)
            sandbox = Sandbox(limits=self.options.limits, unsafe=self.options.unsafe, protected=self.options.protected)
            self.starts += 1
            try:
                sandbox.start()
            except SandboxCrash as crash:  # no student code ran yet: the grader's problem
                sandbox.close()
                raise SandboxStartError(crash.message) from None
            except BaseException:
                sandbox.close()
                raise
            cut = False
            try:
                for cell in self.cells:
                    if cell.name not in self.excluded:
                        current = cell
                        timeout, cut = self.budget(self.options.cell_timeout)
                        self.outcomes[cell.name] = sandbox.execute(cell.name, to_python(cell.code), timeout=timeout)
            except SandboxCrash as crash:
                sandbox.close()
                if crash.kind == "timeout" and cut:
                    raise SubmissionTimeout() from None
                self.excluded.add(current.name)
                self.outcomes[current.name] = {"ok": False, "kind": crash.kind, "message": crash.message}
                continue
            except BaseException:
                sandbox.close()
                raise
            self.sandbox = sandbox
        return self.sandbox

    def discard(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
            self.cpu_seconds += self.sandbox.cpu_seconds
            self.sandbox = None

    close = discard


def _submission_timeout_message(function: str, options: GradingOptions) -> str:
    return (
        f"`{function}` was not graded: your notebook used up the grader's {options.submission_timeout:g} s for a whole "
        "submission (graded cells and hidden checks together). Keep long computations out of the graded cells."
    )


def judge_function(check, function: str, session: Session, *, seed: int, options: GradingOptions) -> tuple[str, str]:
    """Run one function's probes in the sandbox and judge them here: (status, message), by the
    rule ``gan-course check`` applies too (:mod:`gan_course.course.judging`)."""
    probes = check.probes(seed)
    cut = False
    try:
        sandbox = session.ready()
        timeout, cut = session.budget(check.timeout)
        results = sandbox.probe(function, probes, timeout=timeout)
    except SandboxCrash as crash:
        session.discard()
        if crash.kind == "timeout" and cut:
            raise SubmissionTimeout() from None
        return judging.crash_verdict(check, function, crash.kind, crash.message)
    return judging.verdict(check, function, probes, results, session.outcomes.get(function), cell_timeout=options.cell_timeout)


def grade_notebook(source: SourceNotebook, notebook, *, student: str, checks: Mapping, options: GradingOptions) -> tuple[list[Verdict], Session]:
    """Verdicts for every graded cell of ``source``, and the (closed) session: how many
    sandboxes it started and the CPU time they reported."""
    cells = map_cells(source, notebook)
    runnable = list(source.setup_cells) + [
        CodeCell(f, cells.solutions[f], source.solution_cells[f].index)
        for f in source.solution_cells
        if f in cells.solutions and f not in cells.delegating
    ]
    session = Session(sorted(runnable, key=lambda c: c.index), options)
    verdicts = []
    out_of_time = False
    try:
        for graded in source.graded_cells:
            notes = tuple(cells.notes.get(graded.grade_id, ()))
            function = graded.function
            if function is None:
                verdicts.append(Verdict(graded.grade_id, MANUAL, None, graded.points, "graded by hand", notes, manual=True))
                continue
            if function in cells.missing:
                status, message = MISSING_CELL, judging.missing_cell_message(function)
            elif function in cells.delegating:
                status, message = REFERENCE_DELEGATION, delegation_message(function)
            elif function not in checks:
                verdicts.append(Verdict(graded.grade_id, GRADER_ERROR, None, graded.points, f"no hidden check for `{function}`", notes))
                continue
            elif out_of_time:
                status, message = SUBMISSION_TIMEOUT, _submission_timeout_message(function, options)
            else:
                seed = probe_seed(source.assignment, student, function, salt=options.salt)
                try:
                    status, message = judge_function(checks[function], function, session, seed=seed, options=options)
                except SubmissionTimeout:
                    session.discard()
                    out_of_time = True
                    status, message = SUBMISSION_TIMEOUT, _submission_timeout_message(function, options)
            score = graded.points if status == PASSED else 0.0
            verdicts.append(Verdict(graded.grade_id, status, score, graded.points, message, notes))
    finally:
        session.close()
    return verdicts, session


def grade_submission(source: SourceNotebook, submission: Submission, *, checks: Mapping, options: GradingOptions) -> GradedSubmission:
    """Grade one student's submission; never raises (a grader failure is a verdict too)."""
    start = time.monotonic()
    result = GradedSubmission(submission.student, [])
    if submission.problem is not None:
        message = {
            MISSING_NOTEBOOK: f"No notebook {source.assignment}.ipynb was found in your submission ({submission.detail}).",
            MISNAMED_NOTEBOOK: f"Your notebook must be called {source.assignment}.ipynb ({submission.detail}).",
            INVALID_SUBMISSION: f"Your submission was not graded: {submission.detail}.",
            INVALID_STUDENT_ID: f"The submission folder {submission.student[:100]!r} was not graded: {submission.detail}.",
        }.get(submission.problem, submission.detail)
        result.verdicts = submission_problem(source, submission.problem, message)
    else:
        try:
            result.notebook = read_submission(submission.path)
            result.verdicts, session = grade_notebook(source, result.notebook, student=submission.student, checks=checks, options=options)
            result.sandbox_starts, result.sandbox_cpu_seconds = session.starts, session.cpu_seconds
        except InvalidNotebook as error:
            result.notebook = None
            result.verdicts = submission_problem(source, INVALID_NOTEBOOK, f"Your file {submission.path.name} {error}.")
        except Exception as error:  # noqa: BLE001 - one broken submission never stops the batch
            result.notebook = None
            text = bounded_text(f"{type(error).__name__}: {error}", 500)
            result.verdicts = submission_problem(source, GRADER_ERROR, f"the grader failed: {text}")
            result.warnings.append(f"grader error: {text}")
    result.seconds = time.monotonic() - start
    return result
