"""``gan-course check``: the grader's own checks, run on a student's notebook in the student's process.

The same cells run as under the grader (:mod:`gan_course.course.contract`): the
``grader-setup`` cells and the solution cells, in notebook order, each on its own; a solution
cell that uses the course library does not run (``reference_delegation``). Then every graded
function gets the grader's hidden check (:mod:`gan_course.course.checks`) on inputs drawn
fresh for this run, read back through the grader's reply codec and bounds
(:mod:`gan_course.course.harness.reply`) and judged by the same rule
(:mod:`gan_course.course.judging`), so the status and the diagnosis are the grader's. A
function whose check passes then runs its visible tests.

Differences from the grader, on purpose: this is the student's own code, so it runs in a plain
child process (no sandbox, no memory limit) with the student's working directory; the inputs
come from a new random seed on every run instead of the grader's per-student seed. A cell or a
function that kills the process is recorded and the child restarts without it, as the grader's
sandbox does.

The parent process (the command line) never imports torch: it reads the notebook, starts one
child, and reads the child's events (JSON lines) from a file.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from gan_course.errors import GanCourseError

from .contract import (
    BUDGET_VARIABLE,
    CELL_TIMEOUT,
    CRASHED,
    ERROR,
    GRADER_BUDGET,
    MISSING_CELL,
    NOT_IMPLEMENTED,
    PASSED,
    REFERENCE_DELEGATION,
    SETUP,
    SOLUTION,
    TEST,
    TIMEOUT,
    cell_role,
    cell_source,
    delegation_message,
    nbgrader_metadata,
    require_assignment,
    split_test,
    tested_function,
    to_python,
    uses_reference,
)

DEFAULT_TIMEOUT = 120.0  # seconds for the whole check
NOT_RUN = "not_run"  # the check never reached this function (the whole check ran out of time)
LABELS = {PASSED: "PASS", NOT_IMPLEMENTED: "TODO"}  # every other status fails: FAIL or ERROR
ERROR_STATUSES = {ERROR, "syntax_error", TIMEOUT, CRASHED, "memory_limit", "unreadable_result", NOT_RUN}
TIME_LIMIT_TYPE = "CheckTimeLimit"  # the exception a time limit raises inside student code


class NotebookError(GanCourseError):
    """The notebook to check cannot be read or is not this assignment's notebook."""


@dataclass(frozen=True)
class FunctionResult:
    """The verdict of one graded function: the grader's status and diagnosis."""

    function: str
    status: str
    message: str

    @property
    def label(self) -> str:
        """PASS, TODO, FAIL or ERROR."""
        return LABELS.get(self.status) or ("ERROR" if self.status in ERROR_STATUSES else "FAIL")

    @property
    def passed(self) -> bool:
        return self.status == PASSED


# --- reading the notebook (parent) ----------------------------------------------------------------


def read_notebook(path: Path) -> dict:
    """A notebook's JSON; raises NotebookError naming the fix."""
    try:
        notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotebookError(f"no notebook at {path}: give the path of your .ipynb file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotebookError(f"cannot read {path} as a notebook ({error}); is it the .ipynb file Jupyter saved?") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError(f"{path} is not a Jupyter notebook (no list of cells)")
    return notebook


def plan(notebook: Mapping, assignment: str) -> dict:
    """What the child runs: ``cells`` (setup and solution cells in notebook order, as plain
    Python), ``tests`` (function -> visible part of its test cell), ``solutions`` (functions
    with a solution cell) and ``delegating`` (solution cells that use the library, not run)."""
    cells, tests, solutions, delegating = [], {}, [], []
    for cell in notebook.get("cells", []):
        role = cell_role(cell)
        grade_id = nbgrader_metadata(cell).get("grade_id")
        code = cell_source(cell)
        if role == SETUP:
            cells.append({"name": grade_id or f"setup-{len(cells) + 1}", "code": to_python(code)})
        elif role == SOLUTION and cell.get("cell_type") == "code" and grade_id not in solutions:
            solutions.append(grade_id)
            if uses_reference(code):
                delegating.append(grade_id)
            else:
                cells.append({"name": grade_id, "code": to_python(code)})
        elif role == TEST:
            tests.setdefault(tested_function(grade_id), to_python(split_test(code)[0]))
    if not solutions and not tests:
        raise NotebookError(f"the notebook has no graded cells (nbgrader metadata): is it the {assignment} assignment notebook?")
    return {"assignment": assignment, "cells": cells, "tests": tests, "solutions": solutions, "delegating": delegating}


# --- the child process: runs the student's cells and the checks ---------------------------------


class _TimeLimit(BaseException):
    """Raised inside student code when its time is up (a BaseException: `except Exception` in
    student code does not swallow it)."""


_TimeLimit.__name__ = _TimeLimit.__qualname__ = TIME_LIMIT_TYPE


def _alarm(seconds: float) -> Callable[[], None]:
    """Raise _TimeLimit in the main thread after ``seconds``; returns the function that disarms it."""

    def expire(signum, frame):
        raise _TimeLimit(f"time limit of {seconds:g} s exceeded")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))

    def disarm() -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    return disarm


