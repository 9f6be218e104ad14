"""The 2D ring of assignment 02: two noisy semicircles of radius 10, shifted apart.

The course defines it as follows (``COURSE.md``, assignment 02): theta ~ U(0, 2 pi),
r ~ N(0, 1), and

    x = ((10 + r) cos theta, (10 + r) sin theta + 10)   when pi/2 <= theta <= 3 pi/2,
    x = ((10 + r) cos theta, (10 + r) sin theta - 10)   otherwise,

so the left half of a noisy circle is centred at (0, +10) and the right half at (0, -10).
A low-dimensional target like this makes mode dropping visible at a glance, in the spirit
of the 2D mixtures of Metz et al. 2017, "Unrolled Generative Adversarial Networks",
https://arxiv.org/abs/1611.02163.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.utils.data import Dataset

RING_RADIUS = 10.0  # radius of both semicircles (COURSE.md, assignment 02)
RING_NOISE_STD = 1.0  # std of the radial noise r ~ N(0, 1)
RING_SHIFT = 10.0  # the left half is moved up by this much, the right half down
LEFT_HALF = (math.pi / 2, 3 * math.pi / 2)  # theta range (inclusive) of the half shifted up


def ring_from_angles(theta: Tensor, r: Tensor) -> Tensor:
    """The ring's deterministic map: angles theta ``(n,)`` and radial noise r ``(n,)`` -> points ``(n, 2)``.

    Points with ``pi/2 <= theta <= 3 pi/2`` are shifted up by :data:`RING_SHIFT`, the others down.
    Computed in the dtype of ``theta``.
    """
    radius = RING_RADIUS + r  # (n,)
    left = (theta >= LEFT_HALF[0]) & (theta <= LEFT_HALF[1])  # (n,)
    shift = torch.where(left, RING_SHIFT, -RING_SHIFT)  # (n,)
    return torch.stack((radius * torch.cos(theta), radius * torch.sin(theta) + shift), dim=1)  # (n, 2)


def sample_ring(n: int, *, generator: torch.Generator | None = None) -> Tensor:
    """``n`` points of the ring as a float32 tensor ``(n, 2)``, drawn from ``generator`` when given.

    Vectorised: theta ``(n,)`` is drawn first, then r ``(n,)``, in float64, and the points are
    rounded to float32 at the end.
    """
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    device = generator.device if generator is not None else None
    theta = torch.rand(n, generator=generator, dtype=torch.float64, device=device) * (2 * math.pi)  # (n,)
    r = torch.randn(n, generator=generator, dtype=torch.float64, device=device) * RING_NOISE_STD  # (n,)
    return ring_from_angles(theta, r).to(torch.float32)  # (n, 2)


def ring_component(points: Tensor) -> Tensor:
    """Which half each point belongs to: True for the left half (centre (0, +10)), False for the right.

    points: ``(n, 2)`` -> bool ``(n,)``. A ring point's x has the sign of cos(theta) (the radial
    noise never flips it in practice), so the half is read off x: x <= 0 means left.
    """
    return points[:, 0] <= 0  # (n,)


def ring_centres(points: Tensor) -> Tensor:
    """The centre of the half each point belongs to: ``(n, 2)`` of (0, +10) or (0, -10)."""
    y = torch.where(ring_component(points), RING_SHIFT, -RING_SHIFT).to(points.dtype)  # (n,)
    return torch.stack((torch.zeros_like(y), y), dim=1)  # (n, 2)


def ring_radius(points: Tensor) -> Tensor:
    """Distance of each point ``(n, 2)`` from the centre of its own half: ``(n,)``, about 10 +- 1 on the ring."""
    return (points - ring_centres(points)).norm(dim=1)


class RingDataset(Dataset):
    """The ring as a ``torch.utils.data.Dataset`` (``COURSE.md``, assignment 02).

    ``__init__`` draws all ``n`` points once from a private ``torch.Generator`` seeded with
    ``seed``: the points are reproducible and neither depend on nor change the global RNG.
    ``points`` is the float32 ``(n, 2)`` tensor; ``self[i]`` is its row ``(2,)``.
    """

    def __init__(self, n: int = 10000, seed: int = 0) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.points = sample_ring(n, generator=generator)  # (n, 2) float32

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> Tensor:
        return self.points[index]  # (2,)
