"""Hinge GAN losses, as used by SNGAN and BigGAN.

Lim & Ye 2017, "Geometric GAN", https://arxiv.org/abs/1705.02894;
Miyato et al. 2018, "Spectral Normalization for GANs", https://arxiv.org/abs/1802.05957 (eq. 17).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

HINGE_MARGIN = 1.0  # Lim & Ye 2017


def d_hinge(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """mean(relu(1 - real)) + mean(relu(1 + fake)). (B,), (B',) -> ()."""
    return F.relu(HINGE_MARGIN - real_logits).mean() + F.relu(HINGE_MARGIN + fake_logits).mean()


def g_hinge(fake_logits: Tensor) -> Tensor:
    """-mean(fake). (B,) -> ()."""
    return -fake_logits.mean()
