"""Assignment 04's hidden checks beyond the shared skeleton (``test_checks.py`` runs the
catalogue :mod:`tests.autograder.cases.a04_wgan_sngan`): the spectral-norm probes' design and
the harness's registry."""

from __future__ import annotations

import torch

from gan_course.course import harness


def test_spectral_norm_probes_have_a_clear_spectral_gap():
    """Are the probe weights built so that a dozen power iterations converge (sigma_2 / sigma_1 small)?"""
    from gan_course.course.checks.a04_wgan_sngan import _sn_probes, weight_matrix
    from gan_course.course.harness.a04 import build_model

    for probe in _sn_probes(torch.Generator().manual_seed(5)):
        types = {p: type(m).__name__ for p, m in build_model(probe.label).named_modules()}
        for path in probe.payload["rescale_paths"]:
            values = torch.linalg.svdvals(weight_matrix(probe.payload["state"][f"{path}.weight"], types[path]))
            assert values[0] >= 2.0 and (values.numel() == 1 or values[1] / values[0] < 0.25)


def test_harness_names_resolve_to_the_harness_functions():
    """Does a probe's ``"a04.gradient_penalty"`` name the harness function of that name?"""
    from gan_course.course.harness import a04

    assert harness.resolve("a04.gradient_penalty") is a04.gradient_penalty
