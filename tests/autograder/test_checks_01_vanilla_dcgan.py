"""Assignment 01's hidden checks beyond the shared skeleton (``test_checks.py`` runs the
catalogue :mod:`tests.autograder.cases.a01_vanilla_dcgan`): are the probes drawn from the grader's seed?"""

from __future__ import annotations

import torch

from gan_course.course.checks import checks_for

ASSIGNMENT = "01_vanilla_dcgan"


def test_probes_are_fresh_per_seed_and_repeatable():
    """Does the grader's seed choose the inputs (different seeds, different logits; same seed, same)?"""
    chk = checks_for(ASSIGNMENT)["discriminator_loss"]
    first, again, other = chk.probes(3), chk.probes(3), chk.probes(4)
    assert torch.equal(first[0].payload["args"][0], again[0].payload["args"][0])
    assert not torch.equal(first[0].payload["args"][0], other[0].payload["args"][0])
