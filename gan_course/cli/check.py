"""``gan-course check``: run the visible tests of your assignment notebook, with a short summary.

For students::

    gan-course check 01_vanilla_dcgan                 # the course's assignments/<id>/<id>.ipynb
    gan-course check 01_vanilla_dcgan my_copy.ipynb   # your own notebook

Only the cells the grader would look at run, in notebook order, in a fresh Python process
with a time limit: the cells tagged ``grader-setup``, your solution cells (nbgrader
``solution`` cells) and the visible tests of each graded function's test cell (``test_<name>``).
Training and plotting cells are skipped. It is your own code, so it runs without a sandbox.
The real grader runs further hidden tests; passing here is necessary, not sufficient.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from gan_course.course.contract import (
    BUDGET_VARIABLE,
    GRADER_BUDGET,
    SETUP,
    SOLUTION,
    TEST,
    cell_role,
    cell_source,
    nbgrader_metadata,
    split_test,
    tested_function,
    to_python,
)
from gan_course.errors import GanCourseError

DEFAULT_TIMEOUT = 120.0  # seconds for the whole check
MAX_MESSAGE = 300  # characters of an assertion message shown per function
SYMBOLS = {"passed": "PASS", "failed": "FAIL", "not_implemented": "TODO", "error": "ERROR", "no_test": "----", "not_run": "----"}


class NotebookError(GanCourseError):
    """The notebook to check cannot be read or has no graded cells."""


def plan(notebook: dict) -> tuple[list[dict], list[str]]:
    """The cells to run, in notebook order (``{"kind", "name", "code"}``), and the graded
    functions. Kinds: ``setup``, ``solution`` (name = function), ``test`` (name = function)."""
    steps, functions = [], []
    for cell in notebook.get("cells", []):
        role = cell_role(cell)
        grade_id = nbgrader_metadata(cell).get("grade_id")
        if role == SETUP:
            steps.append({"kind": "setup", "name": grade_id or "setup", "code": cell_source(cell)})
        elif role == SOLUTION and cell.get("cell_type") == "code":
            steps.append({"kind": "solution", "name": grade_id, "code": cell_source(cell)})
        elif role == TEST:
            function = tested_function(grade_id)
            functions.append(function)
            steps.append({"kind": "test", "name": function, "code": split_test(cell_source(cell))[0]})
    return steps, functions


def read_notebook(path: Path) -> dict:
    try:
        notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotebookError(f"no notebook at {path}: give the path of your .ipynb file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotebookError(f"cannot read {path} as a notebook ({error}); is it the .ipynb file Jupyter saved?") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError(f"{path} is not a Jupyter notebook (no list of cells)")
    return notebook


# --- the child process: runs the student's cells ----------------------------------------------


def _describe(error: BaseException) -> tuple[str, str]:
    if isinstance(error, NotImplementedError):
        return "not_implemented", "not implemented yet"
    if isinstance(error, AssertionError):
        return "failed", str(error) or "an assertion failed (it has no message: read the test cell)"
    return "error", f"{type(error).__name__}: {error}"


def child_main() -> None:
    """Entry point of the child process: plan JSON on stdin, JSON lines to argv[1]."""
    steps = json.load(sys.stdin)
    results_path = sys.argv[1]
    sys.stdin = open(os.devnull)

    class Shell:
        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    namespace = {"__name__": "__main__", "get_ipython": lambda: Shell(), "display": lambda *a, **k: None}
    cell_errors: dict[str, tuple[str, str]] = {}
    with open(results_path, "a", encoding="utf-8") as results:
        for step in steps:
            try:
                exec(compile(to_python(step["code"]), f"<{step['kind']} {step['name']}>", "exec"), namespace)
                outcome = ("passed", "")
            except BaseException as error:  # noqa: BLE001 - SystemExit included: report, go on
                outcome = _describe(error)
            if step["kind"] == "solution" and outcome[0] != "passed":
                cell_errors[step["name"]] = outcome
            if step["kind"] == "test":
                if outcome[0] == "error" and step["name"] in cell_errors:
                    kind, message = cell_errors[step["name"]]
                    outcome = (kind, f"the cell defining it failed: {message}" if kind == "error" else message)
                results.write(json.dumps({"function": step["name"], "status": outcome[0], "message": outcome[1][:MAX_MESSAGE]}) + "\n")
                results.flush()


# --- the command --------------------------------------------------------------------------------


def run_check(notebook_path: Path, *, timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
    """Run the visible tests of a notebook in a subprocess; one result per graded function
    (``function``, ``status`` in passed/failed/not_implemented/error/no_test/not_run, ``message``)."""
    notebook = read_notebook(notebook_path)
    steps, functions = plan(notebook)
    if not functions:
        raise NotebookError(f"{notebook_path} has no graded test cells (nbgrader test_<name> cells): is it an assignment notebook?")
    env = dict(os.environ, MPLBACKEND="Agg", **{BUDGET_VARIABLE: GRADER_BUDGET})
    with tempfile.TemporaryDirectory(prefix="gan-course-check-") as tmp:
        results_path = Path(tmp) / "results.jsonl"
        results_path.touch()
        code = "from gan_course.cli.check import child_main; child_main()"
        stopped = ""
        try:
            process = subprocess.run(
                [sys.executable, "-c", code, str(results_path)],
                input=json.dumps(steps),
                text=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=Path(notebook_path).resolve().parent,
                env=env,
                timeout=timeout,
            )
            if process.returncode != 0:
                stopped = f"the Python process stopped (exit status {process.returncode}) before this test ran"
        except subprocess.TimeoutExpired:
            stopped = f"not reached within the {timeout:g} s time limit (an infinite loop, or too much work?)"
        reported = {}
        for line in results_path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            reported[entry["function"]] = entry
    tested = {s["name"] for s in steps if s["kind"] == "test"}
    results = []
    for function in functions:
        if function in reported:
            results.append(reported[function])
        elif function not in tested:
            results.append({"function": function, "status": "no_test", "message": "no visible test cell"})
        else:
            results.append({"function": function, "status": "not_run", "message": stopped or "not run"})
    return results


def summary(results: list[dict]) -> list[str]:
    lines = []
    for result in results:
        message = {"passed": "visible tests passed", "not_implemented": "not implemented yet"}.get(result["status"], result["message"])
        lines.append(f"  [{SYMBOLS.get(result['status'], '????')}] {result['function']}: {message}")
    passed = sum(r["status"] == "passed" for r in results)
    lines.append(f"{passed} of {len(results)} graded functions pass their visible tests.")
    if passed == len(results):
        lines.append("Well done! The grader runs further hidden tests: also think about edge cases (other shapes, dtypes, extreme values).")
    return lines


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "check",
        help="run the visible tests of your assignment notebook and summarise them",
        description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("assignment", metavar="ASSIGNMENT", help="assignment id, e.g. 01_vanilla_dcgan")
    parser.add_argument("notebook", metavar="NOTEBOOK", nargs="?", type=Path, help="your notebook (default: the course's assignments/<id>/<id>.ipynb)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds for the whole check (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--course-dir", type=Path, help="the course (default: $GAN_COURSE_COURSE or the checkout)")
    parser.add_argument("--dry-run", action="store_true", help="list the cells that would run, run nothing")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from gan_course.paths import course_dir

    notebook = args.notebook
    if notebook is None:
        notebook = (args.course_dir or course_dir()) / "assignments" / args.assignment / f"{args.assignment}.ipynb"
    if args.timeout <= 0:
        raise GanCourseError(f"--timeout must be positive, got {args.timeout:g}")
    if args.dry_run:
        steps, functions = plan(read_notebook(notebook))
        print(f"{notebook}: would run {len(steps)} cells and the visible tests of: {', '.join(functions) or 'nothing'}")
        return 0
    if Path(notebook).stem != args.assignment:
        print(f"note: {Path(notebook).name} is not named {args.assignment}.ipynb; the grader only looks for that name")
    print(f"Checking {notebook} (visible tests only; the grader also runs hidden tests):")
    results = run_check(notebook, timeout=args.timeout)
    for line in summary(results):
        print(line)
    return 0 if all(r["status"] == "passed" for r in results) else 1
