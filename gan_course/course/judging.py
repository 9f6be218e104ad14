"""From a function's probe results to its status and diagnosis: one rule for the grader and
``gan-course check``.

The grader (``autograder/grading.py``) runs a submission's cells and probes in a sandbox;
``gan-course check`` (:mod:`gan_course.course.selfcheck`) runs them in the student's own
process. Both hand the same plain outcomes to :func:`verdict` (or, when the process running
the probes died, :func:`crash_verdict`), so for the same probes they give the same status
(:mod:`gan_course.course.contract`) and the same message.

Outcomes are the plain dicts of :mod:`gan_course.course.harness.cells`: a cell's ``{"ok":
True}`` or ``{"ok": False, "kind", "type", "message", ...}`` (``kind`` one of ``syntax_error``,
``error``, ``memory``, ``timeout``, ``crashed``, ``unreadable``), and one probe result per probe.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from .checks.base import Check, CheckFailure, Probe, raise_for_error
from .contract import (
    CRASHED,
    ERROR,
    FAILED,
    MEMORY_LIMIT,
    MISSING_CELL,
    NOT_DEFINED,
    NOT_IMPLEMENTED,
    PASSED,
    REFERENCE_DELEGATION,
    SYNTAX_ERROR,
    TIMEOUT,
    UNREADABLE,
    delegation_message,
    is_reference_import,
)

CRASH_STATUS = {"timeout": TIMEOUT, "crashed": CRASHED, "memory_limit": MEMORY_LIMIT, "unreadable": UNREADABLE}
CELL_STATUS = {"syntax_error": SYNTAX_ERROR, "memory": MEMORY_LIMIT, "error": ERROR, **CRASH_STATUS}


def passed_message(function: str) -> str:
    return f"{function}: all hidden checks passed"


def missing_cell_message(function: str) -> str:
    return (
        f"The solution cell of `{function}` (nbgrader grade_id {function!r}) is missing from your notebook. "
        "Work in the cells you were given; do not delete or replace them."
    )


def cell_problem(function: str, outcome: Mapping, *, cell_timeout: float) -> tuple[str, str]:
    """Status and message when a function is missing because its cell failed."""
    kind = outcome.get("kind", "error")
    if kind == "error" and is_reference_import(outcome):
        return REFERENCE_DELEGATION, delegation_message(function)
    status = CELL_STATUS.get(kind, ERROR)
    detail = {
        SYNTAX_ERROR: f"has a syntax error (line {outcome.get('lineno', '?')}): {outcome.get('message', '')}",
        TIMEOUT: f"ran longer than the {cell_timeout:g} s time limit; look for an infinite loop or work "
        "that belongs outside the graded cell",
        CRASHED: f"stopped the Python process ({outcome.get('message', '')}); do not call exit() or os._exit in a graded cell",
        MEMORY_LIMIT: "ran out of memory; graded functions should only build small tensors",
    }.get(status, f"raised {outcome.get('type', 'an exception')}: {outcome.get('message', '')}")
    return status, f"The cell that defines `{function}` {detail}, so `{function}` could not be graded."


def probe_status(result: Mapping) -> str:
    """The status of a probe that did not return (the function exists)."""
    kind = result.get("kind")
    if kind == "not_implemented":
        return NOT_IMPLEMENTED
    if kind == "memory":
        return MEMORY_LIMIT
    if is_reference_import(result):
        return REFERENCE_DELEGATION
    return ERROR


def crash_verdict(check: Check, function: str, kind: str, message: str) -> tuple[str, str]:
    """Status and message when the process running ``function``'s probes timed out, died or
    sent something unreadable (``kind``: ``timeout``, ``crashed``, ``unreadable``...)."""
    status = CRASH_STATUS.get(kind, CRASHED)
    reason = {
        TIMEOUT: f"did not return within {check.timeout:g} s; look for an infinite loop",
        UNREADABLE: "returned something the grader cannot read; return tensors or plain Python numbers",
    }.get(status, f"stopped the Python process ({message})")
    return status, f"`{function}` {reason}."


def verdict(
    check: Check, function: str, probes: Sequence[Probe], results: Sequence[Mapping], cell_outcome: Mapping | None, *,
    cell_timeout: float,
) -> tuple[str, str]:
    """``(status, message)`` of ``function`` from its probes' results; ``cell_outcome`` is how
    its solution cell ran (None when it ran fine or is unknown)."""
    outcome = cell_outcome or {"ok": True}
    for probe, result in zip(probes, results):
        if result.get("ok"):
            continue
        if result.get("kind") == "missing":
            if not outcome.get("ok"):
                return cell_problem(function, outcome, cell_timeout=cell_timeout)
            return NOT_DEFINED, (
                f"Your notebook's cell for `{function}` does not define `{function}`: keep the function's name "
                "and signature exactly as given."
            )
        status = probe_status(result)
        if status == REFERENCE_DELEGATION:
            return status, delegation_message(function)
        if status == MEMORY_LIMIT:
            return status, f"`{function}` ran out of memory; it should only build small tensors."
        try:
            raise_for_error(function, probe, dict(result))
        except CheckFailure as failure:
            return status, str(failure)
        return status, f"`{function}` failed ({result.get('kind')})."
    try:
        check.judge(list(probes), list(results))
    except CheckFailure as failure:
        return FAILED, str(failure)
    except Exception as error:  # noqa: BLE001 - malformed outputs fail, they never crash the grader
        return FAILED, (
            f"`{function}` returned outputs of an unexpected kind ({type(error).__name__}); keep the signature and "
            "return type as given."
        )
    return PASSED, passed_message(function)


__all__ = [
    "CELL_STATUS", "CRASH_STATUS", "MISSING_CELL", "UNREADABLE", "cell_problem", "crash_verdict", "missing_cell_message",
    "passed_message", "probe_status", "verdict",
]
