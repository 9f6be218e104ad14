"""Tiny deterministic fake image data, for ``--dry-run`` and tests.

Each image is one Gaussian blob on a black background. With labels, class k puts its blob
near a point on a circle at angle 2 pi k / K (and, in colour, tints it by that angle), so a
conditional model has something class-dependent to learn; the blob centre jitters a little
per image. Nothing is read from disk; the same ``seed`` gives the same bytes.
"""

from __future__ import annotations

import math

import torch

from .tensor_data import InMemoryData

BLOB_ORBIT = 0.25  # blob centres lie on a circle of this radius, as a fraction of the image size
BLOB_SIGMA = 0.12  # blob width (std), as a fraction of the smaller image side
BLOB_JITTER = 0.03  # per-image std of the centre, as a fraction of the image size
UNLABELLED_POSITIONS = 8  # blob positions used when the data are unlabelled


def synthetic_images(
    shape: tuple[int, int, int] = (1, 28, 28),
    *,
    n: int = 64,
    num_classes: int = 10,
    seed: int = 0,
    name: str = "synthetic",
    class_names: list[str] | None = None,
) -> InMemoryData:
    """``n`` uint8 images of ``shape`` ``(C, H, W)`` with class-dependent blobs.

    Labels are ``arange(n) % num_classes`` (balanced); ``num_classes=0`` gives unlabelled data
    with the blob at one of :data:`UNLABELLED_POSITIONS` random positions.
    """
    channels, height, width = shape
    generator = torch.Generator().manual_seed(seed)
    if num_classes > 0:
        labels = torch.arange(n) % num_classes  # (n,)
        position, positions = labels, num_classes
    else:
        labels = None
        position = torch.randint(0, UNLABELLED_POSITIONS, (n,), generator=generator)  # (n,)
        positions = UNLABELLED_POSITIONS
    angle = 2 * math.pi * position.double() / positions  # (n,)
    jitter = torch.randn(n, 2, generator=generator, dtype=torch.float64) * BLOB_JITTER  # (n, 2)
    centre_y = height * (0.5 + BLOB_ORBIT * torch.sin(angle) + jitter[:, 0]) - 0.5  # (n,) in pixels
    centre_x = width * (0.5 + BLOB_ORBIT * torch.cos(angle) + jitter[:, 1]) - 0.5
    rows = torch.arange(height, dtype=torch.float64).view(1, height, 1)  # (1, H, 1)
    cols = torch.arange(width, dtype=torch.float64).view(1, 1, width)  # (1, 1, W)
    sigma = BLOB_SIGMA * min(height, width)
    squared = (rows - centre_y.view(n, 1, 1)) ** 2 + (cols - centre_x.view(n, 1, 1)) ** 2  # (n, H, W)
    blob = torch.exp(-squared / (2 * sigma**2))  # (n, H, W) in (0, 1]
    if channels == 1:
        colour = torch.ones(n, 1, dtype=torch.float64)  # (n, 1)
    else:
        phase = 2 * math.pi * torch.arange(channels, dtype=torch.float64) / channels  # (C,)
        colour = 0.6 + 0.4 * torch.cos(angle.view(n, 1) + phase.view(1, channels))  # (n, C) in [0.2, 1]
    images = blob.unsqueeze(1) * colour.view(n, channels, 1, 1)  # (n, C, H, W)
    data = (images * 255).round().to(torch.uint8)
    return InMemoryData(data, labels, name=name, num_classes=num_classes, class_names=class_names)
