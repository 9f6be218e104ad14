"""Rank correlation of a loss curve with FID (gan_course.experiments.tracking)."""

import math

import pytest

from gan_course.experiments.tracking import (
    TrackingError, loss_fid_tracking, rank_correlation, tracking_table)


def history(**columns):
    n = len(next(iter(columns.values())))
    return {"epochs": {"epoch": list(range(1, n + 1)), **columns}}


def test_a_loss_that_falls_with_fid_has_rho_one_under_any_monotone_rescaling():
    fid = [300.0, 200.0, 120.0, 90.0, 60.0]
    w = [2.0, 1.1, 0.5, 0.3, 0.05]  # not proportional to FID, same order
    assert loss_fid_tracking(history(w_estimate=w, val_fid=fid), "w_estimate").rho == pytest.approx(1.0)
    cubed = [x ** 3 - 7 for x in w]
    assert loss_fid_tracking(history(w_estimate=cubed, val_fid=fid), "w_estimate").rho == pytest.approx(1.0)
    assert loss_fid_tracking(history(d_loss=w[::-1], val_fid=fid), "d_loss").rho == pytest.approx(-1.0)


def test_rho_matches_the_closed_form_without_ties():
    # rho = 1 - 6 sum d^2 / (n (n^2 - 1)); ranks of a: 1 2 3 4 5, of b: 2 1 4 3 5 -> sum d^2 = 4
    a = [1.0, 2.0, 3.0, 4.0, 5.0]
    b = [20.0, 10.0, 40.0, 30.0, 50.0]
    assert rank_correlation(a, b) == pytest.approx(1 - 6 * 4 / (5 * 24))


def test_epochs_without_an_fid_are_skipped_and_reported():
    h = history(d_loss=[1.0, 0.9, None, 0.7, 0.6, 0.65], val_fid=[None, 250.0, 200.0, 150.0, 100.0, 90.0])
    result = loss_fid_tracking(h, "d_loss")
    assert result.epochs == (2, 4, 5, 6)
    assert result.pairs == 4
    # ranks of loss 0.9 0.7 0.6 0.65 -> 4 3 1 2 ; of fid 250 150 100 90 -> 4 3 2 1 ; sum d^2 = 2
    assert result.rho == pytest.approx(1 - 6 * 2 / (4 * 15))


def test_a_constant_loss_carries_no_order():
    assert math.isnan(loss_fid_tracking(history(d_loss=[0.5] * 4, val_fid=[4.0, 3.0, 2.0, 1.0]), "d_loss").rho)


def test_histories_that_cannot_answer_name_the_fix():
    with pytest.raises(TrackingError, match="fid_every"):
        loss_fid_tracking(history(d_loss=[1.0, 2.0, 3.0]), "d_loss")
    with pytest.raises(TrackingError, match="critic losses"):
        loss_fid_tracking(history(d_loss=[1.0, 2.0, 3.0], val_fid=[3.0, 2.0, 1.0]), "w_estimate")
    with pytest.raises(TrackingError, match="at least 3"):
        loss_fid_tracking(history(d_loss=[1.0, 2.0, 3.0], val_fid=[None, 2.0, 1.0]), "d_loss")
    with pytest.raises(TrackingError, match="different lengths"):
        rank_correlation([1.0, 2.0], [1.0])


def test_the_table_leaves_out_columns_a_run_does_not_log():
    gan = history(d_loss=[1.3, 1.2, 1.4, 1.1], val_fid=[300.0, 200.0, 150.0, 100.0])
    wgan = history(d_loss=[-2.0, -1.0, -0.5, -0.2], w_estimate=[2.0, 1.0, 0.5, 0.2], val_fid=[300.0, 200.0, 150.0, 100.0])
    rows = tracking_table({"gan": gan, "wgan-gp": wgan})
    assert [(r["run"], r["column"]) for r in rows] == [("gan", "d_loss"), ("wgan-gp", "w_estimate"), ("wgan-gp", "d_loss")]
    by = {(r["run"], r["column"]): r["rho"] for r in rows}
    assert by[("wgan-gp", "w_estimate")] == pytest.approx(1.0)
    assert by[("wgan-gp", "d_loss")] == pytest.approx(-1.0)
    assert by[("gan", "d_loss")] == pytest.approx(0.4)  # ranks 3 2 4 1 vs 4 3 2 1: sum d^2 = 6


def test_a_short_run_can_be_drawn_but_not_ranked():
    """With min_pairs below 3, does a two-epoch run give its pairs for a figure and no rho?"""
    h = history(d_loss=[1.0, 0.8], w_estimate=[0.5, 0.2], val_fid=[300.0, 250.0])
    short = loss_fid_tracking(h, "w_estimate", min_pairs=1)
    assert (short.pairs, short.epochs, short.loss, short.fid) == (2, (1, 2), (0.5, 0.2), (300.0, 250.0))
    assert math.isnan(short.rho)
    rows = tracking_table({"wgan": h}, min_pairs=1)
    assert [(r["column"], r["pairs"]) for r in rows] == [("w_estimate", 2), ("d_loss", 2)]
    assert all(math.isnan(r["rho"]) for r in rows)
    with pytest.raises(TrackingError, match="at least 1"):
        loss_fid_tracking(history(d_loss=[1.0, 2.0], val_fid=[None, None]), "d_loss", min_pairs=1)
    with pytest.raises(TrackingError, match="min_pairs"):
        loss_fid_tracking(h, "d_loss", min_pairs=0)
