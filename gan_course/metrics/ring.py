"""Metrics of a 2D ring generator: how far its samples are from the ring, whether it covers both
semicircles, and how many of its points lie on the ring at all.

The ring (``gan_course/data/ring.py``, COURSE.md assignment 02) is two noisy semicircles of radius
10: the left half (``x <= 0``) centred at (0, +10), the right half (``x > 0``) at (0, -10), with
radial noise r ~ N(0, 1). Three numbers describe a sampler:

- **energy distance** to *fresh* real samples (drawn from a seed the training data never used):
  the V-statistic ``2 E|X - Y| - E|X - X'| - E|Y - Y'|`` (Szekely & Rizzo 2013, "Energy
  statistics: A class of statistics based on distances"); 0 only for equal distributions, and
  about 2 / n above 0 for a perfect sampler at n points per side (sampling noise);
- **coverage** of each semicircle: the semicircle's angle range is cut into
  :data:`COVERAGE_BINS` equal arcs, and an arc is covered when at least
  :data:`COVERAGE_MIN_SHARE` of the points a perfect sampler would put there (``n / (2 *
  COVERAGE_BINS)``) lie on the ring in it. A perfect sampler covers both halves (1.0); a
  generator that dropped the right half scores 0.0 there, one that collapsed onto a few points
  covers only a few arcs. This is the mode-coverage count of Metz et al. 2017, "Unrolled
  Generative Adversarial Networks" (https://arxiv.org/abs/1611.02163), on arcs of a ring;
- **within 3 sigma**: the share of points whose distance from the centre of their half is
  within ``3 * RING_NOISE_STD`` of the radius, 99.73 % for a perfect sampler (the Gaussian's
  three-sigma mass), the "high-quality samples" share of Srivastava et al. 2017, "VEEGAN"
  (https://arxiv.org/abs/1705.07761).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor

from ..data.ring import RING_NOISE_STD, RING_RADIUS, ring_centres, ring_component, ring_radius, sample_ring
from ..errors import ConfigError
from .distances import energy_distance

COVERAGE_BINS = 18  # arcs per semicircle (10 degrees each)
COVERAGE_MIN_SHARE = 0.25  # an arc is covered when it holds >= this share of a perfect sampler's points
SIGMA_BAND = 3.0  # "on the ring": |distance to the half's centre - radius| <= 3 sigma
THREE_SIGMA_MASS = math.erf(SIGMA_BAND / math.sqrt(2))  # 0.9973: a perfect sampler's share within 3 sigma
RING_REAL_SEED = 2_000_003  # fresh real points for the energy distance (training uses seeds 0, 1, ...)
DEFAULT_RING_SAMPLES = 2000  # points per side (the energy distance holds n x n distances)


@dataclass(frozen=True)
class RingMetrics:
    """The ring metrics of one set of points and how they were measured.

    energy_distance: to ``n_real`` fresh ring points drawn from ``seed``; coverage_left /
    coverage_right: covered share of each semicircle's arcs in [0, 1]; within_3sigma: share of
    points on the ring in [0, 1]; left_share: share of points in the left half (0.5 for a
    perfect sampler).
    """

    energy_distance: float
    coverage_left: float
    coverage_right: float
    within_3sigma: float
    left_share: float
    n_generated: int
    n_real: int
    seed: int
    coverage_bins: int = COVERAGE_BINS
    coverage_min_share: float = COVERAGE_MIN_SHARE

    def as_dict(self) -> dict:
        return asdict(self)

    def protocol(self) -> dict:
        """How the numbers were measured (reported beside them)."""
        return {"n_generated": self.n_generated, "n_real": self.n_real, "real_source": "fresh ring samples",
                "seed": self.seed, "coverage_bins": self.coverage_bins,
                "coverage_min_share": self.coverage_min_share, "sigma_band": SIGMA_BAND}


def _points(points) -> Tensor:
    x = torch.as_tensor(points).detach().cpu().to(torch.float64)
    if x.dim() != 2 or x.shape[1] != 2 or len(x) == 0:
        raise ConfigError(f"ring metrics need points of shape (n, 2) with n >= 1, got {tuple(x.shape)}; "
                          "pass the generator's 2D samples")
    return x


def on_ring(points) -> Tensor:
    """Whether each point ``(n, 2)`` lies within 3 sigma of the ring: bool ``(n,)``."""
    x = _points(points)
    return (ring_radius(x) - RING_RADIUS).abs() <= SIGMA_BAND * RING_NOISE_STD


def arc_index(points) -> Tensor:
    """The arc (0 .. COVERAGE_BINS - 1) of each point ``(n, 2)`` within its own semicircle: int64 ``(n,)``.

    The angle around the half's centre is measured from the half's upper end, so it runs over
    [0, pi] on either half (left: from (0, 20) down to (0, 0); right: from (0, 0) down to (0, -20)).
    """
    x = _points(points)
    offset = x - ring_centres(x)  # (n, 2), relative to (0, +10) or (0, -10)
    angle = torch.atan2(offset[:, 1], offset[:, 0])  # (n,) in (-pi, pi]
    left = ring_component(x)
    # left half: angles pi/2 .. 3pi/2 -> 0 .. pi; right half: pi/2 .. -pi/2 -> 0 .. pi
    along = torch.where(left, torch.remainder(angle - math.pi / 2, 2 * math.pi), math.pi / 2 - angle)
    return (along / math.pi * COVERAGE_BINS).floor().clamp(0, COVERAGE_BINS - 1).to(torch.int64)


def coverage(points) -> tuple[float, float]:
    """(left, right): the covered share of each semicircle's :data:`COVERAGE_BINS` arcs.

    Only points on the ring (:func:`on_ring`) count; an arc is covered when it holds at least
    ``max(1, COVERAGE_MIN_SHARE * n / (2 * COVERAGE_BINS))`` of them, n being all points given.
    """
    x = _points(points)
    keep = on_ring(x)
    expected = len(x) / (2 * COVERAGE_BINS)  # a perfect sampler's points per arc
    needed = max(1, math.ceil(COVERAGE_MIN_SHARE * expected))
    arcs, left = arc_index(x)[keep], ring_component(x)[keep]
    shares = []
    for half in (left, ~left):
        counts = torch.bincount(arcs[half], minlength=COVERAGE_BINS)  # (COVERAGE_BINS,)
        shares.append(float((counts >= needed).double().mean()))
    return shares[0], shares[1]


def ring_metrics(points, *, n_real: int | None = None, seed: int = RING_REAL_SEED) -> RingMetrics:
    """Energy distance to fresh real points, coverage of each semicircle and the on-ring share.

    points: generated points ``(n, 2)`` (tensor or array). n_real: fresh ring points to compare
    with (default: as many as given); they are drawn from ``seed``, never from the global RNG.
    """
    x = _points(points)
    n_real = len(x) if n_real is None else int(n_real)
    if n_real < 1:
        raise ConfigError(f"n_real must be at least 1, got {n_real}")
    real = sample_ring(n_real, generator=torch.Generator().manual_seed(seed))  # (n_real, 2)
    left, right = coverage(x)
    return RingMetrics(
        energy_distance=energy_distance(x, real), coverage_left=left, coverage_right=right,
        within_3sigma=float(on_ring(x).double().mean()), left_share=float(ring_component(x).double().mean()),
        n_generated=len(x), n_real=n_real, seed=seed,
    )
