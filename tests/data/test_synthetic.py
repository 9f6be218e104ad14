"""Synthetic blob images: deterministic, balanced, and class-dependent enough to condition on."""

from __future__ import annotations

import math

import torch

from gan_course.data.synthetic import BLOB_ORBIT, synthetic_images


def brightest_pixel(image: torch.Tensor) -> tuple[int, int]:
    """(row, col) of the maximum of a (H, W) tensor."""
    index = int(image.argmax())
    return divmod(index, image.shape[1])


def test_same_seed_same_bytes_and_other_seed_other_bytes():
    a = synthetic_images((1, 28, 28), n=20, seed=3)
    b = synthetic_images((1, 28, 28), n=20, seed=3)
    c = synthetic_images((1, 28, 28), n=20, seed=4)
    assert torch.equal(a.data, b.data) and not torch.equal(a.data, c.data)


def test_shape_dtype_and_balanced_labels():
    data = synthetic_images((3, 32, 32), n=40, num_classes=4, name="fake")
    assert data.data.dtype == torch.uint8 and data.data.shape == (40, 3, 32, 32)
    assert data.name == "fake" and data.num_classes == 4
    assert torch.bincount(data.labels).tolist() == [10, 10, 10, 10]
    assert data.data.max() > 150 and data.data.min() == 0  # a bright blob on black


def test_each_class_puts_its_blob_at_its_own_place_on_the_orbit():
    """Is the class mean's brightest pixel where class k's centre should be (angle 2 pi k / K)?"""
    size, classes = 32, 8
    data = synthetic_images((1, size, size), n=16 * classes, num_classes=classes, seed=0)
    for k in range(classes):
        mean = data.data[data.labels == k, 0].double().mean(dim=0)  # (H, W)
        row, col = brightest_pixel(mean)
        angle = 2 * math.pi * k / classes
        expected_row = size * (0.5 + BLOB_ORBIT * math.sin(angle)) - 0.5
        expected_col = size * (0.5 + BLOB_ORBIT * math.cos(angle)) - 0.5
        assert abs(row - expected_row) <= 1.5 and abs(col - expected_col) <= 1.5


def test_colour_images_tint_classes_differently():
    data = synthetic_images((3, 16, 16), n=30, num_classes=3, seed=0)
    colour = torch.stack([data.data[data.labels == k].double().mean(dim=(0, 2, 3)) for k in range(3)])  # (3, C)
    dominant = colour.argmax(dim=1)
    assert sorted(dominant.tolist()) == [0, 1, 2]


def test_zero_classes_gives_unlabelled_data():
    data = synthetic_images((1, 8, 8), n=10, num_classes=0)
    assert data.labels is None and data.num_classes == 0 and len(data) == 10
