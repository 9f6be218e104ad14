"""Grading a large class on Dask distributed workers (``--scheduler`` / ``--local-cluster``).

Dask distributed (Rocklin 2015, "Dask: Parallel Computation with Blocked algorithms and Task
Scheduling", Proc. SciPy, https://doi.org/10.25080/Majora-7b98e3ed-013) is the engine: each
submission's sandboxed grading (sandbox, probes, verdicts) is one task on a worker
(:mod:`autograder.cluster_tasks`). The machine that runs the command (the head) keeps
everything else: it sends a task only the student's notebook (bytes) and the graded structure
of the source notebook without the instructor's solution code, gets back only the verdicts,
and records them in the nbgrader gradebook, writes the feedback and the CSV itself.

Workers are checked before they get work: a preflight task on each worker
(:func:`~autograder.cluster_tasks.check_worker`) compares its code hash with the head's and
starts one trial sandbox there; a worker that fails, or does not answer within the sandbox's
start limit plus a margin, is refused with a message naming it and the fix, and never gets a
grading task: each task is restricted to the workers accepted when it was sent. Workers that
join later (a restarted one after a crash) are checked the same way and get the next tasks.

The head never waits without a deadline (one hung worker or a lost message must not hang the
batch):

- every call to the scheduler is bounded (:data:`COMM_SECONDS`), every wait is a poll of
  :data:`POLL_SECONDS`;
- a task whose worker died (or whose finished result was on it) is run again by Dask on
  another allowed worker; one whose allowed workers have all gone is sent again to the
  accepted ones (the old one cancelled first), so each submission is recorded exactly once,
  when the one live task's result arrives;
- a task gets a deadline when sent: the submission's own limit (``submission_timeout``) plus
  :data:`TASK_MARGIN`, times the tasks that may run before it on its worker thread, extended
  when a worker leaves (its tasks move to the others). A task past its deadline is cancelled
  and the submission gets ``grader_error`` (no score, "grade this student again"); the batch
  goes on;
- a scheduler that goes away: :class:`SchedulerLost` (exit status 2); what was recorded stays
  in the gradebook and the ledger, the CSV is not touched, and running the command again
  grades only what is missing (:mod:`autograder.ledger`).
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from concurrent.futures import CancelledError
from dataclasses import dataclass
from typing import Callable, Sequence

from gan_course.errors import GanCourseError

from .cluster_tasks import RELEASE_HINT, check_worker, grade_on_worker, without_solutions
from .course import SourceNotebook
from .grading import GradedSubmission, GradingOptions, grade_submission
from .notebook import MAX_NOTEBOOK_BYTES, Submission
from .verdict import GRADER_ERROR, submission_problem

TASKS_PER_THREAD = 2  # submissions in flight per accepted worker thread: workers never wait for the head
POLL_SECONDS = 1.0  # the longest the head waits for results before it looks at workers and deadlines again
COMM_SECONDS = 60.0  # the longest one call to the scheduler may take (the worker list, one result's transfer)
TASK_MARGIN = 60.0  # seconds a task may take beyond the submission's own limit (transfer, worker start-up, judging)
PREFLIGHT_MARGIN = 60.0  # seconds a preflight may take beyond the trial sandbox's start limit
REFUSED_GRACE = 30.0  # seconds the batch waits for a good worker when every connected one was refused
DONE = ("finished", "error", "cancelled")  # a "lost" future (its worker died) is still in flight: Dask runs it again

__all__ = ["DaskEngine", "NoWorker", "SchedulerLost", "check_worker", "grade_on_worker", "without_solutions", "RELEASE_HINT"]


class SchedulerLost(GanCourseError):
    """The Dask scheduler went away (or could not be reached) during the batch."""


class NoWorker(GanCourseError):
    """No Dask worker passed the preflight (or none stayed connected)."""


@dataclass
class _Task:
    """One submission's grading task in flight."""

    submission: Submission
    data: bytes  # the notebook, kept to send it again
    allowed: frozenset  # the worker addresses it may run on
    deadline: float  # time.monotonic() after which it gets grader_error


