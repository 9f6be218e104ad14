"""Hidden checks for every graded function, and the in-kernel entry point for hidden test cells.

``CHECKS[assignment][function]`` is the :class:`~gan_course.course.checks.base.Check` for one graded
function. A hidden test cell calls::

    from gan_course.course.checks import check
    check("01_vanilla_dcgan", "discriminator_loss", globals())

which runs the probes in the notebook's own kernel (plain nbgrader). ``gan-course autograde``
instead runs the same probes in a sandbox and judges them in its own process, and
``gan-course check`` runs them in the student's own process (:mod:`gan_course.course.selfcheck`).

The checks ship in the library on purpose: a verdict comes from probes drawn fresh from a seed
and compared with the reference implementations the library already holds, so reading this code
does not help a wrong function pass.
"""

from __future__ import annotations

import importlib
from typing import Sequence

from gan_course.course.harness import cells
from gan_course.course.contract import ASSIGNMENTS, CHECK_MODULES

from .base import Check, CheckFailure, Probe
DEFAULT_SEED = 20261123  # probes drawn by in-kernel hidden tests


def checks_for(assignment: str) -> dict[str, Check]:
    """Every Check of ``assignment``, keyed by function name, in notebook order."""
    if assignment not in CHECK_MODULES:
        raise KeyError(f"unknown assignment {assignment!r}; choose one of: {', '.join(ASSIGNMENTS)}")
    module = importlib.import_module(f"{__name__}.{CHECK_MODULES[assignment]}")
    return dict(module.CHECKS)


class LocalRunner:
    """Runs probes in this process against a namespace (the notebook's globals)."""

    def __init__(self, namespace: dict):
        self.namespace = namespace

    def run(self, function: str, probes: Sequence[Probe]) -> list[dict]:
        return cells.run_probes(self.namespace, function, [(p.harness, p.payload) for p in probes])


def check(assignment: str, function: str, namespace: dict, *, seed: int = DEFAULT_SEED) -> None:
    """Run the hidden check of ``function`` in this process; raises CheckFailure on failure."""
    checks_for(assignment)[function].run(LocalRunner(namespace), seed=seed)
    print(f"{function}: all hidden checks passed")


__all__ = ["ASSIGNMENTS", "Check", "CheckFailure", "LocalRunner", "Probe", "check", "checks_for"]
