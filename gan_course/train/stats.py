"""The numbers one training epoch collects: the latest values of the logging window and the
running sums behind the epoch's means.

What the discriminator step reports (``d_loss`` includes any penalty term):

- ``d_real``, ``d_fake``: mean D(x) and D(G(z)), as probabilities for losses on logits;
- ``w_estimate`` (critic losses, :attr:`~gan_course.losses.LossPair.critic_gap`):
  ``mean(D(x)) - mean(D(G(z)))`` of the raw critic outputs, *without* the penalty. For the
  Wasserstein loss ``d_loss = -w_estimate + penalty``, and ``w_estimate`` is the critic's
  estimate of the Wasserstein-1 distance (Arjovsky et al. 2017, "Wasserstein GAN",
  https://arxiv.org/abs/1701.07875, section 3 and figures 3-4: it tracks sample quality, the
  BCE discriminator loss does not);
- ``penalty``: the weighted gradient-penalty or R1 term (Gulrajani et al. 2017, Mescheder et
  al. 2018) added to ``d_loss``, when the regulariser has one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

STEP_VALUES = ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm")  # every logged step
EPOCH_MEANS = ("d_loss", "g_loss", "d_real", "d_fake")  # every epoch
CRITIC_VALUES = ("w_estimate",)  # logged when the loss has a critic gap
PENALTY_VALUES = ("penalty",)  # logged when the regulariser adds a penalty term


@dataclass
class EpochStats:
    """One epoch's statistics. The ``*_grad_norm`` values are measured once per logging window
    (``want_*_norm``), at its first step, and cleared by :meth:`window_logged`."""

    d_steps: int = 0
    g_steps: int = 0
    d_loss: float | None = None
    g_loss: float | None = None
    d_real: float | None = None
    d_fake: float | None = None
    w_estimate: float | None = None
    penalty: float | None = None
    d_grad_norm: float | None = None
    g_grad_norm: float | None = None
    want_d_norm: bool = True
    want_g_norm: bool = True
    seconds: float = 0.0  # training seconds of the epoch, set when it ends
    _sums: dict = field(default_factory=lambda: dict.fromkeys((*EPOCH_MEANS, *CRITIC_VALUES, *PENALTY_VALUES), 0.0),
                        repr=False)

    def add_d_step(self, *, loss: float, real: float, fake: float, w_estimate: float | None = None,
                   penalty: float | None = None) -> None:
        """Record one discriminator step."""
        self.d_loss, self.d_real, self.d_fake, self.w_estimate, self.penalty = loss, real, fake, w_estimate, penalty
        self.d_steps += 1
        for key in ("d_loss", "d_real", "d_fake", "w_estimate", "penalty"):
            value = getattr(self, key)
            if value is not None:
                self._sums[key] += value

    def add_g_step(self, *, loss: float) -> None:
        """Record one generator step."""
        self.g_loss = loss
        self.g_steps += 1
        self._sums["g_loss"] += loss

    def latest(self, keys) -> dict[str, float | None]:
        """The latest value of each of ``keys`` (a logged step row)."""
        return {key: getattr(self, key) for key in keys}

    def window_logged(self) -> None:
        """A step row was written: measure the gradient norms again in the next window."""
        self.d_grad_norm = self.g_grad_norm = None
        self.want_d_norm = self.want_g_norm = True

    def means(self, keys) -> dict[str, float | None]:
        """The epoch's mean of each of ``keys`` over the steps that produced it (None without any)."""
        return {key: _mean(self._sums[key], self.g_steps if key == "g_loss" else self.d_steps) for key in keys}


def _mean(total: float, count: int) -> float | None:
    return total / count if count else None


def grad_norm(module: torch.nn.Module) -> float:
    """L2 norm of all parameter gradients of ``module`` together (the history's ``*_grad_norm``)."""
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    return float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))) if grads else 0.0
