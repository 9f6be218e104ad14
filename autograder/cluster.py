"""Grading a large class on Dask distributed workers (``--scheduler`` / ``--local-cluster``).

Dask distributed (Rocklin 2015, "Dask: Parallel Computation with Blocked algorithms and Task
Scheduling", Proc. SciPy, https://doi.org/10.25080/Majora-7b98e3ed-013) is the engine: each
submission's sandboxed grading (sandbox, probes, verdicts: :func:`autograder.grading.grade_submission`)
is one task on a worker. The machine that runs the command (the head) keeps everything else:
it sends a task only the student's notebook (bytes) and the graded structure of the source
notebook without the instructor's solution code, gets back only the verdicts, and records them
in the nbgrader gradebook, writes the feedback and the CSV itself.

Workers are checked before they get work. A preflight task on each worker compares the
worker's :func:`autograder.ledger.code_fingerprint` (hidden checks, harness, sandbox and
``gan_course`` code, Python/torch/numpy versions) with the head's and starts one trial
sandbox there; a worker that fails is refused with a message naming it and the fix, and never
gets a grading task: each grading task is restricted to the workers accepted when it was sent.
Workers that join later (a restarted one after a crash) are checked the same way and get the
next tasks; a task whose allowed workers have all gone is sent again to the accepted ones.

Student code never runs in the worker's own process: the task starts a bubblewrap sandbox
(a child process) exactly as the local process pool does. Faults:

- a worker that dies mid-submission: Dask runs that task again on another worker; the head
  records each submission once, when its task's result arrives;
- a scheduler that goes away: :class:`SchedulerLost` (exit status 2); what was recorded
  stays in the gradebook and the ledger, the CSV is not touched, and running the command
  again grades only what is missing (:mod:`autograder.ledger`).
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import time
from collections import deque
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

from gan_course.errors import GanCourseError

from .course import SourceNotebook
from .grading import GradedSubmission, GradingOptions, grade_submission
from .notebook import MAX_NOTEBOOK_BYTES, Submission
from .verdict import GRADER_ERROR, submission_problem

TASKS_PER_THREAD = 2  # submissions in flight per accepted worker thread: workers never wait for the head
POLL_SECONDS = 1.0  # how often the head looks for new or departed workers while it waits
REFUSED_GRACE = 30.0  # seconds the batch waits for a good worker when every connected one was refused
RELEASE_HINT = (
    "install the same course release there as on this machine (the same commit of the course checkout, "
    "then `pip install -e . -e ./autograder` in the worker's environment) and restart the worker"
)


class SchedulerLost(GanCourseError):
    """The Dask scheduler went away (or could not be reached) during the batch."""


class NoWorker(GanCourseError):
    """No Dask worker passed the preflight (or none stayed connected)."""


# --- on a worker ----------------------------------------------------------------------------

_WORKER_STATE: dict = {}


def _this_worker() -> str:
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

    worker = _this_worker()
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


# --- on the head ----------------------------------------------------------------------------


def without_solutions(source: SourceNotebook) -> SourceNotebook:
    """The source notebook's graded structure with the instructor's solution code removed:
    grading needs the solution cells' names and positions, not their code."""
    return replace(source, solution_cells={name: replace(cell, code="") for name, cell in source.solution_cells.items()})


