"""A faithful standalone replica of the course's seed recipe for the 2D ring GAN of
assignment 02 -- the baseline the package's fast ring recipe is measured against.

It is written the way the seed notebook did it, overheads included: a map-style
``RingDataset`` of 10k points read one item at a time through a shuffling ``DataLoader``
(batch 128), the COURSE.md 02 MLPs, BCE losses on logits (one-sided label smoothing 0.9 for
the discriminator, the non-saturating generator loss), Adam(2e-4, betas (0.5, 0.999)) for both
networks, 200 epochs, the discriminator stepped on every other batch and the generator on
every batch.

Papers: Goodfellow et al. 2014, "Generative Adversarial Nets", https://arxiv.org/abs/1406.2661;
Salimans et al. 2016, "Improved Techniques for Training GANs" (one-sided label smoothing),
https://arxiv.org/abs/1606.03498; Radford et al. 2015, "Unsupervised Representation Learning
with Deep Convolutional GANs" (Adam lr 2e-4, beta1 0.5), https://arxiv.org/abs/1511.06434.

Run ``python benchmarks/seed_ring_recipe.py [--epochs N] [--seed S]``; ``ring_speed.py``
imports :func:`run_seed_recipe`.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset

try:  # package location when running from the repository root or an installed checkout
    from benchmarks.ring_eval import EVAL_DRAWS, ring_energy_distance, sample_ring
except ImportError:  # run as a script: benchmarks/ is on sys.path
    from ring_eval import EVAL_DRAWS, ring_energy_distance, sample_ring

SEED_POINTS = 10_000  # training points, COURSE.md 02 RingDataset(n=10000)
SEED_BATCH = 128
SEED_EPOCHS = 200
SEED_LATENT_DIM = 100  # COURSE.md 02 make_generator(latent_dim=100)
SEED_LR = 2e-4  # Radford et al. 2015
SEED_BETAS = (0.5, 0.999)  # Radford et al. 2015
SEED_REAL_LABEL = 0.9  # one-sided label smoothing, Salimans et al. 2016, section 3.4
SEED_D_EVERY = 2  # the discriminator steps on every other batch
LEAKY_SLOPE = 0.2  # COURSE.md 02
DROPOUT = 0.3  # COURSE.md 02
EVAL_EVERY = 10  # epochs between timeline checkpoints


class _RingDatasetReference(Dataset):
    """COURSE.md 02 ``RingDataset``: n points drawn once; item i is a (2,) float32 tensor."""

    def __init__(self, n: int = SEED_POINTS, seed: int = 0):
        self.points = sample_ring(n, seed=seed)  # (n, 2)

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.points[i]  # (2,)


def ring_dataset(n: int, seed: int) -> Dataset:
    """The package's ``RingDataset`` when it exists, else the COURSE.md reference."""
    try:
        from gan_course.data import RingDataset
    except ImportError:
        return _RingDatasetReference(n, seed=seed)
    return RingDataset(n, seed=seed)


def make_generator(latent_dim: int = SEED_LATENT_DIM) -> nn.Sequential:
    """COURSE.md 02 generator: (B, latent_dim) -> 128 -> 256 -> 256 -> (B, 2)."""
    net = nn.Sequential(
        nn.Linear(latent_dim, 128), nn.LeakyReLU(LEAKY_SLOPE),  # (B, 128)
        nn.Linear(128, 256), nn.LeakyReLU(LEAKY_SLOPE),  # (B, 256)
        nn.Linear(256, 256), nn.LeakyReLU(LEAKY_SLOPE),  # (B, 256)
        nn.Linear(256, 2),  # (B, 2)
    )
    net.latent_dim = latent_dim
    return net


def make_discriminator() -> nn.Sequential:
    """COURSE.md 02 discriminator: (B, 2) -> 128 -> 256 -> 128 -> (B, 1) logits."""
    return nn.Sequential(
        nn.Linear(2, 128), nn.LeakyReLU(LEAKY_SLOPE), nn.Dropout(DROPOUT),  # (B, 128)
        nn.Linear(128, 256), nn.LeakyReLU(LEAKY_SLOPE), nn.Dropout(DROPOUT),  # (B, 256)
        nn.Linear(256, 128), nn.LeakyReLU(LEAKY_SLOPE), nn.Dropout(DROPOUT),  # (B, 128)
        nn.Linear(128, 1),  # (B, 1)
    )


