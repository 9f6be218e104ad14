"""The per-epoch metric that picks ``checkpoints/best.pt``: a cheap sample distance (lower is better).

- 2D points: energy distance between generated and real points (Szekely & Rizzo 2013,
  "Energy statistics: A class of statistics based on distances"), the quantity students
  compute in assignment 02.
- Images: sliced Wasserstein distance in pixel space (Rabin et al. 2011; used for GANs by
  Karras et al. 2018, "Progressive Growing of GANs", https://arxiv.org/abs/1710.10196).
  It is no substitute for FID, but it is cheap enough to run every epoch on a CPU.

Both sides are fixed once per run: the real sample is drawn from a dedicated generator seeded
with :data:`EVAL_SEED` (independent of the run's seed, so runs with different seeds are
compared on the same data) and so is the latent noise. The metric therefore measures the
generator only, and computing it never touches the training random streams.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..metrics import energy_distance, sliced_wasserstein

EVAL_SEED = 1234  # seeds the fixed evaluation sample and noise (any constant works)
EVAL_POINTS = 2000  # points per side for the 2D energy distance
EVAL_IMAGES = 512  # images per side for the sliced Wasserstein distance
EVAL_CHUNK = 256  # generator batch size while evaluating


@torch.no_grad()
def generate(generator: nn.Module, z: Tensor, labels: Tensor | None, *, chunk: int = EVAL_CHUNK) -> Tensor:
    """``generator(z, labels)`` in eval mode and in chunks, each module's mode restored after.

    z: (N, latent_dim); labels: (N,) or None. Returns (N, ...) on z's device.
    """
    modes = [(module, module.training) for module in generator.modules()]
    generator.eval()
    try:
        parts = [generator(z[i:i + chunk], None if labels is None else labels[i:i + chunk])
                 for i in range(0, len(z), chunk)]
    finally:
        for module, mode in modes:
            module.training = mode
    return torch.cat(parts)  # (N, ...)


class EpochMetric:
    """A fixed real sample and fixed noise; ``metric(G)`` is the distance of G's samples to it.

    data: an ``InMemoryData`` (points or images); latent_dim: G's input size; device: where
    the noise lives. ``name`` is ``"energy_distance"`` or ``"sliced_wasserstein"``.
    ``real`` (N, ...) and ``labels`` (N,) or None stay on the CPU; the fake labels are the
    real ones, so a conditional generator is compared class for class.
    """

    def __init__(self, data, latent_dim: int, device: torch.device):
        points = data.kind == "points"
        self.name = "energy_distance" if points else "sliced_wasserstein"
        self._distance = energy_distance if points else sliced_wasserstein
        n = min(EVAL_POINTS if points else EVAL_IMAGES, len(data))
        rng = torch.Generator().manual_seed(EVAL_SEED)
        self.real, self.labels = data.sample(n, generator=rng)  # (n, ...) float32, (n,) or None
        self.z = torch.randn(n, latent_dim, generator=rng).to(device)  # (n, latent_dim)
        self._fake_labels = None if self.labels is None else self.labels.to(device)

    def samples(self, generator: nn.Module) -> Tensor:
        """G's samples for the fixed noise (and the real labels), on the CPU: (n, ...)."""
        return generate(generator, self.z, self._fake_labels).float().cpu()

    def __call__(self, generator: nn.Module, fake: Tensor | None = None) -> float:
        """The distance between ``fake`` (default: :meth:`samples`) and the fixed real sample."""
        fake = self.samples(generator) if fake is None else fake
        return self._distance(fake, self.real)
