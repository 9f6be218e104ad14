"""Probe side of a check: run one probe of one student function.

It runs next to student code: inside the grader's sandbox (where it is bound as the top-level
package ``course_harness`` and the course library is hidden), in the notebook's kernel for a
hidden test cell, and in the student's own process under ``gan-course check``.

A *probe* names a harness function (``"<module>.<name>"``, e.g. ``"common.call"`` or
``"a02.discriminator_step"``) and carries a plain payload built by the grader. The harness
function receives the student's function and the payload and returns plain data only
(tensors, numbers, strings, None, lists, tuples, dicts), so the grader can read it with
``torch.load(weights_only=True)`` and never unpickles an object that student code made.

This package must import only the standard library, torch and numpy (never the rest of the
course library, and only relative imports of itself), and it must not contain expected answers.
"""

from __future__ import annotations

import importlib
import traceback
from typing import Any, Callable

import torch

HarnessFn = Callable[[Callable[..., Any], Any], Any]
MAX_MESSAGE = 2000  # characters of an exception message sent back to the grader
MAX_NAME = 200  # characters of an exception type name sent back


def resolve(harness: str) -> HarnessFn:
    """The harness function called ``"<module>.<name>"`` in this package."""
    module_name, _, name = harness.rpartition(".")
    module = importlib.import_module(f"{__name__}.{module_name}")
    return getattr(module, name)


def to_plain(value: Any) -> Any:
    """Detach tensors to the CPU and turn everything else into plain Python data.

    Raises TypeError for anything that is not a tensor, number, string, None, or a
    list/tuple/dict of those: the grader never receives arbitrary objects.
    """
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu").clone()
    if value is None:
        return None
    for plain in (bool, int, float, str):  # exact builtins: a subclass such as numpy.float64 would not unpickle
        if isinstance(value, plain):  # under weights_only=True
            return plain(value)
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    try:  # numpy scalars and arrays
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return torch.from_numpy(np.array(value))
    except ImportError:  # pragma: no cover - numpy ships with torch here
        pass
    raise TypeError(f"returned a {type(value).__name__}, which the grader cannot read")


def run_probe(namespace: dict, function: str, harness: str, payload: Any) -> dict:
    """Run one probe against ``namespace[function]``; never raises.

    Returns ``{"ok": True, "value": <plain>}`` or ``{"ok": False, "kind": one of
    "missing" | "not_implemented" | "error", "type": exception type, "message": str,
    "traceback": str}``.
    """
    fn = namespace.get(function)
    if fn is None:
        return {"ok": False, "kind": "missing", "type": "NameError", "message": f"{function} is not defined", "traceback": ""}
    try:
        return {"ok": True, "value": to_plain(resolve(harness)(fn, payload))}
    except NotImplementedError as error:
        return {"ok": False, "kind": "not_implemented", "type": "NotImplementedError", "message": str(error)[:MAX_MESSAGE], "traceback": ""}
    except BaseException as error:  # noqa: BLE001 - student code may raise anything, SystemExit included
        return {
            "ok": False,
            "kind": "error",
            "type": type(error).__name__[:MAX_NAME],
            "message": str(error)[:MAX_MESSAGE],
            "traceback": "".join(traceback.format_exception(error, limit=-3))[-MAX_MESSAGE:],
        }
