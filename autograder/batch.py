"""Grading a whole class: the pipeline behind ``gan-course autograde``.

For one assignment: read the instructor's source notebook and the hidden checks, prepare the
nbgrader course directory once, then for each student folder (in parallel with ``workers``
processes) grade the submission in its own sandbox (:mod:`autograder.grading`) and record the
verdicts in the gradebook and feedback (:mod:`autograder.gradebook`, which serialises gradebook
access with a lock); finally write the CSV atomically (:mod:`autograder.report`). One
submission's failure never stops the batch: it becomes a status in the CSV.

Root: the sandbox's process limit (``RLIMIT_NPROC``) does not apply to processes of uid 0, so
a fork bomb in a student's cell would be bounded only by memory. :func:`grade_class` refuses
to run as root unless told to (``allow_root``, ``--allow-root``, or
``GAN_COURSE_ALLOW_ROOT=1``): grade as an ordinary user, or accept that in a disposable
container (CI) where the machine is yours to lose.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from gan_course.errors import GanCourseError

from .course import CourseError, read_source
from .gradebook import NbgraderCourse, NbgraderError
from .grading import GradedSubmission, GradingOptions, grade_submission
from .ledger import Ledger, code_fingerprint, file_sha256, settings_hash
from .notebook import Submission, find_submissions
from .report import csv_rows, write_csv
from .gradebook import FeedbackError
from .sandbox import SandboxUnavailable, preflight, require_sandbox
from .verdict import FEEDBACK_ERROR, GRADEBOOK_ERROR, GRADER_ERROR, INVALID_STUDENT_ID, Verdict, bounded_text, submission_problem

ALLOW_ROOT_VARIABLE = "GAN_COURSE_ALLOW_ROOT"  # set to 1 to grade as root anyway (disposable containers, CI)


class RootRefused(GanCourseError):
    """The grader runs as root and was not told that this is acceptable."""


def require_unprivileged(allow_root: bool = False) -> None:
    """Raise RootRefused when grading as root without ``allow_root`` or GAN_COURSE_ALLOW_ROOT=1."""
    if os.geteuid() != 0 or allow_root or os.environ.get(ALLOW_ROOT_VARIABLE) == "1":
        return
    raise RootRefused(
        "refusing to grade as root: the sandbox's process limit does not apply to root, so a student's fork bomb "
        "would not be stopped. Grade as an ordinary user, or, in a disposable container, pass --allow-root "
        f"(or set {ALLOW_ROOT_VARIABLE}=1)"
    )


@dataclass(frozen=True)
class BatchPaths:
    """Where a batch reads and writes (the CLI fills them from gan_course.paths)."""

    course_dir: Path
    submissions: Path
    out: Path
    grading_dir: Path
    gradebook: Path | None = None  # default: grading_dir/gradebook.db
    feedback_dir: Path | None = None  # default: grading_dir/feedback


@dataclass
class BatchResult:
    """What a batch did: the CSV rows and every submission's verdicts and timing."""

    out: Path
    rows: list[tuple[str, ...]]
    submissions: list[GradedSubmission]
    seconds: float
    workers: int
    statuses: Counter = field(default_factory=Counter)
    kept: list[str] = field(default_factory=list)  # students whose recorded verdicts were reused


def known_assignment(assignment: str) -> None:
    """Raise CourseError unless the course has hidden checks for ``assignment``."""
    from gan_course.course.contract import ASSIGNMENTS

    if assignment not in ASSIGNMENTS:
        raise CourseError(f"unknown assignment {assignment!r}; choose one of: {', '.join(ASSIGNMENTS)}")


# --- per-process state (set once per worker process) --------------------------------------

_STATE: dict = {}


