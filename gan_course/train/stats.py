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

No per-step host work: a step hands over detached 0-dim tensors, which stay on the device
until :meth:`EpochStats.flush` (once per logging window and at the epoch's end) moves the whole
window to the host in one transfer. Reading a value (``.item()``) after every step would make
the host wait for the device each time (a CUDA synchronisation). The host then adds the values
in step order as Python floats, so the epoch means are the same numbers as when every value was
read at its step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import torch
from torch import Tensor

from ..errors import TrainingDiverged

STEP_VALUES = ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm")  # every logged step
EPOCH_MEANS = ("d_loss", "g_loss", "d_real", "d_fake")  # every epoch
CRITIC_VALUES = ("w_estimate",)  # logged when the loss has a critic gap
PENALTY_VALUES = ("penalty",)  # logged when the regulariser adds a penalty term
CHECKED = {"d_loss": "discriminator loss", "g_loss": "generator loss"}  # must stay finite


class NonFinite(NamedTuple):
    """The first non-finite loss of a flushed window: at ``step`` (1-based, whole run), ``what``
    (e.g. "discriminator loss") was ``value``; the window held steps ``first``..``last``."""

    step: int
    what: str
    value: float
    first: int
    last: int


@dataclass
class EpochStats:
    """One epoch's statistics. The ``*_grad_norm`` values are measured once per logging window
    (``want_*_norm``), at its first step, and cleared by :meth:`window_logged`.

    The float fields hold the values of the last flushed window; the steps since then wait in
    ``_pending`` as ``(step, name, 0-dim tensor)`` entries.
    """

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
    _pending: list = field(default_factory=list, repr=False)  # [(step, name, Tensor ())] in step order

    def add_d_step(self, step: int, *, loss: Tensor, real: Tensor, fake: Tensor, w_estimate: Tensor | None = None,
                   penalty: Tensor | None = None) -> None:
        """Record discriminator step ``step`` (1-based); every value a 0-dim tensor (kept detached)."""
        self.d_steps += 1
        values = {"d_loss": loss, "d_real": real, "d_fake": fake, "w_estimate": w_estimate, "penalty": penalty}
        self._pending.extend((step, key, value.detach()) for key, value in values.items() if value is not None)

    def add_g_step(self, step: int, *, loss: Tensor) -> None:
        """Record generator step ``step`` (1-based); ``loss`` a 0-dim tensor."""
        self.g_steps += 1
        self._pending.append((step, "g_loss", loss.detach()))

    def set_grad_norm(self, key: str, norm: Tensor, step: int) -> None:
        """Record ``d_grad_norm`` or ``g_grad_norm`` (a 0-dim tensor) measured at ``step``."""
        self._pending.append((step, key, norm.detach()))
        setattr(self, "want_d_norm" if key == "d_grad_norm" else "want_g_norm", False)

    @property
    def pending_steps(self) -> tuple[int, int] | None:
        """The first and last step waiting to be flushed, or None."""
        return (self._pending[0][0], self._pending[-1][0]) if self._pending else None

    def flush(self) -> NonFinite | None:
        """Move the pending values to the host (one transfer), update the latest values and the
        sums; return the first non-finite loss (in step order) or None. After a non-finite loss
        the window's values are not added."""
        if not self._pending:
            return None
        steps = self.pending_steps
        values = torch.stack([value.float() for _, _, value in self._pending]).tolist()  # (n,) -> host
        entries = [(step, key, value) for (step, key, _), value in zip(self._pending, values)]
        self._pending = []
        for step, key, value in entries:
            if key in CHECKED and not math.isfinite(value):
                return NonFinite(step, CHECKED[key], value, *steps)
        for step, key, value in entries:
            setattr(self, key, value)
            if key in self._sums:
                self._sums[key] += value
        return None

    def latest(self, keys) -> dict[str, float | None]:
        """The latest flushed value of each of ``keys`` (a logged step row)."""
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


def grad_norm(module: torch.nn.Module) -> Tensor:
    """L2 norm of all parameter gradients of ``module`` together (the history's ``*_grad_norm``):
    a 0-dim tensor on the parameters' device (0 without gradients)."""
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    if not grads:
        return torch.zeros((), device=next(module.parameters(), torch.zeros(())).device)
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))


def diverged(config, latest: Path, problem: str, *, step: int, epoch: int, checked: str = "") -> TrainingDiverged:
    """The error for a run that diverged at ``step`` of ``epoch``: the problem, where it was found
    (``checked``), the likely causes with their fixes, and whether ``latest`` (the last good
    checkpoint) exists."""
    kept = f"the last good checkpoint at {latest} was kept" if latest.is_file() else "no checkpoint had been written yet"
    c = config
    return TrainingDiverged(
        f"training diverged at step {step} (epoch {epoch}{'; ' + checked if checked else ''}): {problem} "
        f"({c.loss} loss, regularizer {c.regularizer}, lr_d {c.lr_d:g}, lr_g {c.lr_g:g}). Likely causes: a learning "
        "rate too high (lower --lr-d / --lr-g), an unbounded loss without a Lipschitz regulariser (add --regularizer "
        "gp), or exploding gradients. " + kept)
