"""One WGAN critic update, written out: the reference of assignment 04's graded ``critic_step``.

Arjovsky et al. 2017, "Wasserstein GAN", https://arxiv.org/abs/1701.07875 (algorithm 1, lines
2-8: the critic's inner loop, weight clipping after each step); Gulrajani et al. 2017, "Improved
Training of Wasserstein GANs", https://arxiv.org/abs/1704.00028 (algorithm 1: the gradient
penalty added to the critic's loss instead of clipping).

The trainer (:mod:`gan_course.train.trainer`) does the same update for every loss pair; this
function is the plain WGAN version the course asks students to write and the grader compares
against. It returns the critic's estimate of the Wasserstein distance, measured before the step
and without the penalty: the number that tracks sample quality (Arjovsky et al., figure 3).
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn

from gan_course.losses import clip_weights, d_wasserstein

Penalty = Callable[[nn.Module, Tensor, Tensor], Tensor]


def critic_step(
    critic: nn.Module,
    generator: nn.Module,
    opt_c: torch.optim.Optimizer,
    real: Tensor,
    z: Tensor,
    penalty: Penalty | None = None,
    clip_value: float | None = None,
) -> float:
    """One critic update; returns mean(critic(real)) - mean(critic(fake)) before the step.

    critic: (B, ...) -> scores (B,) or (B, 1); generator: z (B, latent) -> (B, ...);
    opt_c steps the critic's parameters only. The generator's parameters and gradients are
    left as they were (the fake batch is made without recording a graph). ``penalty(critic,
    real, fake)`` (e.g. the gradient penalty) is added to the loss, never to the estimate;
    with ``clip_value`` every critic parameter is clamped into [-c, c] after the step.
    """
    opt_c.zero_grad(set_to_none=True)  # stale gradients from the last step
    with torch.no_grad():
        fake = generator(z)  # (B, ...): no graph back into G
    real_scores, fake_scores = critic(real), critic(fake)  # (B,) each
    loss = d_wasserstein(real_scores, fake_scores)  # mean(fake) - mean(real) = -estimate
    estimate = -loss.item()
    if penalty is not None:
        loss = loss + penalty(critic, real, fake)
    loss.backward()
    opt_c.step()
    if clip_value is not None:
        clip_weights(critic, clip_value)
    return estimate


__all__ = ["critic_step"]