def _init_worker(assignment: str, paths: BatchPaths, options: GradingOptions, pool_workers: int = 0) -> None:
    """Build what grading needs in this process (fork or spawn alike); ``pool_workers`` > 0
    in each of a pool's worker processes."""
    from gan_course.course.checks import checks_for

    if pool_workers:
        import torch

        torch.set_num_threads(1)  # a pool worker's own judging is tiny; the sandboxes get the cores
        _pin_to_one_cpu(pool_workers)

    source = read_source(paths.course_dir, assignment)
    course = NbgraderCourse(paths.grading_dir, assignment, gradebook=paths.gradebook, feedback_dir=paths.feedback_dir)
    _STATE.update(source=source, checks=checks_for(assignment), course=course, release=course.release(), options=options)


def _pin_to_one_cpu(workers: int) -> None:
    """Keep this pool worker and the sandboxes it starts on one CPU of their own.

    A worker and its sandbox take turns (the worker waits while the sandbox runs), so one
    CPU serves both; pinning stops the scheduler from moving them between CPUs and keeps
    their caches warm. Only when there are exactly as many CPUs as workers (on a bigger machine
    the scheduler has room to spread them).
    """
    import multiprocessing

    identity = multiprocessing.current_process()._identity  # (k,) for the k-th pool worker
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if identity and cpus and workers == len(cpus):
        os.sched_setaffinity(0, {cpus[(identity[0] - 1) % workers]})


def record_in_gradebook(course: NbgraderCourse, release, submission: Submission, result: GradedSubmission) -> None:
    """Store a graded submission (``result.notebook`` parsed, or None) in the gradebook and
    write its feedback; a failure becomes a warning and a note on every verdict."""
    timestamp = submission.path.parent / "timestamp.txt" if submission.path is not None else None
    note = None
    try:
        if submission.problem != INVALID_STUDENT_ID:  # nbgrader cannot store it: no gradebook entry, no feedback
            course.record(submission.student, result.notebook, result.verdicts, release=release, timestamp=timestamp)
    except FeedbackError as error:
        note = FEEDBACK_ERROR
        result.warnings.append(f"feedback: {error} (grades recorded; the student got the grader's short feedback page)")
    except NbgraderError as error:
        note = GRADEBOOK_ERROR
        result.warnings.append(bounded_text(str(error).splitlines()[0] if str(error) else "nbgrader failed", 500))
    except Exception as error:  # noqa: BLE001 - a gradebook failure must not lose the verdicts
        note = GRADEBOOK_ERROR
        result.warnings.append(bounded_text(f"gradebook: {type(error).__name__}: {error}", 500))
    if note is not None:
        result.verdicts = [replace(v, notes=(*v.notes, note)) for v in result.verdicts]


def _grade_and_record(submission: Submission) -> GradedSubmission:
    """Grade one submission in this process and store it in the gradebook; never raises."""
    state = _STATE
    start, cpu = time.monotonic(), time.process_time()
    result = grade_submission(state["source"], submission, checks=state["checks"], options=state["options"])
    record_in_gradebook(state["course"], state["release"], submission, result)
    result.notebook = None  # not sent back between processes
    result.seconds = time.monotonic() - start  # sandbox, judging, gradebook and feedback
    result.cpu_seconds = time.process_time() - cpu
    return result


def _lost(source, submission: Submission, error: Exception, course: NbgraderCourse) -> GradedSubmission:
    """The result of a submission whose worker process failed: a grader error, not a 0, and
    no stale grade left in the gradebook."""
    message = f"the grading worker failed ({type(error).__name__}: {error}); grade this student again"
    try:
        with course.locked():
            course.clear(submission.student)
    except Exception as clearing:  # noqa: BLE001 - report both, keep the batch going
        message += f"; clearing the gradebook failed too ({clearing})"
    return GradedSubmission(submission.student, submission_problem(source, GRADER_ERROR, message), warnings=[message])


def _mp_context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform.startswith("linux") else "spawn")


def summary_line(result: GradedSubmission) -> str:
    earned = sum(v.score or 0.0 for v in result.verdicts if not v.manual)
    possible = sum(v.max_score for v in result.verdicts if not v.manual)
    statuses = ", ".join(f"{v.grade_id}={v.csv_status}" for v in result.verdicts)
    return f"{result.student}: {earned:g}/{possible:g} autograded points in {result.seconds:.1f} s ({statuses})"


