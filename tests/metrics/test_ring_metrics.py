"""Do the ring metrics give their closed-form values: full coverage and 99.73 % within 3 sigma for
a perfect sampler, zero coverage of a dropped semicircle, one arc for a collapsed generator?"""

from __future__ import annotations

import math

import pytest
import torch

from gan_course.data import ring_from_angles, sample_ring
from gan_course.errors import ConfigError
from gan_course.metrics.ring import (
    COVERAGE_BINS, RING_REAL_SEED, THREE_SIGMA_MASS, arc_index, coverage, on_ring, ring_metrics,
)


def ring_points(n: int, seed: int) -> torch.Tensor:
    return sample_ring(n, generator=torch.Generator().manual_seed(seed))  # (n, 2)


def on_the_centre_line(theta) -> torch.Tensor:
    theta = torch.as_tensor(theta, dtype=torch.float64)
    return ring_from_angles(theta, torch.zeros_like(theta))  # (n, 2), radial noise 0


def test_a_perfect_sampler_covers_both_semicircles_and_keeps_three_sigma_of_its_points():
    """Is the on-ring share the Gaussian's 3-sigma mass, 0.9973, within sampling error?"""
    points = ring_points(40_000, seed=5)
    assert coverage(points) == (1.0, 1.0)
    share = float(on_ring(points).double().mean())
    assert THREE_SIGMA_MASS == pytest.approx(0.99730, abs=1e-5)
    standard_error = math.sqrt(THREE_SIGMA_MASS * (1 - THREE_SIGMA_MASS) / 40_000)
    assert share == pytest.approx(THREE_SIGMA_MASS, abs=4 * standard_error)


def test_a_perfect_sampler_is_close_to_fresh_real_points_and_balanced():
    metrics = ring_metrics(ring_points(2000, seed=7))
    assert (metrics.coverage_left, metrics.coverage_right) == (1.0, 1.0)
    assert metrics.left_share == pytest.approx(0.5, abs=0.04)
    assert 0.0 <= metrics.energy_distance < 0.05
    assert (metrics.n_generated, metrics.n_real, metrics.seed) == (2000, 2000, RING_REAL_SEED)


def test_a_generator_on_one_semicircle_has_zero_coverage_of_the_other():
    points = ring_points(6000, seed=3)
    left_only = points[points[:, 0] <= 0][:2000]
    metrics = ring_metrics(left_only)
    assert (metrics.coverage_left, metrics.coverage_right) == (1.0, 0.0)
    assert metrics.left_share == 1.0
    perfect = ring_metrics(points[:2000])
    assert metrics.energy_distance > 20 * perfect.energy_distance


def test_a_collapsed_generator_covers_one_arc():
    points = on_the_centre_line(torch.full((500,), math.pi))  # all at (-10, 10): the middle of the left half
    assert coverage(points) == (1 / COVERAGE_BINS, 0.0)
    assert float(on_ring(points).double().mean()) == 1.0


def test_points_on_the_centre_line_are_on_the_ring_and_points_beyond_three_sigma_are_not():
    theta = torch.linspace(0.01, 2 * math.pi - 0.01, 101, dtype=torch.float64)
    assert bool(on_ring(on_the_centre_line(theta)).all())
    near = ring_from_angles(theta, torch.full_like(theta, 2.9))
    far_out = ring_from_angles(theta, torch.full_like(theta, 3.2))
    far_in = ring_from_angles(theta, torch.full_like(theta, -3.2))
    assert bool(on_ring(near).all()) and not bool(on_ring(far_out).any()) and not bool(on_ring(far_in).any())


def test_arcs_run_from_the_upper_end_of_each_half_to_its_lower_end():
    eps = 1e-3
    left = on_the_centre_line([math.pi / 2 + eps, math.pi, 3 * math.pi / 2 - eps])  # (0, 20) -> (-10, 10) -> (0, 0)
    right = on_the_centre_line([math.pi / 2 - eps, 0.0, -math.pi / 2 + eps])  # (0, 0) -> (10, -10) -> (0, -20)
    middle = COVERAGE_BINS // 2
    assert arc_index(left).tolist() == [0, middle, COVERAGE_BINS - 1]
    assert arc_index(right).tolist() == [0, middle, COVERAGE_BINS - 1]


def test_ring_metrics_are_reproducible_and_leave_the_global_rng_alone():
    points = ring_points(300, seed=1)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    first, second = ring_metrics(points), ring_metrics(points)
    assert first == second
    assert torch.equal(torch.get_rng_state(), before)


def test_points_of_the_wrong_shape_are_a_config_error():
    with pytest.raises(ConfigError, match=r"\(n, 2\)"):
        ring_metrics(torch.zeros(10, 3))
