"""Phases of training and the end-of-training summary, on histories whose answer is known."""

from __future__ import annotations

import math

import pytest

from gan_course.reports import (BALANCED_GAP, LEADING_GAP, end_of_training, training_phases)
from gan_course.reports.dynamics import STEADY_CHANGE, _segments, gap_trends, label_gap


def history(d_real, d_fake, *, steps_per_epoch=10, g_loss=None):
    """A trainer-shaped history with one logged step per value and per-epoch means."""
    n = len(d_real)
    steps = {"step": list(range(1, n + 1)), "epoch": [1 + i // steps_per_epoch for i in range(n)],
             "d_real": list(d_real), "d_fake": list(d_fake), "d_loss": [1.0] * n,
             "g_loss": list(g_loss) if g_loss is not None else [2.0] * n}
    n_epochs = steps["epoch"][-1]
    epochs = {"epoch": list(range(1, n_epochs + 1)), "g_loss": [], "d_real": [], "d_fake": []}
    for e in epochs["epoch"]:
        rows = [i for i in range(n) if steps["epoch"][i] == e]
        for key in ("g_loss", "d_real", "d_fake"):
            epochs[key].append(sum(steps[key][i] for i in rows) / len(rows))
    return {"steps": steps, "epochs": epochs}


def test_gap_levels_follow_the_thresholds():
    assert label_gap(LEADING_GAP + 0.01) == "discriminator leads"
    assert label_gap(BALANCED_GAP - 0.01) == "near equilibrium"
    assert label_gap((LEADING_GAP + BALANCED_GAP) / 2) == "contest"
    assert label_gap(-0.3) == "near equilibrium"  # G fools D: the curves crossed


def test_trends_are_the_change_over_a_centred_window():
    gap = [0.0, 0.1, 0.2, 0.3, 0.3, 0.3, 0.3, 0.2, 0.1]
    assert gap_trends(gap, 2) == ["D pulls ahead"] * 4 + ["stalemate"] * 2 + ["G catches up"] * 3
    # a change of exactly STEADY_CHANGE over the window is still steady
    assert gap_trends([0.0, STEADY_CHANGE], 2) == ["stalemate", "stalemate"]


def ramp(start, stop, n):
    return [start + (stop - start) * i / (n - 1) for i in range(n)]


def test_a_gap_that_opens_closes_and_holds_gives_three_phases_with_their_levels_and_means():
    """Does a run whose gap rises, falls, then stays flat split at the turns, with the right levels?"""
    gap = ramp(0.0, 0.8, 40) + ramp(0.8, 0.2, 40) + [0.2] * 40
    d_real = [0.5 + g / 2 for g in gap]
    d_fake = [0.5 - g / 2 for g in gap]
    phases = training_phases(history(d_real, d_fake), smooth=0)
    assert [p.label for p in phases] == ["D pulls ahead", "G catches up", "stalemate"]
    # the centred window (12 points) blurs each turn by at most half a window
    assert [abs(a - b) <= 6 for a, b in zip([p.start_step for p in phases], [1, 41, 81])] == [True] * 3
    assert phases[0].start_step == 1 and phases[-1].end_step == 120
    assert phases[0].gap_start == pytest.approx(0.0) and phases[-1].gap_end == pytest.approx(0.2)
    assert phases[-1].gap_mean == pytest.approx(0.2, abs=0.02)
    assert [p.level for p in phases] == ["contest", "contest", "contest"]
    assert phases[2].d_real == pytest.approx(0.6, abs=0.02) and phases[2].d_fake == pytest.approx(0.4, abs=0.02)
    assert phases[0].start_epoch == 1 and phases[-1].end_epoch == 12


def test_levels_come_from_the_mean_gap_of_each_phase():
    gap = [0.9] * 60 + ramp(0.9, 0.02, 30) + [0.02] * 60
    phases = training_phases(history([0.5 + g / 2 for g in gap], [0.5 - g / 2 for g in gap]), smooth=0)
    assert [(p.label, p.level) for p in phases] == [("stalemate", "discriminator leads"), ("G catches up", "contest"),
                                                    ("stalemate", "near equilibrium")]


def test_a_short_wiggle_merges_into_the_phase_before_it():
    """Is one noisy bump (under 8 % of the run) not a phase of its own?"""
    gap = [0.4] * 50 + [0.6, 0.6] + [0.4] * 48
    phases = training_phases(history([0.5 + g / 2 for g in gap], [0.5 - g / 2 for g in gap]), smooth=0)
    assert [p.label for p in phases] == ["stalemate"]
    assert (phases[0].start_step, phases[0].end_step) == (1, 100)


def test_segments_merge_the_shortest_run_into_its_predecessor_and_the_first_into_the_next():
    assert _segments(list("abbbbcccc"), 2) == [("b", 0, 4), ("c", 5, 8)]
    assert _segments(list("aaaabcccc"), 2) == [("a", 0, 4), ("c", 5, 8)]
    assert _segments(list("a"), 3) == [("a", 0, 0)]


def test_unbounded_critic_scores_are_refused_for_phases_but_summarised():
    h = history([3.0] * 20, [-2.0] * 20)
    with pytest.raises(ValueError, match="critic"):
        training_phases(h)
    end = end_of_training(h)
    assert end.gap == pytest.approx(5.0)
    assert end.distance is None and end.discriminator_wins is None


def test_end_of_training_reads_the_last_quarter_and_flags_a_winning_discriminator():
    d_real = [0.6] * 60 + [0.95] * 20
    d_fake = [0.4] * 60 + [0.02] * 20
    end = end_of_training(history(d_real, d_fake))
    assert end.d_real == pytest.approx(0.95) and end.d_fake == pytest.approx(0.02)
    assert end.distance == pytest.approx((0.45 + 0.48) / 2)
    assert end.discriminator_wins is True


def test_g_loss_slope_is_the_least_squares_slope_over_the_second_half_of_the_epochs():
    n = 80  # 8 epochs of 10 steps; G loss rises by 0.5 per epoch
    g = [0.5 * (i // 10) for i in range(n)]
    end = end_of_training(history([0.6] * n, [0.4] * n, g_loss=g))
    assert end.g_loss_slope == pytest.approx(0.5)
    assert end.discriminator_wins is False
    assert math.isclose(end.distance, 0.1)


def test_steps_before_the_first_discriminator_step_are_ignored():
    h = history([0.8] * 30, [0.2] * 30)
    h["steps"]["d_real"][0] = h["steps"]["d_fake"][0] = None  # logged before D stepped
    phases = training_phases(h, smooth=0)
    assert phases[0].start_step == 2 and (phases[0].label, phases[0].level) == ("stalemate", "discriminator leads")
