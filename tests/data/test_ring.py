"""The 2D ring of assignment 02: its closed form, its distribution and RingDataset's contract."""

from __future__ import annotations

import math

import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from gan_course.data.ring import (
    RING_NOISE_STD, RING_RADIUS, RING_SHIFT, RingDataset, ring_centres, ring_component, ring_from_angles,
    ring_radius, sample_ring,
)


def test_closed_form_points_match_the_course_definition():
    """Does each angle land where COURSE.md says, including both inclusive boundaries?"""
    theta = torch.tensor([0.0, math.pi / 2, math.pi, 3 * math.pi / 2, 1.75 * math.pi], dtype=torch.float64)
    r = torch.tensor([0.0, 0.0, 1.0, -1.0, 2.0], dtype=torch.float64)
    expected = torch.tensor([
        [10.0, -10.0],  # right half, shifted down
        [0.0, 20.0],  # theta = pi/2 belongs to the left half: shifted up
        [-11.0, 10.0],  # left half, radius 10 + 1
        [0.0, 1.0],  # theta = 3 pi/2 still left: (9 cos, 9 sin + 10) = (0, 1)
        [12 * math.cos(1.75 * math.pi), 12 * math.sin(1.75 * math.pi) - 10.0],
    ], dtype=torch.float64)
    torch.testing.assert_close(ring_from_angles(theta, r), expected, atol=1e-12, rtol=0)


def test_sampled_ring_has_the_right_radius_centres_and_halves():
    """Do the halves hold about half the points each, at radius ~ N(10, 1) around (0, +-10)?"""
    points = sample_ring(40_000, generator=torch.Generator().manual_seed(1)).double()
    left = ring_component(points)
    assert abs(left.double().mean().item() - 0.5) < 0.01  # sd of the share is 0.0025
    for half, centre_y in ((left, RING_SHIFT), (~left, -RING_SHIFT)):
        offsets = points[half] - torch.tensor([0.0, centre_y], dtype=torch.float64)
        radius = offsets.norm(dim=1)
        assert abs(radius.mean().item() - RING_RADIUS) < 0.03  # sd of the mean ~ 0.007
        assert abs(radius.std().item() - RING_NOISE_STD) < 0.03
        # angles around the half's own centre stay on that half's side, uniformly spread
        angle = torch.atan2(offsets[:, 1], offsets[:, 0])
        if centre_y > 0:  # left half: cos(theta) <= 0
            assert (offsets[:, 0] <= 1e-9).all()
            angle = torch.remainder(angle, 2 * math.pi)  # into [pi/2, 3pi/2]
            assert abs(angle.mean().item() - math.pi) < 0.03
        else:
            assert (offsets[:, 0] >= -1e-9).all()
            assert abs(angle.mean().item()) < 0.03
        assert abs(angle.std().item() - math.pi / math.sqrt(12)) < 0.02  # uniform over an interval of pi


def test_ring_radius_and_centres_recover_the_noise():
    """Is ring_radius exactly 10 + r for the points built from (theta, r)?"""
    generator = torch.Generator().manual_seed(3)
    theta = torch.rand(500, generator=generator, dtype=torch.float64) * 2 * math.pi
    r = torch.randn(500, generator=generator, dtype=torch.float64)
    points = ring_from_angles(theta, r)
    torch.testing.assert_close(ring_radius(points), RING_RADIUS + r, atol=1e-9, rtol=0)
    left = (theta >= math.pi / 2) & (theta <= 3 * math.pi / 2)
    assert torch.equal(ring_component(points), left)
    assert torch.equal(ring_centres(points)[:, 1], torch.where(left, RING_SHIFT, -RING_SHIFT).double())


def test_sample_ring_is_float32_and_reproducible_from_a_generator():
    a = sample_ring(100, generator=torch.Generator().manual_seed(5))
    b = sample_ring(100, generator=torch.Generator().manual_seed(5))
    c = sample_ring(100, generator=torch.Generator().manual_seed(6))
    assert a.dtype == torch.float32 and a.shape == (100, 2)
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)


def test_ring_dataset_is_reproducible_from_its_seed():
    a, b, c = RingDataset(200, seed=3), RingDataset(200, seed=3), RingDataset(200, seed=4)
    assert torch.equal(a.points, b.points)
    assert not torch.allclose(a.points, c.points)
    assert torch.equal(a.points, sample_ring(200, generator=torch.Generator().manual_seed(3)))


def test_ring_dataset_neither_reads_nor_changes_the_global_rng():
    """Same points whatever the global seed, and the global stream continues as if untouched?"""
    torch.manual_seed(0)
    first = RingDataset(50, seed=1).points
    after_first = torch.rand(3)
    torch.manual_seed(0)
    expected_next = torch.rand(3)
    assert torch.equal(after_first, expected_next)
    torch.manual_seed(12345)
    torch.randn(7)
    assert torch.equal(RingDataset(50, seed=1).points, first)


def test_ring_dataset_items_follow_the_dataset_contract():
    data = RingDataset(37, seed=2)
    assert isinstance(data, Dataset)
    assert len(data) == 37
    item = data[5]
    assert item.dtype == torch.float32 and item.shape == (2,)
    assert torch.equal(item, data.points[5])
    batch = next(iter(DataLoader(data, batch_size=10, shuffle=False)))
    assert torch.equal(batch, data.points[:10])


def test_ring_dataset_default_size_is_ten_thousand():
    assert len(RingDataset()) == 10000


def test_negative_sample_size_is_rejected():
    with pytest.raises(ValueError, match="non-negative"):
        sample_ring(-1)
