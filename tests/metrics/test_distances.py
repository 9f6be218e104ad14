"""Do the sample distances match their closed forms?"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_course.metrics import energy_distance, sliced_wasserstein


def test_energy_distance_of_a_set_with_itself_is_zero():
    x = torch.randn(50, 2)
    assert energy_distance(x, x) == pytest.approx(0.0, abs=1e-10)


def test_energy_distance_of_two_points_is_twice_their_distance():
    """V-statistic: 2 d(x, y) - d(x, x) - d(y, y) = 2 |x - y|."""
    assert energy_distance([[0.0, 0.0]], [[3.0, 4.0]]) == pytest.approx(10.0)


def test_energy_distance_matches_a_brute_force_double_loop():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(7, 3)), rng.normal(loc=1.0, size=(5, 3))
    d = lambda u, v: np.linalg.norm(u - v)  # noqa: E731
    xy = np.mean([d(u, v) for u in a for v in b])
    xx = np.mean([d(u, v) for u in a for v in a])
    yy = np.mean([d(u, v) for u in b for v in b])
    assert energy_distance(a, b) == pytest.approx(2 * xy - xx - yy, rel=1e-10)


def test_energy_distance_is_symmetric_and_grows_with_a_shift():
    x = torch.randn(200, 2, generator=torch.Generator().manual_seed(1))
    near, far = energy_distance(x, x + 0.5), energy_distance(x, x + 5.0)
    assert energy_distance(x + 0.5, x) == pytest.approx(near)
    assert 0 < near < far


def test_sliced_wasserstein_of_a_shift_in_one_dimension_is_the_shift():
    x = torch.randn(100, 1, dtype=torch.float64)
    assert sliced_wasserstein(x, x + 2.5) == pytest.approx(2.5, rel=1e-9)


def test_sliced_wasserstein_flattens_images_and_is_zero_on_a_permutation():
    x = torch.randn(32, 1, 4, 4)
    assert sliced_wasserstein(x, x[torch.randperm(32)]) == pytest.approx(0.0, abs=1e-12)


def test_sliced_wasserstein_needs_equal_shapes():
    with pytest.raises(ValueError, match="same shape"):
        sliced_wasserstein(torch.zeros(3, 2), torch.zeros(4, 2))
