"""Least-squares GAN losses (LSGAN, the 0-1-1 coding of a=0, b=c=1).

Mao et al. 2017, "Least Squares Generative Adversarial Networks", https://arxiv.org/abs/1611.04076
(equation 9). The discriminator's raw output is used as is (no sigmoid).
"""

from __future__ import annotations

from torch import Tensor

LSGAN_SCALE = 0.5  # the 1/2 in front of both terms, Mao et al. 2017, eq. 2


def d_lsgan(real_out: Tensor, fake_out: Tensor, real_label: float = 1.0) -> Tensor:
    """0.5 * mean((real - real_label)^2) + 0.5 * mean(fake^2). (B,), (B',) -> ()."""
    return LSGAN_SCALE * (real_out - real_label).pow(2).mean() + LSGAN_SCALE * fake_out.pow(2).mean()


def g_lsgan(fake_out: Tensor) -> Tensor:
    """0.5 * mean((fake - 1)^2). (B,) -> ()."""
    return LSGAN_SCALE * (fake_out - 1.0).pow(2).mean()
