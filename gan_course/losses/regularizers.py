"""Regularisers that keep a discriminator or critic well behaved.

- Weight clipping: Arjovsky et al. 2017, "Wasserstein GAN", https://arxiv.org/abs/1701.07875
- Gradient penalty (WGAN-GP): Gulrajani et al. 2017, "Improved Training of Wasserstein GANs",
  https://arxiv.org/abs/1704.00028 (algorithm 1, lambda = 10)
- R1 penalty: Mescheder et al. 2018, "Which Training Methods for GANs do actually Converge?",
  https://arxiv.org/abs/1801.04406 (equation 9)

``critic`` is any callable mapping a batch ``x`` to scores ``(B,)`` or ``(B, 1)``; for a
conditional critic pass ``lambda x: D(x, labels)``.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn

GP_WEIGHT = 10.0  # lambda, Gulrajani et al. 2017, algorithm 1
CLIP_VALUE = 0.01  # c, Arjovsky et al. 2017, algorithm 1
R1_WEIGHT = 10.0  # gamma, Mescheder et al. 2018 (their CelebA/LSUN setting)

Critic = Callable[[Tensor], Tensor]


def _per_sample_grad_norm(scores: Tensor, inputs: Tensor) -> Tensor:
    """L2 norm of d scores.sum() / d inputs per sample, over all non-batch dims: (B,)."""
    (grads,) = torch.autograd.grad(scores.sum(), inputs, create_graph=True)
    return grads.flatten(start_dim=1).norm(2, dim=1)


def gradient_penalty(
    critic: Critic, real: Tensor, fake: Tensor, weight: float = GP_WEIGHT, eps: Tensor | None = None
) -> Tensor:
    """WGAN-GP penalty ``weight * mean((||grad critic(x_hat)|| - 1)^2)``.

    real, fake: (B, ...) batches of the same shape; eps: (B,) mixing weights, drawn
    U(0, 1) per sample when None. x_hat = eps * real + (1 - eps) * fake. Returns a 0-dim
    tensor that is differentiable with respect to the critic's parameters.
    """
    batch = real.shape[0]
    if eps is None:
        eps = torch.rand(batch, device=real.device, dtype=real.dtype)
    eps = eps.to(device=real.device, dtype=real.dtype).view(batch, *([1] * (real.dim() - 1)))  # (B, 1, ...)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)  # (B, ...)
    norms = _per_sample_grad_norm(critic(x_hat), x_hat)  # (B,)
    return weight * (norms - 1).pow(2).mean()


def r1_penalty(discriminator: Critic, real: Tensor, weight: float = R1_WEIGHT) -> Tensor:
    """R1 penalty ``weight / 2 * mean(||grad D(x)||^2)`` on real data. real: (B, ...) -> ()."""
    x = real.detach().requires_grad_(True)
    norms = _per_sample_grad_norm(discriminator(x), x)  # (B,)
    return 0.5 * weight * norms.pow(2).mean()


@torch.no_grad()
def clip_weights(critic: nn.Module, clip_value: float = CLIP_VALUE) -> None:
    """Clamp every parameter of ``critic`` into [-clip_value, clip_value] in place."""
    for parameter in critic.parameters():
        parameter.clamp_(-clip_value, clip_value)