class DaskEngine:
    """Grade on a Dask cluster: ``scheduler`` (``tcp://HOST:PORT``), an in-process
    ``LocalCluster`` of ``local_workers`` processes, or an existing ``client``.

    ``task_timeout`` (seconds) bounds one grading task once it can run (default: the
    submission's limit plus :data:`TASK_MARGIN`); ``task`` is the function sent to the workers
    (tests wrap :func:`grade_on_worker`).
    """

    def __init__(self, *, scheduler: str | None = None, local_workers: int = 0, client=None, no_worker_timeout: float = 300.0,
                 task_timeout: float | None = None, task: Callable = grade_on_worker):
        if sum(bool(x) for x in (scheduler, local_workers, client)) != 1:
            raise ValueError("give exactly one of scheduler, local_workers, client")
        if task_timeout is not None and task_timeout <= 0:
            raise ValueError(f"task_timeout must be positive seconds, got {task_timeout}")
        self.scheduler, self.local_workers, self.client = scheduler, local_workers, client
        self.no_worker_timeout = no_worker_timeout
        self.task_timeout, self.task = task_timeout, task
        self._owned: list = []
        self.refused: list[str] = []  # problems of refused workers, as reported
        self.overdue: list[str] = []  # students whose task ran past its deadline (grader_error)
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
                thing.close(timeout=10)
            except Exception:  # noqa: BLE001 - closing after a lost scheduler may fail; nothing to keep
                pass
        self._owned.clear()

    # the batch -------------------------------------------------------------------------------

    def grade(self, source: SourceNotebook, submissions: Sequence[Submission], *, options: GradingOptions,
              record: Callable[[Submission, GradedSubmission], None], report: Callable[[Submission, GradedSubmission], None],
              progress: Callable[[str], None]) -> None:
        """Grade ``submissions`` on accepted workers; ``record`` and ``report`` each result here, once."""
        if self.client is None:
            with self:
                return self.grade(source, submissions, options=options, record=record, report=report, progress=progress)
        self._source, self._options = source, options
        self._record, self._report, self._progress = record, report, progress
        self._bound = self.task_timeout or options.submission_timeout + TASK_MARGIN
        try:
            self._grade(list(submissions))
        except (OSError, TimeoutError, CancelledError) as error:
            # CommClosedError is an OSError; TimeoutError: a call to the scheduler past COMM_SECONDS;
            # CancelledError: the client cancelled every future when its connection closed
            raise self._lost(error) from None

    def _lost(self, error: BaseException) -> SchedulerLost:
        return SchedulerLost(
            f"the Dask scheduler went away ({type(error).__name__}: {error}); the grades recorded so far stay in the "
            "gradebook and the CSV was not written: run the same command again to grade only what is missing"
        )

    def _connected(self) -> None:
        if self.client.status != "running":  # the connection to the scheduler is gone (reconnecting or closed)
            raise self._lost(RuntimeError(f"the client is {self.client.status}"))

    def _grade(self, submissions: list[Submission]) -> None:
        from .ledger import code_fingerprint

        client, source, options = self.client, self._source, self._options
        self._expected = code_fingerprint()
        self._light = without_solutions(source)  # sent with each task; small (the solutions stay here)
        self._checked: dict[str, str] = {}  # worker address -> "pending" | "accepted" | "refused"
        self._preflights: dict = {}  # future -> (address, deadline)
        self._tasks: dict = {}  # future -> _Task
        queue = deque()
        for submission in submissions:
            if submission.path is None or submission.path.stat().st_size > MAX_NOTEBOOK_BYTES:
                # nothing to run: the verdicts come from the head without a sandbox
                result = grade_submission(source, submission, checks={}, options=options)
                self._record(submission, result)
                result.notebook = None
                self._report(submission, result)
            else:
                queue.append(submission)
        last_accepted = time.monotonic()
        known: set[str] = set()  # the workers seen at the last look
        while queue or self._tasks:
            self._connected()
            workers = self._look_for_workers()
            alive = [a for a in workers if self._checked.get(a) == "accepted"]
            threads = sum(workers[a].get("nthreads", 1) for a in alive)
            now = time.monotonic()
            if known - set(workers):  # a worker left: its tasks run again on the others, later
                for task in self._tasks.values():
                    task.deadline = max(task.deadline, now + self._bound * (1 + math.ceil(len(self._tasks) / max(1, threads))))
            known = set(workers)
            if alive:
                last_accepted = now
            elif not self._preflights and now - last_accepted > (REFUSED_GRACE if workers else self.no_worker_timeout):
                # every connected worker was refused (a restarting one had time to return), or none connected
                self._connected()
                reasons = "; ".join(self.refused) or f"no worker connected to the scheduler within {self.no_worker_timeout:g} s"
                raise NoWorker(f"no Dask worker can grade: {reasons}; start workers as the README shows")
            if alive:
                for future, task in list(self._tasks.items()):
                    if not task.allowed & set(alive):  # every worker it may run on has gone: send it again
                        del self._tasks[future]
                        future.cancel()
                        self._send(task.submission, task.data, alive, threads)
                while queue and len(self._tasks) < TASKS_PER_THREAD * threads:
                    submission = queue.popleft()
                    self._send(submission, submission.path.read_bytes(), alive, threads)
            self._overdue()
            self._wait()

    def _look_for_workers(self) -> dict:
        """The connected workers (address -> info); sends a preflight to each new one."""
        client = self.client
        info = client.sync(client.scheduler.identity, n_workers=-1, callback_timeout=COMM_SECONDS)
        workers = info.get("workers", {})
        deadline = time.monotonic() + self._options.limits.start_timeout + PREFLIGHT_MARGIN
        for address in workers:
            if address not in self._checked:
                self._checked[address] = "pending"
                future = client.submit(check_worker, self._expected, self._options, workers=[address], allow_other_workers=False,
                                       pure=False, key=f"gan-course-preflight-{address}-{time.monotonic_ns()}")
                self._preflights[future] = (address, deadline)
        for future, (address, _) in list(self._preflights.items()):
            if address not in workers:  # it left before answering: check it again if it returns
                del self._preflights[future]
                future.cancel()
                self._checked.pop(address, None)
        return workers

    def _send(self, submission: Submission, data: bytes, alive: list[str], threads: int) -> None:
        ahead = math.ceil(len(self._tasks) / max(1, threads))  # tasks that may run before it on its thread
        future = self.client.submit(self.task, self._light, submission.student, data, self._options, workers=alive,
                                    allow_other_workers=False, pure=False, key=f"gan-course-grade-{submission.student}-{time.monotonic_ns()}")
        self._tasks[future] = _Task(submission, data, frozenset(alive), time.monotonic() + self._bound * (1 + ahead))

    def _wait(self) -> None:
        """Wait up to POLL_SECONDS for a result, then handle every finished future."""
        from distributed import wait

        waiting = [*self._tasks, *self._preflights]
        if not waiting:
            time.sleep(POLL_SECONDS)  # no worker accepted yet
            return
        try:
            wait(waiting, timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
        except (TimeoutError, CancelledError):  # nothing finished yet; or a cancelled future: its status says so below
            pass
        self._connected()
        for future in [f for f in waiting if f.status in DONE]:  # never a "lost" or pending one: result() would block
            if future in self._preflights:
                self._preflighted(future, self._preflights.pop(future)[0])
            elif future in self._tasks:
                self._finished(future)

    def _overdue(self) -> None:
        """Refuse preflights, and give up on tasks, that ran past their deadlines."""
        now = time.monotonic()
        for future, (address, deadline) in list(self._preflights.items()):
            if now > deadline:
                del self._preflights[future]
                future.cancel()
                self._refuse(address, f"worker {address} did not answer the preflight within "
                                      f"{self._options.limits.start_timeout + PREFLIGHT_MARGIN:g} s: check that it is not "
                                      "overloaded or stopped, then restart it")
        for future, task in list(self._tasks.items()):
            if now > task.deadline:
                del self._tasks[future]
                future.cancel()
                self.overdue.append(task.submission.student)
                self._give_up(task.submission, f"the grading task did not finish on the Dask cluster within its deadline "
                                               f"({self._bound:g} s once it could run: a worker hung or was far too slow)")

    def _refuse(self, address: str, problem: str) -> None:
        self._checked[address] = "refused"
        self.refused.append(problem)
        self._progress(f"refused {problem}")

    def _preflighted(self, future, address: str) -> None:
        if future.status != "finished":
            self._checked.pop(address, None)  # the worker left before answering; check it again if it returns
            return
        try:
            answer = future.result(timeout=COMM_SECONDS)
        except TimeoutError:  # its worker died before the answer came: check it again
            future.cancel()
            self._checked.pop(address, None)
            return
        if answer["problem"]:
            self._refuse(address, answer["problem"])
            return
        self._checked[address] = "accepted"
        self._progress(f"worker {answer['worker']} passed the preflight")

    def _give_up(self, submission: Submission, why: str) -> None:
        """Record ``grader_error`` for a submission (no score; clears any stale grade) and report it."""
        message = f"{why}; grade this student again"
        result = GradedSubmission(submission.student, submission_problem(self._source, GRADER_ERROR, message), warnings=[message])
        self._record(submission, result)
        self._report(submission, result)

    def _finished(self, future) -> None:
        task = self._tasks[future]
        if future.status == "cancelled":  # not by the head: the scheduler forgot it
            self._connected()
            raise self._lost(RuntimeError("the scheduler cancelled a grading task"))
        if future.status == "error":
            del self._tasks[future]
            error = future.exception(timeout=COMM_SECONDS)
            self._give_up(task.submission, f"the grading task failed ({type(error).__name__}: {error})")
            return
        try:
            result, parsed = future.result(timeout=COMM_SECONDS)
        except TimeoutError:  # the result was lost with its worker: Dask runs the task again (deadline still holds)
            return
        del self._tasks[future]
        if parsed:
            import nbformat

            result.notebook = nbformat.reads(task.data.decode("utf-8"), as_version=4)
        start = time.monotonic()
        self._record(task.submission, result)
        result.notebook = None
        self.record_seconds.append(time.monotonic() - start)
        self._report(task.submission, result)
