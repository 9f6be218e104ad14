"""Latent-space tools: linear and spherical interpolation, and truncated noise.

- slerp: Shoemake 1985, "Animating rotation with quaternion curves"; for GAN latents
  White 2016, "Sampling Generative Networks", https://arxiv.org/abs/1609.04468
- truncation trick: Brock et al. 2019, "Large Scale GAN Training for High Fidelity Natural
  Image Synthesis" (BigGAN), https://arxiv.org/abs/1809.11096, section 3.1
"""

from __future__ import annotations

import torch
from torch import Tensor

PARALLEL_TOL = 1e-6  # |cos(angle)| above 1 - tol counts as (anti)parallel: slerp falls back to lerp


def lerp(z0: Tensor, z1: Tensor, steps: int) -> Tensor:
    """Linear interpolants from z0 to z1, endpoints included. z0, z1: (d,) -> (steps, d)."""
    t = torch.linspace(0.0, 1.0, steps, device=z0.device, dtype=z0.dtype).unsqueeze(1)  # (steps, 1)
    return (1 - t) * z0.unsqueeze(0) + t * z1.unsqueeze(0)


def slerp(z0: Tensor, z1: Tensor, steps: int) -> Tensor:
    """Spherical interpolants from z0 to z1, endpoints included. z0, z1: (d,) -> (steps, d).

    The angle is taken between the normalised vectors; when they are (anti)parallel the
    great circle is undefined and this falls back to :func:`lerp`.
    """
    cos = torch.dot(z0 / z0.norm(), z1 / z1.norm()).clamp(-1.0, 1.0)
    if 1.0 - cos.abs() < PARALLEL_TOL:
        return lerp(z0, z1, steps)
    omega = torch.arccos(cos)
    t = torch.linspace(0.0, 1.0, steps, device=z0.device, dtype=z0.dtype).unsqueeze(1)  # (steps, 1)
    w0 = torch.sin((1 - t) * omega) / torch.sin(omega)  # (steps, 1)
    w1 = torch.sin(t * omega) / torch.sin(omega)
    return w0 * z0.unsqueeze(0) + w1 * z1.unsqueeze(0)


def truncated_noise(
    n: int, latent_dim: int, threshold: float, generator: torch.Generator | None = None
) -> Tensor:
    """(n, latent_dim) standard-normal samples with every entry resampled until |z| <= threshold."""
    if threshold <= 0:
        raise ValueError(f"threshold must be positive, got {threshold}")
    device = generator.device if generator is not None else None
    z = torch.randn(n, latent_dim, generator=generator, device=device)
    outside = z.abs() > threshold
    while outside.any():
        z[outside] = torch.randn(int(outside.sum()), generator=generator, device=device)
        outside = z.abs() > threshold
    return z
