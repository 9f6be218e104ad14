"""Tests of gan_course.plotting.tracking: each panel holds the run's FID and loss and names its rho."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gan_course.experiments.tracking import loss_fid_tracking
from gan_course.plotting import PlotInputError, plot_tracking
from gan_course.plotting.tracking import rho_text

from .plot_checks import TEST_DPI, by_gid, read_png


def _history(fid, w):
    return {"epochs": {"epoch": list(range(1, len(fid) + 1)), "val_fid": fid, "w_estimate": w,
                       "d_loss": [1.3] * len(fid)}}


def test_each_panel_draws_the_fid_and_the_loss_at_their_x_values_and_names_rho(tmp_path):
    critic = loss_fid_tracking(_history([300.0, 200.0, 150.0, 120.0], [9.0, 6.0, 4.0, 3.5]), "w_estimate")
    gan = loss_fid_tracking(_history([300.0, 200.0, 150.0, 120.0], [9.0, 6.0, 4.0, 3.5]) | {
        "epochs": {"epoch": [1, 2, 3, 4], "val_fid": [300.0, 200.0, 150.0, 120.0], "d_loss": [1.0, 1.3, 1.1, 1.2]}},
        "d_loss")
    fig = plot_tracking({"WGAN-GP": critic, "GAN": gan}, x_label="generator updates",
                        path=tmp_path / "tracking.png", dpi=TEST_DPI)
    read_png(tmp_path / "tracking.png", fig)
    lines = [line for ax in fig.axes for line in ax.get_lines()]
    fid = by_gid(lines, "WGAN-GP:fid")
    np.testing.assert_allclose(fid.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_allclose(fid.get_ydata(), [300.0, 200.0, 150.0, 120.0])
    np.testing.assert_allclose(by_gid(lines, "WGAN-GP:loss").get_ydata(), [9.0, 6.0, 4.0, 3.5])
    np.testing.assert_allclose(by_gid(lines, "GAN:loss").get_ydata(), [1.0, 1.3, 1.1, 1.2])
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["WGAN-GP: w_estimate, rho = +1.00", "GAN: d_loss, rho = -0.40"]
    assert fig.axes[0].get_xlabel() == "generator updates"


def test_more_runs_than_a_row_wrap_and_spare_panels_are_hidden():
    tracking = loss_fid_tracking(_history([3.0, 2.0, 1.0], [3.0, 2.0, 1.0]), "w_estimate")
    fig = plot_tracking({f"run {i}": tracking for i in range(5)})
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert len(visible) == 5
    assert sum(not ax.get_visible() for ax in fig.axes) == 3  # a 2 x 4 grid holds 5 panels


def test_a_constant_series_reads_undefined_rather_than_a_number():
    assert rho_text(math.nan) == "undefined"
    assert rho_text(-0.4) == "-0.40"


@pytest.mark.parametrize("bad, match", [({}, "non-empty"), ({"GAN": [1, 2]}, "lacks"),
                                        ({"GAN": type("T", (), {"column": "d_loss", "rho": 0.1, "epochs": (1, 2),
                                                               "loss": (1.0,), "fid": (2.0, 1.0)})()}, "equal-length")])
def test_bad_input_names_the_problem(bad, match):
    with pytest.raises(PlotInputError, match=match):
        plot_tracking(bad)
