"""GAN objectives as pure functions on logits, in ``d_``/``g_`` pairs chosen by name.

The registry :data:`LOSSES` maps a name to a :class:`LossPair`; the trainer never branches
on the name. Regularisers (gradient penalty, weight clipping, R1) live in
:mod:`gan_course.losses.regularizers` and are chosen separately: WGAN-GP is the
``wasserstein`` pair plus the ``gp`` regulariser.

| name          | discriminator / critic loss              | generator loss          |
|---------------|------------------------------------------|-------------------------|
| ``bce``       | BCE(real, real_label) + BCE(fake, 0)     | non-saturating BCE      |
| ``minimax``   | same as ``bce``                          | mean log(1 - D(G(z)))   |
| ``lsgan``     | least squares (Mao et al. 2017)          | least squares           |
| ``hinge``     | hinge (Lim & Ye 2017)                    | -mean(fake)             |
| ``wasserstein`` | mean(fake) - mean(real)                | -mean(fake)             |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import Tensor

from .bce import SMOOTHED_REAL_LABEL, d_bce, g_bce, g_minimax
from .hinge import d_hinge, g_hinge
from .lsgan import d_lsgan, g_lsgan
from .regularizers import CLIP_VALUE, GP_WEIGHT, R1_WEIGHT, clip_weights, gradient_penalty, r1_penalty
from .wasserstein import d_wasserstein, g_wasserstein


@dataclass(frozen=True)
class LossPair:
    """A discriminator loss and its generator loss.

    ``d_loss(real_logits, fake_logits[, real_label])`` and ``g_loss(fake_logits)`` return
    0-dim tensors. ``has_real_label`` says whether ``d_loss`` takes a ``real_label``
    target (label smoothing); ``unbounded`` says the outputs are critic scores that need a
    Lipschitz regulariser (weight clipping, gradient penalty or spectral norm).
    ``critic_gap`` says the discriminator is a critic whose gap ``mean(D(real)) - mean(D(fake))``
    is worth logging apart from any penalty: the Wasserstein-1 estimate of Arjovsky et al. 2017
    ("Wasserstein GAN", https://arxiv.org/abs/1701.07875, section 3) when the critic is kept
    1-Lipschitz, and the same margin of a spectrally normalised hinge critic (Miyato et al. 2018).
    The trainer logs it as ``w_estimate``.
    """

    name: str
    d_loss: Callable[..., Tensor]
    g_loss: Callable[[Tensor], Tensor]
    has_real_label: bool
    unbounded: bool
    outputs_are_logits: bool
    description: str
    critic_gap: bool = False

    def discriminator_loss(self, real_logits: Tensor, fake_logits: Tensor, real_label: float = 1.0) -> Tensor:
        """``d_loss`` with ``real_label`` passed only where the loss has one."""
        if self.has_real_label:
            return self.d_loss(real_logits, fake_logits, real_label=real_label)
        return self.d_loss(real_logits, fake_logits)


LOSSES: dict[str, LossPair] = {
    pair.name: pair
    for pair in (
        LossPair("bce", d_bce, g_bce, True, False, True, "BCE discriminator, non-saturating generator (Goodfellow et al. 2014)"),
        LossPair("minimax", d_bce, g_minimax, True, False, True, "BCE discriminator, saturating minimax generator (Goodfellow et al. 2014)"),
        LossPair("lsgan", d_lsgan, g_lsgan, True, False, False, "least squares (Mao et al. 2017)"),
        LossPair("hinge", d_hinge, g_hinge, False, False, False, "hinge (Lim & Ye 2017; Miyato et al. 2018)",
                 critic_gap=True),
        LossPair("wasserstein", d_wasserstein, g_wasserstein, False, True, False, "Wasserstein critic (Arjovsky et al. 2017)",
                 critic_gap=True),
    )
}


def get_loss(name: str) -> LossPair:
    """The :class:`LossPair` called ``name``; a ``ValueError`` naming the choices otherwise."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of: {', '.join(sorted(LOSSES))}") from None


__all__ = [
    "CLIP_VALUE", "GP_WEIGHT", "LOSSES", "LossPair", "R1_WEIGHT", "SMOOTHED_REAL_LABEL",
    "clip_weights", "d_bce", "d_hinge", "d_lsgan", "d_wasserstein", "g_bce", "g_hinge",
    "g_lsgan", "g_minimax", "g_wasserstein", "get_loss", "gradient_penalty", "r1_penalty",
]