def cpu_per_submission(result: "BatchResult") -> float:
    """Mean CPU seconds per submission (grader and sandboxes): wall time on an idle machine."""
    total = sum(r.cpu_seconds + r.sandbox_cpu_seconds for r in result.submissions)
    return total / max(1, len(result.submissions))


def grading_settings(source, options: GradingOptions) -> str:
    """The hash of everything besides a notebook that decides its verdicts (see ledger)."""
    limits = options.limits
    return settings_hash(
        code_fingerprint(), file_sha256(source.path), options.cell_timeout, options.salt, options.unsafe,
        limits.memory_bytes, limits.file_bytes, limits.scratch_bytes, limits.processes,
    )


def select_work(ledger: Ledger, submissions: list[Submission], hashes: dict[str, str], settings: str, *, only_changed: bool, progress) -> tuple[list[Submission], dict, int]:
    """(submissions to grade, reused verdicts by student, batch id): an unfinished batch with
    the same settings resumes; ``only_changed`` also keeps every unchanged recorded notebook."""
    records = ledger.records()
    unfinished = ledger.unfinished_batch(settings)
    batch = unfinished[0] if unfinished else ledger.start_batch(settings)
    reusable = {s: r for s, r in records.items() if r.settings == settings and (only_changed or (unfinished and r.batch == batch))}
    kept = {s.student: reusable[s.student].verdicts for s in submissions if s.student in reusable and reusable[s.student].notebook_sha256 == hashes[s.student]}
    todo = [s for s in submissions if s.student not in kept]
    if unfinished:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(unfinished[1]))
        progress(f"resuming the unfinished batch of {started}: {len(kept)} submission(s) already recorded, {len(todo)} to grade")
    elif only_changed:
        progress(f"--only-changed: {len(kept)} unchanged submission(s) keep their recorded grades, {len(todo)} to grade")
    ledger.forget_many([s.student for s in todo])  # a half-done regrade never looks recorded
    return todo, kept, batch


