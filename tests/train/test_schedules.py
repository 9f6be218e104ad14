"""Do the learning-rate schedules give their closed-form values at known steps?"""

from __future__ import annotations

import pytest
import torch

from gan_course.train import make_scheduler
from gan_course.train.schedules import milestone_steps

LR0 = 0.2


def _lrs(kind: str, total: int, **options) -> list[float]:
    """The learning rate used in each of the ``total`` scheduler periods."""
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=LR0)
    scheduler = make_scheduler(optimizer, kind=kind, total_steps=total, **options)
    lrs = []
    for _ in range(total):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return lrs


def test_none_keeps_the_learning_rate():
    assert _lrs("none", 5) == [LR0] * 5


def test_linear_decays_to_zero_in_closed_form():
    total = 8
    lrs = _lrs("linear", total)
    assert lrs == pytest.approx([LR0 * (1 - t / total) for t in range(total)], abs=1e-12)
    assert lrs[-1] == pytest.approx(LR0 / total)


def test_two_stage_drops_twice_at_the_milestones():
    lrs = _lrs("two-stage", 20, milestones=(0.5, 0.75), gamma=0.1)
    assert lrs[:10] == pytest.approx([LR0] * 10)
    assert lrs[10:15] == pytest.approx([LR0 * 0.1] * 5)
    assert lrs[15:] == pytest.approx([LR0 * 0.01] * 5)


def test_milestones_are_fractions_of_training():
    assert milestone_steps(200, (0.5, 0.75)) == [100, 150]


def test_unknown_kind_names_the_choices():
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR0)
    with pytest.raises(ValueError, match="none, linear, two-stage"):
        make_scheduler(optimizer, kind="cosine", total_steps=3)


def test_linear_schedule_state_round_trip():
    """Does a scheduler restored from its state dict continue with the same values?"""
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=LR0)
    scheduler = make_scheduler(optimizer, kind="linear", total_steps=10)
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    other_opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR0)
    other = make_scheduler(other_opt, kind="linear", total_steps=99)
    other_opt.load_state_dict(optimizer.state_dict())
    other.load_state_dict(scheduler.state_dict())
    other_opt.step()
    other.step()
    assert other_opt.param_groups[0]["lr"] == pytest.approx(LR0 * (1 - 4 / 10))
