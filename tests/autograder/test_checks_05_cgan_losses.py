"""Assignment 05's hidden checks beyond the shared skeleton (``test_checks.py`` runs the
catalogue :mod:`tests.autograder.cases.a05_cgan_losses`): are the grader's private FID / KID
references right (closed forms, unbiasedness), do the ICNR probes separate kaiming from its
confusions, and is ``projection_logits`` what the course's discriminator computes?"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gan_course.course.checks import _fid_kid

from .cases.a05_fid_kid import _fid_scipy, _kid_loop, _kid_variant, frechet_distance


def test_frechet_reference_matches_the_closed_form_for_diagonal_gaussians():
    """For diagonal covariances, FID = ||mu1 - mu2||^2 + sum (sqrt(s1) - sqrt(s2))^2."""
    g = torch.Generator().manual_seed(3)
    mu1, mu2 = torch.randn(7, generator=g, dtype=torch.float64), torch.randn(7, generator=g, dtype=torch.float64)
    s1, s2 = torch.rand(7, generator=g, dtype=torch.float64) + 0.1, torch.rand(7, generator=g, dtype=torch.float64) * 3
    closed = float((mu1 - mu2).pow(2).sum() + (s1.sqrt() - s2.sqrt()).pow(2).sum())
    assert _fid_kid.frechet_distance(mu1, torch.diag(s1), mu2, torch.diag(s2)) == pytest.approx(closed, rel=1e-12)
    assert _fid_kid.frechet_distance(mu1.numpy(), torch.diag(s1).numpy(), mu1.numpy(), torch.diag(s1).numpy()) == pytest.approx(0, abs=1e-12)


def test_frechet_reference_matches_scipy_for_full_covariances_and_is_symmetric():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(50, 6)) @ rng.normal(size=(6, 6)), rng.normal(size=(50, 6)) + 0.5
    stats = [a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)]
    value = _fid_kid.frechet_distance(*stats)
    assert value == pytest.approx(_fid_scipy(*stats), rel=1e-9)
    assert value == pytest.approx(_fid_kid.frechet_distance(*stats[2:], *stats[:2]), rel=1e-9)
    # 1-D Gaussians: (m1 - m2)^2 + (sd1 - sd2)^2
    assert _fid_kid.frechet_distance([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4 + 1, rel=1e-12)


def test_frechet_reference_is_real_and_finite_for_singular_covariances():
    """Fewer samples than dimensions: rank-deficient sigmas; the result must be real, finite, >= 0."""
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(4, 20)), rng.normal(size=(5, 20)) + 0.2
    stats = [a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)]
    value = _fid_kid.frechet_distance(*stats)
    assert math.isfinite(value) and value > 0
    assert value == pytest.approx(frechet_distance(*stats), rel=1e-6)


def test_kid_reference_matches_a_loop_and_is_unbiased():
    """Is the mean over many draws ~0 for identical distributions, while the biased estimator is not?"""
    g = torch.Generator().manual_seed(6)
    x, y = torch.randn(9, 4, generator=g, dtype=torch.float64), torch.randn(13, 4, generator=g, dtype=torch.float64)
    assert _fid_kid.kernel_inception_distance(x, y) == pytest.approx(_kid_loop(x.numpy(), y.numpy()), rel=1e-10)
    draws = 400
    unbiased, biased = [], []
    for _ in range(draws):
        a, b = torch.randn(10, 4, generator=g, dtype=torch.float64), torch.randn(15, 4, generator=g, dtype=torch.float64)
        unbiased.append(_fid_kid.kernel_inception_distance(a, b))
        biased.append(_kid_variant(biased=True)(a, b))
    unbiased_t, biased_t = torch.tensor(unbiased), torch.tensor(biased)
    standard_error = float(unbiased_t.std()) / math.sqrt(draws)
    assert abs(float(unbiased_t.mean())) < 4 * standard_error
    assert float(biased_t.mean()) > 10 * standard_error


def test_icnr_probes_separate_kaiming_from_its_usual_confusions():
    """With C != C_in in every probe, do fan_out and xavier give a spread far from kaiming's?"""
    from gan_course.course.checks.a05_cgan_losses import _ICNR_CASES, STD_TOLERANCE

    for _, (channels, in_channels, k), _, _, _ in _ICNR_CASES:
        fan_in, fan_out = in_channels * k * k, channels * k * k
        assert abs(math.sqrt(fan_in / fan_out) - 1) > 2 * STD_TOLERANCE
        assert abs(math.sqrt(2 * fan_in / (fan_in + fan_out)) / math.sqrt(2) - 1) > 2 * STD_TOLERANCE


def test_projection_logits_is_what_the_conditional_discriminator_computes():
    """Is the library's ``projection_logits`` the output of the course's projection discriminator
    (Miyato & Koyama 2018), and does a student's function plug into it?"""
    from gan_course.models.cgan import ConditionalDiscriminator

    torch.manual_seed(0)
    d = ConditionalDiscriminator(num_classes=3, channels=1, image_size=28, width=4).eval()
    x, y = torch.randn(5, 1, 28, 28), torch.tensor([0, 2, 1, 1, 0])
    with torch.no_grad():
        h = d.features(x)
        by_hand = d.psi(h)[:, 0] + (d.embed.weight[y] * h).sum(dim=1)
        assert torch.allclose(d(x, y), by_hand, atol=1e-5)
        d.projection = lambda f, labels, head, embedding: head(f)[:, 0]  # a student's function plugs in
        assert torch.allclose(d(x, y), d.psi(h)[:, 0], atol=1e-6)
