"""Drawing samples from a trained generator: noise (optionally truncated), class labels,
latent interpolation paths, all reproducible from a seed.

Truncation trick: Brock et al. 2019 (BigGAN), https://arxiv.org/abs/1809.11096, section 3.1.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .errors import ConfigError
from .latent import lerp, slerp, truncated_noise

INTERPOLATIONS = {"lerp": lerp, "slerp": slerp}


def _device(module: nn.Module) -> torch.device:
    return next(module.parameters()).device


def noise(n: int, latent_dim: int, *, seed: int = 0, truncation: float | None = None) -> Tensor:
    """(n, latent_dim) standard-normal latents from ``seed``; entries resampled into
    [-truncation, truncation] when a truncation threshold is given."""
    generator = torch.Generator().manual_seed(seed)
    if truncation is not None:
        return truncated_noise(n, latent_dim, truncation, generator=generator)
    return torch.randn(n, latent_dim, generator=generator)


def class_labels(n: int, num_classes: int, *, label: int | None = None) -> Tensor | None:
    """(n,) labels: all ``label`` when given, else cycling 0, 1, ..., num_classes - 1; None for
    unconditional models (num_classes == 0)."""
    if num_classes == 0:
        if label is not None:
            raise ConfigError("--class needs a conditional model (trained with --model cgan); this one has no classes")
        return None
    if label is not None:
        if not 0 <= label < num_classes:
            raise ConfigError(f"--class {label} is out of range: this model has classes 0..{num_classes - 1}")
        return torch.full((n,), label, dtype=torch.long)
    return torch.arange(n) % num_classes


def row_labels(rows: int, steps: int, num_classes: int, *, label: int | None = None) -> Tensor | None:
    """(rows * steps,) labels for interpolation strips: ``label`` everywhere when given, else
    one class per row (row r gets class r mod num_classes); None for unconditional models."""
    per_row = class_labels(rows, num_classes, label=label)  # (rows,) or None
    return None if per_row is None else per_row.repeat_interleave(steps)


def generate(generator: nn.Module, z: Tensor, labels: Tensor | None = None) -> Tensor:
    """G(z, labels) in eval mode on the generator's device, returned on the CPU.

    z: (n, latent_dim); labels: (n,) or None -> (n, 2) points or (n, C, H, W) images in [-1, 1].
    """
    from .train.epoch_metric import generate as generate_in_chunks

    device = _device(generator)
    return generate_in_chunks(generator, z.to(device), None if labels is None else labels.to(device)).cpu()


def interpolation_latents(
    latent_dim: int, *, rows: int, steps: int, method: str = "slerp", seed: int = 0
) -> Tensor:
    """(rows * steps, latent_dim) latents: ``rows`` paths between random endpoints, ``steps`` each."""
    if method not in INTERPOLATIONS:
        raise ConfigError(f"unknown interpolation {method!r}; choose one of: {', '.join(INTERPOLATIONS)}")
    if steps < 2:
        raise ConfigError(f"--steps must be at least 2 (the two endpoints), got {steps}")
    ends = noise(2 * rows, latent_dim, seed=seed)  # (2 * rows, d)
    paths = [INTERPOLATIONS[method](ends[2 * r], ends[2 * r + 1], steps) for r in range(rows)]
    return torch.cat(paths)  # (rows * steps, d)