class DaskEngine:
    """Grade on a Dask cluster: ``scheduler`` (``tcp://HOST:PORT``), an in-process
    ``LocalCluster`` of ``local_workers`` processes, or an existing ``client``."""

    def __init__(self, *, scheduler: str | None = None, local_workers: int = 0, client=None, no_worker_timeout: float = 300.0):
        if sum(bool(x) for x in (scheduler, local_workers, client)) != 1:
            raise ValueError("give exactly one of scheduler, local_workers, client")
        self.scheduler, self.local_workers, self.client = scheduler, local_workers, client
        self.no_worker_timeout = no_worker_timeout
        self._owned: list = []
        self.refused: list[str] = []  # problems of refused workers, as reported
        self.record_seconds: list[float] = []  # the head's gradebook + feedback time per submission

    def describe(self) -> str:
        if self.client is not None:
            return f"Dask at {self.client.scheduler.address}"
        return f"Dask at {self.scheduler}" if self.scheduler else f"a local Dask cluster of {self.local_workers} worker process(es)"

    def __enter__(self) -> "DaskEngine":
        from distributed import Client, LocalCluster

        if self.client is None:
            if self.local_workers:
                cluster = LocalCluster(n_workers=self.local_workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR)
                self._owned.append(cluster)
                self.client = Client(cluster)
            else:
                try:
                    self.client = Client(self.scheduler, timeout=30)
                except (OSError, TimeoutError) as error:
                    raise SchedulerLost(f"cannot reach the Dask scheduler at {self.scheduler} ({error}): start it with "
                                        "`dask scheduler` and check the address") from None
            self._owned.insert(0, self.client)
        return self

    def __exit__(self, *exc) -> None:
        for thing in self._owned:
            try:
                thing.close()
            except Exception:  # noqa: BLE001 - closing after a lost scheduler may fail; nothing to keep
                pass
        self._owned.clear()

    # the batch -------------------------------------------------------------------------------

    def grade(self, source: SourceNotebook, submissions: Sequence[Submission], *, options: GradingOptions,
              record: Callable[[Submission, GradedSubmission], None], report: Callable[[Submission, GradedSubmission], None],
              progress: Callable[[str], None]) -> None:
        """Grade ``submissions`` on accepted workers; ``record`` and ``report`` each result here."""
        if self.client is None:
            with self:
                return self.grade(source, submissions, options=options, record=record, report=report, progress=progress)
        try:
            self._grade(source, list(submissions), options, record, report, progress)
        except (OSError, TimeoutError) as error:  # CommClosedError is an OSError
            raise self._lost(error) from None

    def _lost(self, error: BaseException) -> SchedulerLost:
        return SchedulerLost(
            f"the Dask scheduler went away ({type(error).__name__}: {error}); the grades recorded so far stay in the "
            "gradebook and the CSV was not written: run the same command again to grade only what is missing"
        )

    def _grade(self, source, submissions, options, record, report, progress) -> None:
        from distributed import wait

        from .ledger import code_fingerprint

        client = self.client
        expected = code_fingerprint()
        light = without_solutions(source)  # sent with each task; small (the solutions stay here)
        checked: dict[str, str] = {}  # worker address -> "pending" | "accepted" | "refused"
        preflights: dict = {}  # future -> address
        tasks: dict = {}  # future -> (submission, notebook bytes, the workers it may run on)
        queue = deque()
        for submission in submissions:
            if submission.path is None or submission.path.stat().st_size > MAX_NOTEBOOK_BYTES:
                # nothing to run: the verdicts come from the head without a sandbox
                result = grade_submission(source, submission, checks={}, options=options)
                record(submission, result)
                result.notebook = None
                report(submission, result)
            else:
                queue.append(submission)
        last_accepted = time.monotonic()

        def look_for_workers() -> dict:
            workers = client.scheduler_info(n_workers=-1)["workers"]
            for address in workers:
                if address not in checked:
                    checked[address] = "pending"
                    future = client.submit(check_worker, expected, options, workers=[address], allow_other_workers=False,
                                           pure=False, key=f"gan-course-preflight-{address}-{time.monotonic_ns()}")
                    preflights[future] = address
            for future, address in list(preflights.items()):
                if address not in workers:  # it left before answering
                    del preflights[future]
                    future.cancel()
                    checked.pop(address, None)
            return workers

        while queue or tasks:
            if client.status != "running":  # the connection to the scheduler is gone (reconnecting or closed)
                raise self._lost(RuntimeError(f"the client is {client.status}"))
            workers = look_for_workers()
            alive = [a for a in workers if checked.get(a) == "accepted"]
            if alive:
                last_accepted = time.monotonic()
            elif not preflights and time.monotonic() - last_accepted > (REFUSED_GRACE if workers else self.no_worker_timeout):
                # every connected worker was refused (a restarting one had time to return), or none connected
                if client.status != "running":
                    raise self._lost(RuntimeError(f"the client is {client.status}"))
                reasons = "; ".join(self.refused) or f"no worker connected to the scheduler within {self.no_worker_timeout:g} s"
                raise NoWorker(f"no Dask worker can grade: {reasons}; start workers as the README shows")
            def send(submission: Submission, data: bytes) -> None:
                future = client.submit(grade_on_worker, light, submission.student, data, options, workers=alive, allow_other_workers=False,
                                       pure=False, key=f"gan-course-grade-{submission.student}-{time.monotonic_ns()}")
                tasks[future] = (submission, data, frozenset(alive))

            if alive:
                for future, (submission, data, allowed) in list(tasks.items()):
                    if not allowed & set(alive):  # every worker it may run on has gone: send it again
                        del tasks[future]
                        future.cancel()
                        send(submission, data)
                slots = TASKS_PER_THREAD * sum(workers[a].get("nthreads", 1) for a in alive)
                while queue and len(tasks) < slots:
                    submission = queue.popleft()
                    send(submission, submission.path.read_bytes())
            waiting = [*tasks, *preflights]
            if not waiting:
                time.sleep(POLL_SECONDS)  # no worker accepted yet
            try:
                done = wait(waiting, timeout=POLL_SECONDS, return_when="FIRST_COMPLETED").done if waiting else set()
            except TimeoutError:
                done = set()
            if client.status != "running":
                raise self._lost(RuntimeError(f"the client is {client.status}"))
            for future in done:
                if future in preflights:
                    self._preflighted(future, preflights.pop(future), checked, progress)
                elif future in tasks:
                    submission, data, _ = tasks.pop(future)
                    self._finished(future, source, submission, data, record, report, progress)

    def _preflighted(self, future, address: str, checked: dict, progress) -> None:
        if future.status != "finished":
            checked.pop(address, None)  # the worker left before answering; check it again if it returns
            return
        answer = future.result()
        if answer["problem"]:
            checked[address] = "refused"
            self.refused.append(answer["problem"])
            progress(f"refused {answer['problem']}")
            return
        checked[address] = "accepted"
        progress(f"worker {answer['worker']} passed the preflight")

    def _finished(self, future, source, submission: Submission, data: bytes, record, report, progress) -> None:
        if future.status == "cancelled":
            raise self._lost(RuntimeError("the task was cancelled"))
        if future.status == "error":
            error = future.exception()
            message = f"the grading task failed ({type(error).__name__}: {error}); grade this student again"
            result = GradedSubmission(submission.student, submission_problem(source, GRADER_ERROR, message), warnings=[message])
            record(submission, result)  # clears any stale grade and says why on the feedback page
        else:
            result, parsed = future.result()
            if parsed:
                import nbformat

                result.notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
            start = time.monotonic()
            record(submission, result)
            result.notebook = None
            self.record_seconds.append(time.monotonic() - start)
        report(submission, result)
