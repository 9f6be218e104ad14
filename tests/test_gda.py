"""Does gda_trajectory follow gradient descent-ascent on x * y, in both update orders?"""

from __future__ import annotations

import math

import pytest
import torch

from gan_course.gda import alternating_energy, gda_trajectory


def test_the_first_steps_match_the_update_rules_by_hand():
    """From (1, 0) with lr 0.5: simultaneous gives (1, 0.5) then (0.75, 1); alternating (1, 0.5) then (0.75, 0.875)."""
    simultaneous = gda_trajectory(1.0, 0.0, 0.5, 2)
    alternating = gda_trajectory(1.0, 0.0, 0.5, 2, alternating=True)
    assert simultaneous.tolist() == [[1.0, 0.0], [1.0, 0.5], [0.75, 1.0]]
    assert alternating.tolist() == [[1.0, 0.0], [1.0, 0.5], [0.75, 0.875]]
    assert simultaneous.dtype == torch.float64 and simultaneous.shape == (3, 2)


def test_simultaneous_updates_grow_the_radius_by_sqrt_one_plus_lr_squared():
    path = gda_trajectory(0.3, -1.2, 0.1, 50)
    radius = path.norm(dim=1)
    expected = radius[0] * (1 + 0.1**2) ** (torch.arange(51, dtype=torch.float64) / 2)
    assert torch.allclose(radius, expected, rtol=1e-12)


def test_alternating_updates_conserve_the_energy_and_stay_bounded():
    path = gda_trajectory(0.3, -1.2, 0.4, 500, alternating=True)
    energy = alternating_energy(path, 0.4)
    assert torch.allclose(energy, energy[0].expand_as(energy), rtol=1e-10)
    assert path.norm(dim=1).max() < 2 * path[0].norm()
    angles = torch.atan2(path[:, 1], path[:, 0])
    assert (angles.diff().remainder(2 * math.pi) > 0).all(), "the orbit turns the same way at every step"


def test_zero_steps_is_the_start_alone():
    assert gda_trajectory(2.0, 3.0, 0.1, 0).tolist() == [[2.0, 3.0]]


@pytest.mark.parametrize("steps", [-1, 2.5])
def test_a_bad_step_count_is_refused(steps):
    with pytest.raises(ValueError, match="steps"):
        gda_trajectory(1.0, 1.0, 0.1, steps)
