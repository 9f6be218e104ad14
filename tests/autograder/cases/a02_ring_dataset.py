"""Implementations of ``RingDataset`` (assignment 02, the 2D ring of COURSE.md) for the tests of its
hidden check: ``CORRECT`` (the first is the one the solution notebook uses) and ``WRONG`` (mistake,
code[, words its failure message must contain]); part of :mod:`.a02_ring_gan`'s catalogue."""

from __future__ import annotations

import math
import random

import numpy as np
import torch
from torch.utils.data import Dataset


# --- RingDataset ---------------------------------------------------------------------------


class RingDataset(Dataset):
    """The ring of COURSE.md 02: n points drawn once, from a private generator seeded with seed."""

    def __init__(self, n=10000, seed=0):
        generator = torch.Generator().manual_seed(seed)
        theta = torch.rand(n, generator=generator) * 2 * math.pi  # (n,)
        r = torch.randn(n, generator=generator)  # (n,)
        left = (theta >= math.pi / 2) & (theta <= 3 * math.pi / 2)
        shift = torch.where(left, 10.0, -10.0)
        self.points = torch.stack(((10 + r) * torch.cos(theta), (10 + r) * torch.sin(theta) + shift), dim=1)  # (n, 2)

    def __len__(self):
        return len(self.points)

    def __getitem__(self, index):
        return self.points[index]


class _RingNumpy(Dataset):
    def __init__(self, n=10000, seed=0):
        rng = np.random.default_rng(seed)
        theta = rng.uniform(0, 2 * np.pi, n)
        r = rng.standard_normal(n)
        shift = np.where((theta >= np.pi / 2) & (theta <= 3 * np.pi / 2), 10.0, -10.0)
        points = np.stack([(10 + r) * np.cos(theta), (10 + r) * np.sin(theta) + shift], axis=1)
        self.points = torch.from_numpy(points).float()

    def __len__(self):
        return self.points.shape[0]

    def __getitem__(self, i):
        return self.points[i]


class _RingLoop(Dataset):
    def __init__(self, n=10000, seed=0):
        rng = random.Random(seed)
        rows = []
        for _ in range(n):
            theta, r = rng.uniform(0, 2 * math.pi), rng.gauss(0, 1)
            offset = 10 if math.pi / 2 <= theta <= 3 * math.pi / 2 else -10
            rows.append(((10 + r) * math.cos(theta), (10 + r) * math.sin(theta) + offset))
        self.data = torch.tensor(rows, dtype=torch.float32)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return self.data[i]


class _RingGlobalSeed(Dataset):
    """Seeds the global RNG: reproducible and independent of what ran before (it does reset it)."""

    def __init__(self, n=10000, seed=0):
        torch.manual_seed(seed)
        theta = 2 * math.pi * torch.rand(n)
        radius = 10 + torch.randn(n)
        x, y = radius * torch.cos(theta), radius * torch.sin(theta)
        y = torch.where(torch.cos(theta) <= 0, y + 10, y - 10)  # cos(theta) <= 0 <=> pi/2 <= theta <= 3 pi/2
        self.xy = torch.stack([x, y], 1)

    def __len__(self):
        return len(self.xy)

    def __getitem__(self, i):
        return self.xy[i]


def _ring_variant(*, shift=10.0, swap=False, rule="left", noise="normal", theta_max=2 * math.pi, degrees=False,
                  radial="both", rng="private", default_n=10000, default_seed=0, dtype=torch.float32, base=Dataset,
                  fresh=False, numpy_items=False):
    """A RingDataset with one mistake."""

    class Ring(base):
        def __init__(self, n=default_n, seed=default_seed):
            g = torch.Generator().manual_seed(0 if rng == "fixed" else seed) if rng != "global" else None
            self.n, self.g = n, g
            self.points = self._draw(n)

        def _draw(self, n):
            g = self.g
            theta = torch.rand(n, generator=g, dtype=torch.float64) * (360.0 if degrees else theta_max)
            r = torch.randn(n, generator=g, dtype=torch.float64) if noise == "normal" else torch.rand(n, generator=g, dtype=torch.float64)
            lo, hi = (90.0, 270.0) if degrees else (math.pi / 2, 3 * math.pi / 2)
            first = (theta >= lo) & (theta <= hi) if rule == "left" else (theta <= math.pi)
            offset = torch.where(first, -shift if swap else shift, shift if swap else -shift)
            rx = 10 + r if radial in ("both", "x") else torch.full_like(r, 10.0)
            ry = 10 + r if radial == "both" else torch.full_like(r, 10.0)
            return torch.stack((rx * torch.cos(theta), ry * torch.sin(theta) + offset), 1).to(dtype)

        def __len__(self):
            return self.n

        def __getitem__(self, i):
            point = self._draw(1)[0] if fresh else self.points[i]
            return point.numpy() if numpy_items else point

    return Ring


CORRECT = [RingDataset, _RingNumpy, _RingLoop, _RingGlobalSeed]
WRONG = [  # (mistake, implementation[, words the message must contain])
    ("swapped halves", _ring_variant(swap=True), "shifted UP"),
    ("r ~ U(0, 1) instead of N(0, 1)", _ring_variant(noise="uniform"), "r ~ N(0, 1)"),
    ("theta in degrees", _ring_variant(degrees=True)),
    ("top/bottom split instead of left/right", _ring_variant(rule="top")),
    ("theta ~ U(0, pi)", _ring_variant(theta_max=math.pi)),
    ("shift of 5", _ring_variant(shift=5.0)),
    ("radial noise on x only", _ring_variant(radial="x")),
    ("global RNG", _ring_variant(rng="global"), "global random state"),
    ("seed ignored", _ring_variant(rng="fixed"), "ignores its seed"),
    ("fresh point in __getitem__", _ring_variant(fresh=True), "once in __init__"),
    ("float64 points", _ring_variant(dtype=torch.float64)),
    ("numpy items", _ring_variant(numpy_items=True)),
    ("default seed 42", _ring_variant(default_seed=42), "default seed"),
    ("default n 1000", _ring_variant(default_n=1000)),
    ("not a Dataset", _ring_variant(base=object)),
]
