"""Binary cross-entropy GAN losses on logits: the discriminator loss with one-sided label
smoothing, the non-saturating generator loss and the original minimax (saturating) one.

Goodfellow et al. 2014, "Generative Adversarial Nets", https://arxiv.org/abs/1406.2661
(minimax objective, and the non-saturating -log D(G(z)) heuristic of section 3).
Salimans et al. 2016, "Improved Techniques for Training GANs", https://arxiv.org/abs/1606.03498
(one-sided label smoothing, section 3.4).

All functions take raw logits of shape (B,) or (B, 1), average over the batch and are
stable for logits of any magnitude (they never take log(sigmoid(x)) directly).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

SMOOTHED_REAL_LABEL = 0.9  # one-sided label smoothing, Salimans et al. 2016, section 3.4


def d_bce(real_logits: Tensor, fake_logits: Tensor, real_label: float = 1.0) -> Tensor:
    """Discriminator loss: mean BCE(real, real_label) + mean BCE(fake, 0).

    real_logits: (B,) or (B, 1); fake_logits: (B',) or (B', 1). Returns a 0-dim tensor.
    ``real_label=0.9`` is one-sided label smoothing (the fake targets stay 0).
    """
    real_loss = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label))
    fake_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real_loss + fake_loss


def g_bce(fake_logits: Tensor) -> Tensor:
    """Non-saturating generator loss: mean BCE(fake, 1) = mean softplus(-fake). (B,) -> ()."""
    return F.softplus(-fake_logits).mean()


def g_minimax(fake_logits: Tensor) -> Tensor:
    """Saturating (original minimax) generator loss: mean log(1 - sigmoid(fake)).

    log(1 - sigmoid(x)) = -softplus(x), which stays finite for large logits. (B,) -> ().
    """
    return -F.softplus(fake_logits).mean()
