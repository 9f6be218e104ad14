"""Wasserstein GAN losses on critic scores (the Kantorovich-Rubinstein dual).

Arjovsky et al. 2017, "Wasserstein GAN", https://arxiv.org/abs/1701.07875 (algorithm 1).
The critic must be kept (approximately) 1-Lipschitz by a regulariser: weight clipping or a
gradient penalty, see :mod:`gan_course.losses.regularizers`.
"""

from __future__ import annotations

from torch import Tensor


def d_wasserstein(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """Critic loss mean(fake) - mean(real) (minimised). (B,), (B',) -> ()."""
    return fake_scores.mean() - real_scores.mean()


def g_wasserstein(fake_scores: Tensor) -> Tensor:
    """Generator loss -mean(fake). (B,) -> ()."""
    return -fake_scores.mean()
