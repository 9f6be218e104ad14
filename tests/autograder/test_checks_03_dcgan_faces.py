"""Assignment 03's hidden checks beyond the shared skeleton (``test_checks.py`` runs the
catalogue :mod:`tests.autograder.cases.a03_dcgan_faces`): the slerp probes' geometry and the
truncated normal's statistics."""

from __future__ import annotations

import torch
from scipy.stats import truncnorm

from gan_course.course.checks import DEFAULT_SEED, checks_for

ASSIGNMENT = "03_dcgan_faces"


def test_parallel_probes_are_exactly_parallel():
    """Do the (anti)parallel slerp probes give a normalised cosine of exactly +-1 (so no-fallback code fails)?"""
    probes = {p.label: p.payload["args"] for p in checks_for(ASSIGNMENT)["slerp"].probes(DEFAULT_SEED)}
    for label, sign in (("parallel vectors", 1.0), ("anti-parallel vectors", -1.0)):
        z0, z1, _ = probes[label]
        assert torch.dot(z0 / z0.norm(), z1 / z1.norm()).item() == sign


def test_noise_statistics_accept_the_reference_sampler_for_many_seeds():
    """Are the truncated-normal thresholds loose enough that a correct sampler never fails?"""
    from gan_course.course.checks.a03_dcgan_faces import _judge_noise_statistics
    from gan_course.latent import truncated_noise as reference

    for seed in range(100):
        for t in (0.5, 1.0, 2.0):
            z = reference(1000, 8, t, generator=torch.Generator().manual_seed(seed))
            _judge_noise_statistics("truncated_noise", "many seeds", z, t)


def test_truncated_moments_match_a_large_sample():
    """Are the closed-form E z^2 and E z^4 of the truncated normal right?"""
    from gan_course.course.checks.a03_dcgan_faces import truncated_moments

    z = torch.tensor(truncnorm.rvs(-1.3, 1.3, size=400_000, random_state=0))
    m2, m4, mass = truncated_moments(1.3)
    assert abs(z.pow(2).mean().item() - m2) < 3e-3 and abs(z.pow(4).mean().item() - m4) < 5e-3
    assert abs(mass - 0.806399) < 1e-5  # P(|Z| <= 1.3) from a normal table
