"""Hidden checks for every graded function, and the in-kernel entry point for hidden test cells.

``CHECKS[assignment][function]`` is the :class:`~autograder.checks.base.Check` for one graded
function. A hidden test cell calls::

    from autograder.checks import check
    check("01_vanilla_dcgan", "discriminator_loss", globals())

which runs the probes in the notebook's own kernel (plain nbgrader). ``gan-course autograde``
instead runs the same probes in a sandbox and judges them in its own process.
"""

from __future__ import annotations

import importlib
from typing import Sequence

from autograder import harness

from .base import Check, CheckFailure, Probe

ASSIGNMENTS = ("01_vanilla_dcgan", "02_ring_gan", "03_dcgan_faces", "04_wgan_sngan", "05_cgan_losses")
MODULES = {
    "01_vanilla_dcgan": "a01_vanilla_dcgan",
    "02_ring_gan": "a02_ring_gan",
    "03_dcgan_faces": "a03_dcgan_faces",
    "04_wgan_sngan": "a04_wgan_sngan",
    "05_cgan_losses": "a05_cgan_losses",
}
DEFAULT_SEED = 20261123  # probes drawn by in-kernel hidden tests


def checks_for(assignment: str) -> dict[str, Check]:
    """Every Check of ``assignment``, keyed by function name, in notebook order."""
    if assignment not in MODULES:
        raise KeyError(f"unknown assignment {assignment!r}; choose one of: {', '.join(ASSIGNMENTS)}")
    module = importlib.import_module(f"{__name__}.{MODULES[assignment]}")
    return dict(module.CHECKS)


class LocalRunner:
    """Runs probes in this process against a namespace (the notebook's globals)."""

    def __init__(self, namespace: dict):
        self.namespace = namespace

    def run(self, function: str, probes: Sequence[Probe]) -> list[dict]:
        return [harness.run_probe(self.namespace, function, p.harness, p.payload) for p in probes]


def check(assignment: str, function: str, namespace: dict, *, seed: int = DEFAULT_SEED) -> None:
    """Run the hidden check of ``function`` in this process; raises CheckFailure on failure."""
    checks_for(assignment)[function].run(LocalRunner(namespace), seed=seed)
    print(f"{function}: all hidden checks passed")


__all__ = ["ASSIGNMENTS", "Check", "CheckFailure", "LocalRunner", "Probe", "check", "checks_for"]
