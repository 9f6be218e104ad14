"""Sample-based distances between two point sets, used to measure 2D models and as a cheap
pixel-space score for image models during training.

- Energy distance: Szekely & Rizzo 2013, "Energy statistics: A class of statistics based on
  distances", J. Stat. Planning and Inference 143(8).
- Sliced Wasserstein distance: Rabin et al. 2011, "Wasserstein Barycenter and its
  Application to Texture Mixing"; used for GAN images by Karras et al. 2018 (ProGAN),
  https://arxiv.org/abs/1710.10196.
"""

from __future__ import annotations

import torch
from torch import Tensor

SWD_PROJECTIONS = 128  # random directions for the sliced Wasserstein distance


def _as_tensor(x) -> Tensor:
    return torch.as_tensor(x).detach().to(torch.float64).flatten(start_dim=1)


def energy_distance(a, b) -> float:
    """V-statistic energy distance 2 E d(X,Y) - E d(X,X') - E d(Y,Y').

    a: (n, p), b: (m, p) (numpy or torch; images are flattened). Means run over all pairs,
    i = j included, so the value is >= 0 and exactly 0 for identical sets.
    """
    x, y = _as_tensor(a), _as_tensor(b)
    xy = torch.cdist(x, y).mean()
    xx = torch.cdist(x, x).mean()
    yy = torch.cdist(y, y).mean()
    return float(2 * xy - xx - yy)


def sliced_wasserstein(a, b, n_projections: int = SWD_PROJECTIONS, seed: int = 0) -> float:
    """Sliced 1-Wasserstein distance between two sets of the same size n.

    a, b: (n, ...) flattened to (n, p); projects both on ``n_projections`` random unit
    directions (drawn from ``seed``, so repeated calls agree) and averages the 1D
    Wasserstein-1 distances, computed exactly by sorting.
    """
    x, y = _as_tensor(a), _as_tensor(b)
    if x.shape != y.shape:
        raise ValueError(f"sliced_wasserstein needs sets of the same shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    generator = torch.Generator().manual_seed(seed)
    directions = torch.randn(x.shape[1], n_projections, generator=generator, dtype=torch.float64)
    directions /= directions.norm(dim=0, keepdim=True)  # (p, K)
    px, _ = torch.sort(x @ directions, dim=0)  # (n, K)
    py, _ = torch.sort(y @ directions, dim=0)
    return float((px - py).abs().mean())
