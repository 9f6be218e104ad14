"""Running a notebook's cells next to student code: the namespace, one cell, a function's probes.

The grader's sandboxed worker and ``gan-course check`` both run a student's cells with these
functions, so a cell that fails, hangs or runs out of memory is described the same way in both:
``{"ok": True}`` or ``{"ok": False, "kind": "syntax_error" | "error" | "memory", "type",
"message", ["lineno"], ["module"]}``. Plain data only, like every other harness result.

Runs next to student code: imports only the standard library, torch and this package.
"""

from __future__ import annotations

import builtins
from typing import Any, Sequence

from . import run_probe

MAX_TEXT = 2000  # characters of an error message kept
MAX_NAME = 200  # characters of an exception type name kept
MEMORY_MARKERS = ("can't allocate memory", "cannot allocate memory", "not enough memory", "out of memory")


class Shell:
    """Stands in for ``get_ipython()``: line magics and shell escapes do nothing here, and a
    cell magic such as ``%%time`` runs its body. Input transformers have no effect: magics
    were turned into calls before the code arrived (``to_python``), and each cell is compiled
    on its own."""

    def __init__(self, namespace: dict):
        self._namespace = namespace
        self.input_transformers_cleanup: list = []
        self.input_transformers_post: list = []
        self.user_ns = namespace

    def run_line_magic(self, *args, **kwargs):
        return None

    def run_cell_magic(self, name, line, cell):
        if name in {"time", "capture", "timeit"}:
            exec(compile(cell, f"<%%{name} cell>", "exec"), self._namespace)
        return None

    def system(self, *args, **kwargs):
        return None

    getoutput = system

    def __getattr__(self, name):
        raise AttributeError(f"get_ipython().{name} is not available when the autograder runs your code")


def new_namespace() -> dict:
    """A fresh notebook namespace: ``__main__``, ``get_ipython()`` and a silent ``display``."""
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    shell = Shell(namespace)
    namespace["get_ipython"] = lambda: shell
    namespace["display"] = lambda *args, **kwargs: None
    return namespace


def is_memory_error(error_type: str, message: str) -> bool:
    """Whether an exception (its type name and message) says the process ran out of memory."""
    return error_type == "MemoryError" or any(m in message.lower() for m in MEMORY_MARKERS)


def describe_error(error: BaseException, *, syntax: bool = False) -> dict:
    """The plain description of an exception a cell raised."""
    try:
        message = str(error)[:MAX_TEXT]
    except BaseException:  # noqa: BLE001 - a student exception whose __str__ raises
        message = "(the exception's message could not be read)"
    kind = "syntax_error" if syntax else "error"
    if isinstance(error, MemoryError) or is_memory_error(type(error).__name__, message):
        kind = "memory"
    result = {"ok": False, "kind": kind, "type": type(error).__name__[:MAX_NAME], "message": message}
    if isinstance(error, ImportError):
        result["module"] = str(getattr(error, "name", "") or "")
    if isinstance(error, SyntaxError):
        result["lineno"] = int(error.lineno or 0)
    return result


def execute(namespace: dict, name: str, code: str) -> dict:
    """Compile and run one cell's (plain Python) code in ``namespace``; never raises."""
    try:
        compiled = compile(code, f"<cell {name}>", "exec")
    except BaseException as error:  # noqa: BLE001 - SyntaxError, ValueError (null bytes), RecursionError
        return describe_error(error, syntax=True)
    try:
        exec(compiled, namespace)
    except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt included
        return describe_error(error)
    return {"ok": True}


def run_probes(namespace: dict, function: str, probes: Sequence[tuple[str, Any]]) -> list[dict]:
    """Every probe ``(harness, payload)`` of ``function``, one result dict each (see
    :func:`run_probe`); an exception that says memory ran out gets ``kind`` ``"memory"``."""
    results = []
    for harness_name, payload in probes:
        result = run_probe(namespace, function, harness_name, payload)
        if not result.get("ok") and result.get("kind") == "error":
            if is_memory_error(str(result.get("type", "")), f"{result.get('type', '')} {result.get('message', '')}"):
                result["kind"] = "memory"
        results.append(result)
    return results