def _timed_out(outcome: Mapping) -> bool:
    return not outcome.get("ok") and outcome.get("type") == TIME_LIMIT_TYPE


def function_seed(seed: int, function: str) -> int:
    """The seed of one function's probes in a run drawn from ``seed``."""
    import hashlib

    digest = hashlib.sha256(f"{seed}\0{function}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def judge_in_process(check, function: str, namespace: dict, *, seed: int, cell_outcome: Mapping | None,
                     cell_timeout: float = CELL_TIMEOUT) -> tuple[str, str]:
    """Run ``check``'s probes of ``function`` in this process against ``namespace`` and judge
    them by the grader's rule: ``(status, message)``."""
    from . import judging
    from .harness import cells, reply

    probes = check.probes(seed)
    results: list[dict] = []
    deadline = time.monotonic() + check.timeout
    for probe in probes:
        left = deadline - time.monotonic()
        if left <= 0:
            return judging.crash_verdict(check, function, "timeout", "time limit exceeded")
        disarm = _alarm(left)
        try:
            (result,) = cells.run_probes(namespace, function, [(probe.harness, probe.payload)])
        except _TimeLimit:  # raised between the student's code and the harness
            result = {"ok": False, "type": TIME_LIMIT_TYPE}
        finally:
            disarm()
        if _timed_out(result):
            return judging.crash_verdict(check, function, "timeout", "time limit exceeded")
        results.append(result)
    try:  # the grader reads the results through its sandbox's reply codec and bounds: so does check
        results = reply.transmit(results)
    except reply.ReplyError as error:
        return judging.crash_verdict(check, function, "unreadable", str(error))
    return judging.verdict(check, function, probes, results, cell_outcome, cell_timeout=cell_timeout)


def _visible_test(namespace: dict, function: str, code: str, timeout: float) -> tuple[str, str] | None:
    """None when the visible tests of ``function`` pass, else ``(status, message)``."""
    from .harness import cells

    disarm = _alarm(timeout)
    try:
        outcome = cells.execute(namespace, f"test_{function}", code)
    except _TimeLimit:
        outcome = {"ok": False, "type": TIME_LIMIT_TYPE}
    finally:
        disarm()
    if outcome.get("ok"):
        return None
    if _timed_out(outcome):
        return TIMEOUT, f"The hidden checks of `{function}` pass, but its visible tests did not finish within {timeout:g} s."
    if outcome.get("type") == "AssertionError":
        return "failed", f"The hidden checks of `{function}` pass, but a visible test fails: {outcome.get('message') or 'an assertion failed'}"
    return ERROR, f"The hidden checks of `{function}` pass, but its visible tests raised {outcome.get('type')}: {outcome.get('message', '')}"


def child_main() -> None:
    """Entry point of the child: the request JSON on stdin, events as JSON lines to argv[1]."""
    request = json.load(sys.stdin)
    sys.stdin = open(os.devnull)
    with open(sys.argv[1], "a", encoding="utf-8") as events:

        def emit(**event: Any) -> None:
            events.write(json.dumps(event) + "\n")
            events.flush()

        _serve(request, emit)


def _serve(request: dict, emit: Callable[..., None]) -> None:
    import torch

    torch.set_num_threads(1)  # probes are tiny: one thread is fastest, as in the grader's sandbox
    from .checks import checks_for
    from .harness import cells

    checks = checks_for(request["assignment"])
    emit(event="functions", functions=list(checks))
    namespace = cells.new_namespace()
    outcomes: dict[str, dict] = dict(request.get("excluded", {}))
    cell_timeout = float(request.get("cell_timeout", CELL_TIMEOUT))
    for cell in request["cells"]:
        if cell["name"] in outcomes:
            continue
        emit(event="cell", name=cell["name"])
        disarm = _alarm(cell_timeout)
        try:
            outcome = cells.execute(namespace, cell["name"], cell["code"])
        except _TimeLimit:
            outcome = {"ok": False, "type": TIME_LIMIT_TYPE}
        finally:
            disarm()
        outcomes[cell["name"]] = {"ok": False, "kind": "timeout", "message": "time limit exceeded"} if _timed_out(outcome) else outcome
    done = request.get("done", {})
    verdicts: dict[str, tuple[str, str]] = {}
    for function, check in checks.items():
        if function in done:
            verdicts[function] = tuple(done[function])
            continue
        if function not in request["solutions"]:
            from .judging import missing_cell_message

            verdict = (MISSING_CELL, missing_cell_message(function))
        elif function in request["delegating"]:
            verdict = (REFERENCE_DELEGATION, delegation_message(function))
        else:
            emit(event="function", name=function)
            seed = function_seed(int(request["seed"]), function)
            verdict = judge_in_process(check, function, namespace, seed=seed, cell_outcome=outcomes.get(function),
                                       cell_timeout=cell_timeout)
        verdicts[function] = verdict
        emit(event="checked", function=function, status=verdict[0], message=verdict[1])
    for function, (status, message) in verdicts.items():
        if status == PASSED and function in request["tests"] and function not in request.get("tested", []):
            emit(event="testing", name=function)
            problem = _visible_test(namespace, function, request["tests"][function], cell_timeout)
            if problem is not None:
                status, message = problem
        emit(event="result", function=function, status=status, message=message)