def grade_class(
    assignment: str,
    paths: BatchPaths,
    *,
    workers: int = 1,
    options: GradingOptions = GradingOptions(),
    progress: Callable[[str], None] = print,
    engine=None,
    only_changed: bool = False,
) -> BatchResult:
    """Grade every submission of ``assignment`` and write the CSV; returns what happened.

    ``engine`` None grades with a local process pool of ``workers`` processes; a
    :class:`autograder.cluster.DaskEngine` grades on Dask workers and records here.
    ``only_changed`` regrades only submissions whose notebook changed since the gradebook
    recorded them (an unfinished batch resumes anyway: see :mod:`autograder.ledger`).

    Raises GanCourseError subclasses only for problems with the batch itself (no source
    notebook, no sandbox, unknown assignment, a lost Dask scheduler); a student's code can
    never make it raise.
    """
    start = time.monotonic()
    known_assignment(assignment)
    require_unprivileged(options.allow_root)
    if not options.unsafe:
        require_sandbox()
    source = read_source(paths.course_dir, assignment)
    submissions = find_submissions(paths.submissions, assignment)
    protected = tuple(Path(p).resolve() for p in (paths.course_dir, paths.submissions, paths.grading_dir, paths.gradebook, paths.feedback_dir) if p)
    options = replace(options, protected=tuple(options.protected) + protected)
    course = NbgraderCourse(paths.grading_dir, assignment, gradebook=paths.gradebook, feedback_dir=paths.feedback_dir)
    if any(s.path is not None for s in submissions):
        # The trial sandbox mostly waits for its own start-up: prepare the gradebook meanwhile.
        with ThreadPoolExecutor(max_workers=1) as background:
            trial = background.submit(preflight, limits=options.limits, unsafe=options.unsafe, protected=options.protected)
            course.prepare(source)
            trial.result()  # SandboxUnavailable: the batch stops before any grade is recorded
    else:
        course.prepare(source)
    ledger = Ledger(course.gradebook, assignment)  # after prepare: nbgrader creates the gradebook file
    hashes = {s.student: file_sha256(s.path, problem=s.problem, detail=s.detail) for s in submissions}
    settings = grading_settings(source, options)
    todo, kept, batch = select_work(ledger, submissions, hashes, settings, only_changed=only_changed, progress=progress)
    where = engine.describe() if engine is not None else f"{workers} worker(s)"
    progress(f"grading {len(todo)} submission(s) of {assignment} with {where}")
    results: list[GradedSubmission] = []

    def report(submission: Submission, result: GradedSubmission) -> None:
        ledger.store(submission.student, hashes[submission.student], settings, batch, result.verdicts)
        results.append(result)
        progress(f"[{len(results)}/{len(todo)}] {summary_line(result)}")
        for warning in result.warnings:
            progress(f"    warning: {warning}")

    if engine is not None:
        release = course.release()
        engine.grade(source, todo, options=options, record=lambda s, r: record_in_gradebook(course, release, s, r), report=report, progress=progress)
    elif workers <= 1 or len(todo) <= 1:
        _init_worker(assignment, paths, options)
        for submission in todo:
            report(submission, _grade_and_record(submission))
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context(), initializer=_init_worker, initargs=(assignment, paths, options, workers)) as pool:
            futures = {pool.submit(_grade_and_record, s): s for s in todo}
            for future in as_completed(futures):
                try:
                    report(futures[future], future.result())
                except Exception as error:  # noqa: BLE001 - a dead worker process loses one submission, not the batch
                    report(futures[future], _lost(source, futures[future], error, course))
    rows = csv_rows(assignment, [(r.student, r.verdicts) for r in results] + list(kept.items()))
    write_csv(paths.out, rows)
    ledger.finish_batch(batch)
    seconds = time.monotonic() - start
    statuses = Counter(v.status for r in results for v in r.verdicts)
    result = BatchResult(Path(paths.out), rows, sorted(results, key=lambda r: r.student), seconds, workers, statuses, sorted(kept))
    per = sum(r.seconds for r in results) / max(1, len(results))
    progress(
        f"graded {len(results)} submission(s) in {seconds:.1f} s ({per:.2f} s per submission in a worker, "
        f"{cpu_per_submission(result):.2f} CPU s); statuses: {', '.join(f'{k} {n}' for k, n in sorted(statuses.items()))}; "
        f"wrote {paths.out}"
    )
    return result


def describe(assignment: str, paths: BatchPaths, *, unsafe: bool = False) -> list[str]:
    """What a batch would do, without running student code or touching the gradebook."""
    known_assignment(assignment)
    source = read_source(paths.course_dir, assignment)
    lines = [f"source notebook: {source.path}"]
    for cell in source.graded_cells:
        kind = "manual" if cell.manual else f"autograded (function {cell.function})"
        lines.append(f"  {cell.grade_id}: {cell.points:g} point(s), {kind}")
    lines.append(f"  grader-setup cells: {len(source.setup_cells)}")
    for submission in find_submissions(paths.submissions, assignment):
        where = submission.path if submission.path is not None else f"{submission.problem} ({submission.detail})"
        lines.append(f"student {submission.student}: {where}")
    try:
        lines.append("sandbox: " + ("NONE (--unsafe-no-sandbox)" if unsafe else f"bubblewrap at {require_sandbox()}"))
    except SandboxUnavailable as error:
        lines.append(f"sandbox: UNAVAILABLE: {error}")
    course = NbgraderCourse(paths.grading_dir, assignment, gradebook=paths.gradebook, feedback_dir=paths.feedback_dir)
    lines.append(f"would write {paths.out}, gradebook {course.gradebook}, feedback under {course.feedback_dir}")
    return lines


__all__ = ["BatchPaths", "BatchResult", "Verdict", "describe", "grade_class", "summary_line"]
