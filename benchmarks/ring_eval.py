"""One way to score a 2D ring generator, shared by every ring benchmark so that two
training recipes are compared on exactly the same measurement.

The score is the energy distance (Szekely & Rizzo 2013, "Energy statistics: A class of
statistics based on distances", J. Stat. Planning and Inference 143(8)) between
``n`` generated points and ``n`` *fresh* real points -- never the training set -- averaged
over a few independent draws to reduce its sampling noise. The real draws and the latent
draws come from fixed seeds, so two generators evaluated here see the same real points and
the same latent vectors.

The ring itself is assignment 02's (COURSE.md): theta ~ U(0, 2 pi), r ~ N(0, 1), radius
10 + r, the left half shifted up by 10 and the right half shifted down by 10.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from gan_course.metrics import energy_distance

EVAL_POINTS = 5000  # real and generated points per evaluation draw
EVAL_DRAWS = 3  # independent draws averaged per evaluation
EVAL_SEED = 10_000  # base seed of the evaluation draws, far from any training seed

RING_RADIUS = 10.0  # COURSE.md 02
RING_SHIFT = 10.0  # COURSE.md 02: vertical offset of each half


def sample_ring_reference(n: int, *, seed: int) -> Tensor:
    """``n`` points of the assignment-02 ring, (n, 2) float32, from a private RNG.

    The package's ``gan_course.data.sample_ring`` is used when it exists (see
    :func:`sample_ring`); this reference follows COURSE.md 02 literally.
    """
    generator = torch.Generator().manual_seed(seed)
    theta = torch.rand(n, generator=generator, dtype=torch.float64) * 2 * math.pi  # (n,)
    r = torch.randn(n, generator=generator, dtype=torch.float64)  # (n,)
    radius = RING_RADIUS + r
    left = (theta >= math.pi / 2) & (theta <= 3 * math.pi / 2)
    shift = torch.where(left, RING_SHIFT, -RING_SHIFT)
    points = torch.stack([radius * torch.cos(theta), radius * torch.sin(theta) + shift], dim=1)  # (n, 2)
    return points.to(torch.float32)


def sample_ring(n: int, *, seed: int) -> Tensor:
    """``n`` fresh ring points (n, 2): the package's sampler if present, else the reference."""
    try:
        from gan_course.data.ring import sample_ring as package_sample_ring
    except ImportError:
        return sample_ring_reference(n, seed=seed)
    return package_sample_ring(n, generator=torch.Generator().manual_seed(seed))


_REAL_CACHE: dict[tuple[int, int], Tensor] = {}


def _real_points(n: int, seed: int) -> Tensor:
    key = (n, seed)
    if key not in _REAL_CACHE:
        _REAL_CACHE[key] = sample_ring(n, seed=seed)
    return _REAL_CACHE[key]


@torch.no_grad()
def generate(generator: nn.Module, n: int, *, seed: int) -> Tensor:
    """``n`` points (n, 2) from ``generator`` in eval mode, latents drawn from ``seed``."""
    was_training = generator.training
    generator.eval()
    device = next(generator.parameters()).device
    latent_dim = getattr(generator, "latent_dim", None) or _latent_dim(generator)
    z = torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(seed))  # (n, latent_dim)
    points = generator(z.to(device)).float().cpu()  # (n, 2)
    generator.train(was_training)
    return points


def _latent_dim(generator: nn.Module) -> int:
    first = next(m for m in generator.modules() if isinstance(m, nn.Linear))
    return first.in_features


def ring_energy_distance(generator: nn.Module, *, n: int = EVAL_POINTS, draws: int = EVAL_DRAWS,
                         seed: int = EVAL_SEED) -> float:
    """Mean energy distance between ``n`` generated and ``n`` fresh real ring points over
    ``draws`` independent draws (real seed ``seed + k``, latent seed ``seed + 1000 + k``)."""
    values = []
    for k in range(draws):
        real = _real_points(n, seed + k)  # (n, 2)
        fake = generate(generator, n, seed=seed + 1000 + k)  # (n, 2)
        values.append(energy_distance(fake, real))
    return sum(values) / len(values)
