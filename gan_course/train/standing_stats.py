"""Standing statistics: the sampling generator's BatchNorm statistics recomputed from fresh noise.

Brock et al. 2019, "Large Scale GAN Training for High Fidelity Natural Image Synthesis"
(BigGAN), https://arxiv.org/abs/1809.11096, and its reference code (``accumulate_standing_stats`` in
https://github.com/ajbrock/BigGAN-PyTorch): instead of the running averages kept during training,
run G in training mode over many batches of random noise and store the means and variances
aggregated over all of those passes ("standing statistics").

Why the course needs it: the EMA generator (:mod:`gan_course.train.ema`) averages the weights
but copies BatchNorm's running statistics from the live G, so in eval mode the averaged weights
are normalised with statistics that belong to other weights. With seed 000's BatchNorm momentum
of 0.8 (the conditional GAN's) those statistics are, moreover, mostly the last training batch's.
Recomputing them for the averaged weights costs a hundred forward passes of G per evaluation.

The statistics are a cumulative average (``momentum=None``) over ``batches`` passes of ``batch_size``
noise vectors, with uniformly drawn class labels for a conditional generator. The noise comes
from its own seeded ``torch.Generator``, so turning this on does not change the training's random
stream.
"""

from __future__ import annotations

import torch
from torch import nn

STANDING_BATCHES = 100  # forward passes averaged


def batch_norms(module: nn.Module) -> list[nn.modules.batchnorm._BatchNorm]:
    """The BatchNorm layers of ``module`` that track running statistics."""
    return [m for m in module.modules()
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats]


@torch.no_grad()
def standing_statistics(generator: nn.Module, *, batch_size: int, batches: int = STANDING_BATCHES,
                        seed: int = 0, device: str | torch.device | None = None) -> bool:
    """Replace the running mean and variance of every BatchNorm layer of ``generator`` in place.

    Each of ``batches`` passes feeds ``G(z, y)`` with ``z`` (batch_size, latent_dim) ~ N(0, I) and,
    when the generator has ``num_classes > 0``, labels ``y`` (batch_size,) drawn uniformly (else
    None). The generator's mode and the layers' momenta are restored afterwards. Returns False,
    changing nothing, when the generator has no BatchNorm layer.
    """
    if batches < 1 or batch_size < 2:
        raise ValueError(f"standing statistics need batches >= 1 and batch_size >= 2, got {batches} and {batch_size}")
    norms = batch_norms(generator)
    if not norms:
        return False
    if device is None:
        device = next(generator.parameters()).device
    num_classes = int(getattr(generator, "num_classes", 0) or 0)
    rng = torch.Generator(device=device).manual_seed(seed)
    was_training, momenta = generator.training, [m.momentum for m in norms]
    try:
        for norm in norms:
            norm.reset_running_stats()
            norm.momentum = None  # a cumulative average over all passes
        generator.train()
        for _ in range(batches):
            z = torch.randn(batch_size, generator.latent_dim, generator=rng, device=device)  # (B, latent_dim)
            labels = (torch.randint(num_classes, (batch_size,), generator=rng, device=device)
                      if num_classes else None)  # (B,) or None
            generator(z, labels)
    finally:
        for norm, momentum in zip(norms, momenta):
            norm.momentum = momentum
        generator.train(was_training)
    return True
