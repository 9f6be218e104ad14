"""Every assignment's catalogue of correct and wrong implementations of its graded functions.

``CATALOGUES[assignment]`` is a :class:`~.catalogue.Catalogue`: named :class:`~.catalogue.Case` s,
each an implementation with the verdict (status, and the words of the diagnosis) the grader must
give it. ``tests/autograder/test_checks.py`` runs every case through the hidden checks; other
tests (the grader / ``gan-course check`` parity) iterate over the same cases.
"""

from __future__ import annotations

from . import a01_vanilla_dcgan, a02_ring_gan, a03_dcgan_faces, a04_wgan_sngan, a05_cgan_losses
from .catalogue import Case, Catalogue

CATALOGUES: dict[str, Catalogue] = {
    module.CATALOGUE.assignment: module.CATALOGUE
    for module in (a01_vanilla_dcgan, a02_ring_gan, a03_dcgan_faces, a04_wgan_sngan, a05_cgan_losses)
}

ALL_CASES: list[Case] = [case for catalogue in CATALOGUES.values() for case in catalogue.cases]

__all__ = ["ALL_CASES", "CATALOGUES", "Case", "Catalogue"]
