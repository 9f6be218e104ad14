"""Does grading on Dask workers give exactly the process pool's grades, and survive faults?

One small loss-only class (tests/autograder/course_fixture.py) is graded by the local process
pool, then on a ``LocalCluster`` of two worker processes with a third worker connected that has
no bubblewrap on its PATH (it must be refused and reported), then with one task that hangs on
its worker (it must get ``grader_error`` at its deadline while the batch goes on; the workers
are warm, so the honest tasks finish far inside theirs), then on the same cluster while a
worker process is killed mid-submission, then while the scheduler goes
away (the batch fails, an existing CSV stays intact, and the rerun grades only what is
missing), and finally with ``--only-changed`` after one student resubmits.

Every stage runs under a hard time limit (:func:`_hard_limit`): a hang fails the test with the
stack of every thread instead of stalling the test run.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autograder.batch import BatchPaths, grade_class
from autograder.cluster import DaskEngine, SchedulerLost, check_worker, grade_on_worker
from autograder.grading import GradingOptions
from autograder.sandbox import bwrap_path

from .course_fixture import ASSIGNMENT, CORRECT, SUMMED, class_submissions, with_target, write_class, write_course

OPTIONS = GradingOptions(cell_timeout=30.0, allow_root=True)  # CI runs as root
STAGE_LIMIT = 300.0  # seconds: a stage takes 5-35 s on two busy cores; past this it hung
HUNG_TASK_TIMEOUT = 25.0  # the hung stage's task deadline: honest tasks there get at least twice this
HUNG = "ada"  # the student whose grading task hangs in the hung stage (sent first: its deadline is the shortest)


class Hung(Exception):
    """A stage ran past STAGE_LIMIT."""


@contextlib.contextmanager
def _hard_limit(seconds: float, what: str):
    """Fail with every thread's stack when the block runs past ``seconds`` (SIGALRM; off the
    main thread, where signals cannot be caught, faulthandler ends the process instead)."""
    if threading.current_thread() is not threading.main_thread():
        faulthandler.dump_traceback_later(seconds, exit=True)
        try:
            yield
        finally:
            faulthandler.cancel_dump_traceback_later()
        return

    def expire(signum, frame):
        faulthandler.dump_traceback(all_threads=True)
        raise Hung(f"{what} ran past {seconds:g} s (the stacks of every thread are on stderr)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _class(root: Path) -> tuple[Path, Path]:
    course = write_course(root / "course")
    solution = course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    released = course / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    variants = class_submissions(solution, released, secrets=[], writes=[], other="")
    students = {"ada": variants["full"], "bo": with_target(variants["full"], SUMMED), "cy": variants["blank"], "di": variants["missing"], "ed": variants["full"]}
    return course, write_class(root / "class", students)


def _grade(root: Path, course: Path, classroom: Path, name: str, *, grading: str | None = None, **kwargs):
    """One batch into ``root/name.csv`` and ``root/grading_<grading or name>``: (result or the
    exception it raised, progress lines, the CSV's bytes right after the batch or None)."""
    lines: list[str] = []
    progress = kwargs.pop("progress", None)
    start = time.monotonic()

    def collect(line: str) -> None:
        lines.append(line)
        print(f"{time.monotonic() - start:6.1f} s {name}: {line}", file=sys.stderr)  # shown when the test fails
        if progress is not None:
            progress(line)

    out = root / f"{name}.csv"
    paths = BatchPaths(course_dir=course, submissions=classroom, out=out, grading_dir=root / f"grading_{grading or name}")
    with _hard_limit(STAGE_LIMIT, f"the {name} stage"):
        try:
            result = grade_class(ASSIGNMENT, paths, options=OPTIONS, progress=collect, **kwargs)
        except Hung:
            raise
        except Exception as error:  # noqa: BLE001 - the scheduler-loss stage inspects it
            result = error
    print(f"stage {name}: {time.monotonic() - start:.1f} s", file=sys.stderr)
    return result, lines, out.read_bytes() if out.exists() else None


def _graded(lines: list[str]) -> list[str]:
    """The students of the per-submission progress lines, in order."""
    return [line.split("] ", 1)[1].split(":", 1)[0] for line in lines if line.startswith("[")]


def _hanging_task(flag: str):
    """The grading task, except that the HUNG student's task waits (holding its worker thread)
    until ``flag`` exists: a worker stuck on one submission. Pickled by value to the workers."""

    def task(source, student, notebook, options):
        if student == HUNG:
            for _ in range(int(STAGE_LIMIT * 10)):
                if os.path.exists(flag):
                    return None  # its result is no longer wanted: the head gave up on it
                time.sleep(0.1)
        return grade_on_worker(source, student, notebook, options)

    return task


def _worker_without_bwrap(address: str) -> subprocess.Popen:
    """A `dask worker` whose PATH has the virtual environment but not bubblewrap."""
    environment = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    command = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-nanny", "--name", "no-bwrap", "--no-dashboard"]
    return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        pytest.fail("dask.distributed is missing: it is a dependency of the grader, install it with "
                    "`.venv/bin/pip install -e ./autograder` (README, the development setup)")
    if bwrap_path() is None:
        pytest.fail("bubblewrap is not installed: `apt-get install bubblewrap` (the autograder's sandbox needs it)")
    root = tmp_path_factory.mktemp("autograde_dask")
    course, classroom = _class(root)
    runs = {"root": root}
    runs["pool"] = _grade(root, course, classroom, "pool", workers=2)

    with _hard_limit(STAGE_LIMIT, "starting the LocalCluster"):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    refused = _worker_without_bwrap(cluster.scheduler_address)
    try:
        client.wait_for_workers(3, timeout=180)
        engine = DaskEngine(client=client)
        runs["dask"] = _grade(root, course, classroom, "dask", engine=engine)
        runs["refused"] = list(engine.refused)

        flag = root / "hung_task_released"

        def release_the_hung_task(line: str) -> None:
            if line.startswith("[") and f"] {HUNG}:" in line:  # the head gave up on it: free its worker thread
                flag.touch()

        engine = DaskEngine(client=client, task_timeout=HUNG_TASK_TIMEOUT, task=_hanging_task(str(flag)))
        runs["hung"] = _grade(root, course, classroom, "hung", engine=engine, progress=release_the_hung_task)
        runs["overdue"] = list(engine.overdue)

        killed: list[int] = []

        def kill_a_busy_worker(line: str) -> None:
            if killed or not line.startswith("[2/"):  # after the first task's result: both workers are busy
                return
            for address, keys in client.processing().items():
                if any(str(key).startswith("gan-course-grade-") for key in keys):
                    pid = client.run(os.getpid, workers=[address])[address]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return

        runs["killed"] = _grade(root, course, classroom, "killed", engine=DaskEngine(client=client), progress=kill_a_busy_worker)
        runs["killed_pids"] = killed

        (root / "lost.csv").write_text("an earlier CSV\n")

        def stop_the_scheduler(line: str) -> None:
            if line.startswith("[2/"):  # [1/5] is "di", who has no notebook: graded here before any task
                cluster.sync(cluster.scheduler.close)

        runs["lost"] = _grade(root, course, classroom, "lost", engine=DaskEngine(client=client, no_worker_timeout=5), progress=stop_the_scheduler)
    finally:
        refused.kill()
        refused.wait()
        with _hard_limit(STAGE_LIMIT, "closing the LocalCluster"):
            for closing in (client, cluster):
                try:
                    closing.close(timeout=10)  # the scheduler is gone: do not wait for it
                except Exception:  # noqa: BLE001 - the scheduler may be gone already
                    pass
    runs["resumed"] = _grade(root, course, classroom, "resumed", grading="lost", workers=2)

    changed = root / "class_changed"
    shutil.copytree(classroom, changed)
    notebook = changed / "cy" / f"{ASSIGNMENT}.ipynb"
    import nbformat

    nbformat.write(with_target(nbformat.read(notebook, as_version=4), CORRECT), notebook)
    runs["only_changed"] = _grade(root, course, changed, "only_changed", grading="pool", workers=2, only_changed=True)
    return runs


def _csv(runs, name: str) -> bytes:
    return runs[name][2]


def test_dask_grades_like_the_pool_refuses_bad_workers_and_survives_faults(runs):
    """One test over the staged runs: a module fixture would run once per pytest-xdist worker."""
    everyone = ["ada", "bo", "cy", "di", "ed"]
    # the process pool, as the reference
    pool, lines, _ = runs["pool"]
    assert not isinstance(pool, Exception), pool
    assert sorted(_graded(lines)) == everyone
    assert b"ada,01_vanilla_dcgan,test_discriminator_loss,2,2,passed\n" in _csv(runs, "pool")
    assert b"bo,01_vanilla_dcgan,test_discriminator_loss,0,2,failed\n" in _csv(runs, "pool")
    assert b"cy,01_vanilla_dcgan,test_discriminator_loss,0,2,not_implemented\n" in _csv(runs, "pool")

    # the Dask CSV equals the pool's byte for byte
    result, lines, _ = runs["dask"]
    assert not isinstance(result, Exception), result
    assert _csv(runs, "dask") == _csv(runs, "pool")
    assert sorted(_graded(lines)) == everyone

    # the worker without bubblewrap was refused, named and reported; the two others accepted
    assert len(runs["refused"]) == 1
    problem = runs["refused"][0]
    assert "no-bwrap" in problem and "bubblewrap" in problem and "apt-get install bubblewrap" in problem
    assert any(line.startswith("refused worker no-bwrap") for line in lines)
    assert sum("passed the preflight" in line for line in lines) == 2

    # a worker killed mid-submission: complete, correct CSV, each student exactly once
    result, lines, _ = runs["killed"]
    assert not isinstance(result, Exception), result
    assert len(runs["killed_pids"]) == 1
    assert sorted(_graded(lines)) == everyone
    assert _csv(runs, "killed") == _csv(runs, "pool")

    # a task that hangs on its worker: grader_error (no score) at its deadline, the rest graded as by the pool
    result, lines, _ = runs["hung"]
    assert not isinstance(result, Exception), result
    assert runs["overdue"] == [HUNG]
    assert sorted(_graded(lines)) == everyone
    pool_rows = _csv(runs, "pool").decode().splitlines()
    hung_rows = [row.split(",") for row in _csv(runs, "hung").decode().splitlines()]
    assert [r for r in hung_rows if r[0] != HUNG] == [r.split(",") for r in pool_rows if not r.startswith(f"{HUNG},")]
    theirs = [r for r in hung_rows if r[0] == HUNG]
    assert len(theirs) == 3 and all(r[3] == "" and r[5] == "grader_error" for r in theirs)
    assert any("did not finish on the Dask cluster within its deadline (25 s" in line and "grade this student again" in line for line in lines)

    # the scheduler went away: a SchedulerLost, the earlier CSV intact, the rerun grades only what is missing
    error, lines, _ = runs["lost"]
    assert isinstance(error, SchedulerLost) and "run the same command again" in str(error)
    assert _csv(runs, "lost") == b"an earlier CSV\n"
    recorded = _graded(lines)
    assert 1 <= len(recorded) < 5
    result, lines, _ = runs["resumed"]
    assert not isinstance(result, Exception), result
    assert any(line.startswith("resuming the unfinished batch") and f"{len(recorded)} submission(s) already recorded" in line for line in lines)
    assert sorted(_graded(lines)) == sorted(set(everyone) - set(recorded))
    assert _csv(runs, "resumed") == _csv(runs, "pool")

    # --only-changed: only the resubmitted notebook is graded again
    result, lines, _ = runs["only_changed"]
    assert not isinstance(result, Exception), result
    assert _graded(lines) == ["cy"] and result.kept == ["ada", "bo", "di", "ed"]
    expected = _csv(runs, "pool").replace(b"cy,01_vanilla_dcgan,test_discriminator_loss,0,2,not_implemented", b"cy,01_vanilla_dcgan,test_discriminator_loss,2,2,passed")
    assert expected != _csv(runs, "pool") and _csv(runs, "only_changed") == expected


def test_a_worker_with_other_checks_or_library_code_is_refused_naming_the_fix():
    answer = check_worker("0" * 64, OPTIONS)
    assert answer["problem"].startswith("worker this process on ")
    assert "different hidden checks or library code" in answer["problem"] and "same course release" in answer["problem"]