# --- the parent: start the child, restart it after a crash ------------------------------------------


def _exit_message(returncode: int) -> str:
    """Why the child stopped, worded as the grader's sandbox words it."""
    if returncode < 0 and returncode in {-s.value for s in signal.Signals}:
        return f"the process was killed by signal {signal.Signals(-returncode).name}"
    return f"the process exited with status {returncode}"


def _events(path: Path) -> Iterator[dict]:
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            yield json.loads(line)
        except json.JSONDecodeError:  # a line cut short by a crash
            return


def child_environment() -> dict[str, str]:
    """The child's environment: the student's, with the grader's budget and one thread."""
    return dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", **{BUDGET_VARIABLE: GRADER_BUDGET})


def run_check(notebook_path: Path, assignment: str, *, timeout: float = DEFAULT_TIMEOUT, seed: int | None = None,
              cell_timeout: float = CELL_TIMEOUT) -> list[FunctionResult]:
    """The grader's verdict on every graded function of the notebook, then its visible tests.

    seed: draws the probes (default: a fresh random seed, new inputs on every run).
    timeout: seconds for the whole check; functions not reached get status ``not_run``.
    """
    require_assignment(assignment)
    if timeout <= 0:
        raise GanCourseError(f"the time limit must be positive, got {timeout:g}")
    request = plan(read_notebook(notebook_path), assignment)
    request.update(seed=secrets.randbits(48) if seed is None else int(seed), cell_timeout=cell_timeout,
                   excluded={}, done={}, tested=[])
    functions: list[str] = []
    results: dict[str, FunctionResult] = {}
    deadline = time.monotonic() + timeout
    stopped = ""
    with tempfile.TemporaryDirectory(prefix="gan-course-check-") as tmp:
        for attempt in range(len(request["cells"]) + 64):  # each restart excludes a cell or settles a function
            events_path = Path(tmp) / f"events-{attempt}.jsonl"
            events_path.touch()
            left = deadline - time.monotonic()
            returncode = None
            if left > 0:
                try:
                    returncode = subprocess.run(
                        [sys.executable, "-c", "from gan_course.course.selfcheck import child_main; child_main()", str(events_path)],
                        input=json.dumps(request), text=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        cwd=Path(notebook_path).resolve().parent, env=child_environment(), timeout=left,
                    ).returncode
                except subprocess.TimeoutExpired:
                    returncode = None
            running = None
            for event in _events(events_path):
                kind = event.get("event")
                if kind == "functions":
                    functions = event["functions"]
                elif kind in ("cell", "function", "testing"):
                    running = (kind, event["name"])
                elif kind == "checked":
                    request["done"][event["function"]] = [event["status"], event["message"]]
                    running = None
                elif kind == "result":
                    results[event["function"]] = FunctionResult(event["function"], event["status"], event["message"])
                    request["tested"].append(event["function"])
                    running = None
            if returncode == 0:
                break
            if returncode is None:
                stopped = f"not reached within the {timeout:g} s time limit of the whole check (an infinite loop, or too much work?)"
                break
            crash = _exit_message(returncode)
            if running is None:
                raise GanCourseError(f"gan-course check could not start its Python process ({crash}); is the library installed?")
            kind, name = running
            if kind == "cell":
                request["excluded"][name] = {"ok": False, "kind": "crashed", "message": crash}
            elif kind == "function":
                from .checks import checks_for
                from .judging import crash_verdict

                request["done"][name] = list(crash_verdict(checks_for(assignment)[name], name, "crashed", crash))
            else:
                results[name] = FunctionResult(name, CRASHED, f"The hidden checks of `{name}` pass, but its visible tests "
                                                              f"stopped the Python process ({crash}).")
                request["tested"].append(name)
    ordered = []
    for function in functions or list(request["tests"]):
        if function in results:
            ordered.append(results[function])
        elif function in request["done"]:
            status, message = request["done"][function]
            ordered.append(FunctionResult(function, status, message))
        else:
            ordered.append(FunctionResult(function, NOT_RUN, stopped or "not run"))
    return ordered


def summary(results: list[FunctionResult]) -> list[str]:
    """One line per function (PASS / FAIL / ERROR / TODO, the grader's status and its
    diagnosis) and a closing line."""
    lines = []
    for result in results:
        if result.passed:
            lines.append(f"  PASS   {result.function}")
            continue
        message = result.message.replace("\n", "\n         ")
        lines.append(f"  {result.label:<6} {result.function} [{result.status}]: {message}")
    passed = sum(r.passed for r in results)
    lines.append(f"{passed} of {len(results)} graded functions pass the grader's checks and their visible tests.")
    if results and passed == len(results):
        lines.append("Every check passes on this run's fresh inputs; the grader draws its own.")
    return lines