def discriminator_loss(real_logits, fake_logits, real_label=1.0):
    """Mean BCE(real, real_label) + mean BCE(fake, 0) on logits (COURSE.md 01)."""
    real = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real + fake


def generator_loss(fake_logits):
    """Non-saturating: mean BCE(fake, 1) (COURSE.md 01)."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def discriminator_step(G, D, opt_d, real, z, real_label=SEED_REAL_LABEL) -> float:
    """One ``opt_d`` step on the discriminator loss; G gets no gradient (COURSE.md 02)."""
    opt_d.zero_grad()
    fake = G(z).detach()  # (B, 2)
    loss = discriminator_loss(D(real), D(fake), real_label)
    loss.backward()
    opt_d.step()
    return loss.item()


def generator_step(G, D, opt_g, z) -> float:
    """One ``opt_g`` step on the non-saturating generator loss (COURSE.md 02)."""
    opt_g.zero_grad()
    loss = generator_loss(D(G(z)))
    loss.backward()
    opt_g.step()
    return loss.item()


@dataclass
class SeedRecipeResult:
    """What one run of the seed recipe measured.

    ``timeline`` holds ``(wall_seconds, energy_distance)`` at every checkpoint, wall seconds
    counting training only (evaluation excluded); ``energy_distance`` is the final value,
    averaged over ``EVAL_DRAWS`` draws of fresh real points.
    """

    energy_distance: float
    wall_time: float
    epochs: int
    timeline: list[tuple[float, float]] = field(default_factory=list)
    generator: nn.Module | None = None


def run_seed_recipe(*, epochs: int = SEED_EPOCHS, seed: int = 0, eval_every: int = EVAL_EVERY,
                    eval_draws: int = EVAL_DRAWS, verbose: bool = True) -> SeedRecipeResult:
    """Train the seed recipe on CPU with the current ``torch`` thread count; see the module docstring."""
    torch.manual_seed(seed)
    dataset = ring_dataset(SEED_POINTS, seed)
    loader = DataLoader(dataset, batch_size=SEED_BATCH, shuffle=True)
    G, D = make_generator(), make_discriminator()
    opt_g = torch.optim.Adam(G.parameters(), lr=SEED_LR, betas=SEED_BETAS)
    opt_d = torch.optim.Adam(D.parameters(), lr=SEED_LR, betas=SEED_BETAS)

    wall = 0.0
    timeline: list[tuple[float, float]] = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        for i, real in enumerate(loader):  # real: (B, 2)
            if i % SEED_D_EVERY == 0:
                z = torch.randn(real.size(0), SEED_LATENT_DIM)  # (B, latent_dim)
                d_loss = discriminator_step(G, D, opt_d, real, z)
            z = torch.randn(real.size(0), SEED_LATENT_DIM)
            g_loss = generator_step(G, D, opt_g, z)
        wall += time.perf_counter() - start
        if epoch % eval_every == 0 or epoch == epochs:
            draws = eval_draws if epoch == epochs else 1
            value = ring_energy_distance(G, draws=draws)
            timeline.append((wall, value))
            if verbose:
                print(f"  seed recipe epoch {epoch:4d}  wall {wall:7.1f}s  energy distance {value:.4f}"
                      f"  d_loss {d_loss:.3f}  g_loss {g_loss:.3f}", flush=True)
    return SeedRecipeResult(timeline[-1][1], wall, epochs, timeline, G)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=SEED_EPOCHS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"seed recipe: {args.epochs} epochs, seed {args.seed}, {torch.get_num_threads()} threads")
    result = run_seed_recipe(epochs=args.epochs, seed=args.seed)
    print(f"final energy distance {result.energy_distance:.4f}  wall {result.wall_time:.1f}s")


if __name__ == "__main__":
    main()
