"""Learning-rate schedules for the generator and discriminator optimisers.

Three kinds, chosen by ``TrainConfig.lr_schedule``:

| kind          | learning rate after ``t`` of ``T`` scheduler steps           |
|---------------|---------------------------------------------------------------|
| ``none``      | ``lr0`` (constant)                                            |
| ``linear``    | ``lr0 * (1 - t / T)``: linear decay to 0 at the end of training |
| ``two-stage`` | ``lr0 * gamma ** (number of milestones <= t)`` (two drops)      |

- Linear decay to zero: Gulrajani et al. 2017, "Improved Training of Wasserstein GANs",
  https://arxiv.org/abs/1704.00028 (their CIFAR-10 ResNet experiments decay the learning
  rate linearly to 0); Zhu et al. 2017, "Unpaired Image-to-Image Translation using
  Cycle-Consistent Adversarial Networks", https://arxiv.org/abs/1703.10593 (section 7.1,
  linear decay to 0 over the second half of training).
- Two-stage step decay: the classic multi-step schedule (He et al. 2016, "Deep Residual
  Learning for Image Recognition", https://arxiv.org/abs/1512.03385: lr divided by 10 twice),
  as in the course's "seed 003" recipe: x0.1 at 50 % and again at 75 % of training.

**When the schedules step.** The trainer steps both schedulers once per *epoch*, so ``T``
is the number of epochs and the milestones are fractions of the epochs. The decay then
does not depend on ``n_critic`` or ``d_every`` (which change how many optimiser steps each
network takes per epoch), and the generator and discriminator decay in lockstep.
"""

from __future__ import annotations

from typing import Sequence

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LambdaLR, LRScheduler, MultiStepLR

SCHEDULES = ("none", "linear", "two-stage")
TWO_STAGE_MILESTONES = (0.5, 0.75)  # fractions of training; course recipe "seed 003"
TWO_STAGE_GAMMA = 0.1  # lr divided by 10 at each milestone (He et al. 2016)


class _Constant:
    """lr factor 1 for every step (a callable object, so LambdaLR can save it)."""

    def __call__(self, step: int) -> float:
        return 1.0


class _LinearToZero:
    """lr factor ``1 - t / T`` (clamped at 0), in closed form so no rounding accumulates."""

    def __init__(self, total_steps: int):
        self.total_steps = total_steps

    def __call__(self, step: int) -> float:
        return max(0.0, 1.0 - step / self.total_steps)


def milestone_steps(total_steps: int, milestones: Sequence[float]) -> list[int]:
    """Fractions of training -> scheduler step indices, e.g. (0.5, 0.75) of 200 -> [100, 150]."""
    return [max(1, round(fraction * total_steps)) for fraction in milestones]


def make_scheduler(
    optimizer: Optimizer,
    *,
    kind: str = "none",
    total_steps: int,
    milestones: Sequence[float] = TWO_STAGE_MILESTONES,
    gamma: float = TWO_STAGE_GAMMA,
) -> LRScheduler:
    """A learning-rate scheduler for ``optimizer``; call ``.step()`` once per epoch.

    kind: ``"none"``, ``"linear"`` or ``"two-stage"`` (see the module docstring).
    total_steps: the number of scheduler steps in the whole run (the number of epochs).
    milestones: fractions of ``total_steps`` in (0, 1) at which ``two-stage`` multiplies
    the learning rate by ``gamma``. Every kind returns a real scheduler (``none`` is a
    constant one), so the trainer never branches on the kind and checkpoints always hold one.
    """
    if total_steps < 1:
        raise ValueError(f"total_steps must be >= 1, got {total_steps}")
    if kind == "none":
        return LambdaLR(optimizer, _Constant())
    if kind == "linear":
        return LambdaLR(optimizer, _LinearToZero(total_steps))
    if kind == "two-stage":
        return MultiStepLR(optimizer, milestones=milestone_steps(total_steps, milestones), gamma=gamma)
    raise ValueError(f"unknown learning-rate schedule {kind!r}; choose one of: {', '.join(SCHEDULES)}")
