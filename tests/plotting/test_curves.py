"""Tests of gan_course.plotting.curves: the artists hold the history's values."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from matplotlib.container import BarContainer

from gan_course.plotting import (
    EQUILIBRIUM_D, PlotInputError, plot_comparison_bars, plot_loss_comparison, plot_losses, plot_scores,
    smooth_curve,
)

from .plot_checks import TEST_DPI, by_gid, gids, read_png

STEPS = 120  # long enough for automatic smoothing: weight 1 - 50/120


def _history(seed: int = 0, steps: int = STEPS, scores=(0.0, 1.0)) -> dict:
    rng = np.random.default_rng(seed)
    low, high = scores
    return {
        "steps": {
            "step": list(range(1, steps + 1)),
            "d_loss": rng.uniform(0.5, 1.5, steps).tolist(),
            "g_loss": rng.uniform(1.0, 3.0, steps).tolist(),
            "d_real": rng.uniform(low, high, steps).tolist(),
            "d_fake": rng.uniform(low, high, steps).tolist(),
        },
        "epochs": {"epoch": [0, 1, 2], "d_loss": [1.2, 1.0, 0.9], "g_loss": [2.5, 2.0, 1.8]},
    }


def test_plot_losses_draws_the_raw_losses_per_step_and_their_smoothed_lines(tmp_path):
    history = _history()
    fig = plot_losses(history, path=tmp_path / "plots" / "losses.png", smooth=0.8, dpi=TEST_DPI)
    (ax,) = fig.axes
    for key in ("d_loss", "g_loss"):
        raw, smooth = by_gid(ax.lines, f"{key}:raw"), by_gid(ax.lines, f"{key}:smooth")
        np.testing.assert_array_equal(raw.get_xdata(), history["steps"]["step"])
        np.testing.assert_array_equal(raw.get_ydata(), history["steps"][key])
        np.testing.assert_allclose(smooth.get_ydata(), smooth_curve(history["steps"][key], 0.8))
    assert ax.get_xlabel() == "step"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["D loss", "G loss"]
    read_png(tmp_path / "plots" / "losses.png", fig)


def test_plot_losses_falls_back_to_epochs_without_smoothing_a_short_curve():
    """An epoch-only history of 3 points: x = epochs, and no lagging smoothed line."""
    history = _history()
    history["steps"] = {}
    (ax,) = plot_losses(history).axes
    assert gids(ax.lines) == {"d_loss:raw", "g_loss:raw"}
    np.testing.assert_array_equal(by_gid(ax.lines, "g_loss:raw").get_xdata(), [0, 1, 2])
    np.testing.assert_array_equal(by_gid(ax.lines, "g_loss:raw").get_ydata(), [2.5, 2.0, 1.8])
    assert ax.get_xlabel() == "epoch"


def test_plot_losses_smooth_zero_draws_only_the_raw_curves():
    (ax,) = plot_losses(_history(), smooth=0).axes
    assert gids(ax.lines) == {"d_loss:raw", "g_loss:raw"}


def test_plot_losses_reads_a_history_json_path_and_array_columns(tmp_path):
    """Do a path to history.json and numpy / torch columns give the same curves as the dict?"""
    history = _history()
    (tmp_path / "history.json").write_text(json.dumps(history))
    from_file = by_gid(plot_losses(tmp_path / "history.json").axes[0].lines, "g_loss:raw").get_ydata()
    arrays = {"steps": {"step": np.array(history["steps"]["step"]),
                        "g_loss": torch.tensor(history["steps"]["g_loss"], dtype=torch.float64)}}
    from_arrays = by_gid(plot_losses(arrays).axes[0].lines, "g_loss:raw").get_ydata()
    np.testing.assert_array_equal(from_file, history["steps"]["g_loss"])
    np.testing.assert_array_equal(from_arrays, history["steps"]["g_loss"])


def test_plot_losses_names_the_columns_it_found_when_there_are_no_losses():
    with pytest.raises(PlotInputError, match="no losses .*columns are: epoch, metric"):
        plot_losses({"steps": {}, "epochs": {"epoch": [0], "metric": [1.0]}})


def test_plot_losses_rejects_a_smoothing_weight_of_one():
    with pytest.raises(PlotInputError, match="smooth=1"):
        plot_losses(_history(), smooth=1)


def test_plot_scores_marks_the_equilibrium_for_probabilities(tmp_path):
    """BCE scores in [0, 1]: a dashed line at 1/2 and a [0, 1] axis."""
    history = _history()
    fig = plot_scores(history, path=tmp_path / "scores.png", dpi=TEST_DPI)
    (ax,) = fig.axes
    for key in ("d_real", "d_fake"):
        np.testing.assert_array_equal(by_gid(ax.lines, f"{key}:raw").get_ydata(), history["steps"][key])
    equilibrium = by_gid(ax.lines, "equilibrium")
    assert EQUILIBRIUM_D == 0.5
    np.testing.assert_array_equal(equilibrium.get_ydata(), [0.5, 0.5])
    assert equilibrium.get_linestyle() == "--"
    assert ax.get_ylim() == pytest.approx((-0.02, 1.02))
    read_png(tmp_path / "scores.png", fig)


def test_plot_scores_draws_no_equilibrium_for_unbounded_critic_scores():
    """WGAN critic scores outside [0, 1] are not probabilities: no line at 1/2."""
    history = _history(scores=(-4.0, 6.0))
    (ax,) = plot_scores(history).axes
    assert "equilibrium" not in gids(ax.lines)
    np.testing.assert_array_equal(by_gid(ax.lines, "d_real:raw").get_ydata(), history["steps"]["d_real"])
    assert ax.get_ylabel() == "mean critic score"


def test_plot_scores_labels_probabilities_as_sigma_of_the_logits_and_critic_scores_as_scores():
    """D returns logits: is a probability curve labelled sigma(D(x)), a critic's raw score D(x)?"""
    (ax,) = plot_scores(_history()).axes
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == [r"$\sigma(D(x))$", r"$\sigma(D(G(z)))$"]
    assert "sigma" in ax.get_ylabel()
    (ax,) = plot_scores(_history(scores=(-4.0, 6.0))).axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["D(x)", "D(G(z))"]


def test_plot_scores_explicit_flag_overrides_the_inference():
    """Hinge scores that happen to lie in [0, 1] are still not probabilities when told so."""
    assert "equilibrium" not in gids(plot_scores(_history(), probabilities=False).axes[0].lines)
    assert "equilibrium" in gids(plot_scores(_history(scores=(-3.0, 3.0)), probabilities=True).axes[0].lines)


def test_plot_scores_without_score_columns_raises():
    with pytest.raises(PlotInputError, match="no discriminator scores"):
        plot_scores({"g_loss": [1.0, 2.0]})


def test_plot_loss_comparison_overlays_one_curve_per_run(tmp_path):
    runs = {"bce": _history(1), "hinge": _history(2)}
    fig = plot_loss_comparison(runs, key="d_loss", smooth=0.5, path=tmp_path / "cmp.png", dpi=TEST_DPI)
    (ax,) = fig.axes
    for name, history in runs.items():
        np.testing.assert_array_equal(by_gid(ax.lines, f"{name}:raw").get_ydata(), history["steps"]["d_loss"])
        np.testing.assert_allclose(by_gid(ax.lines, f"{name}:smooth").get_ydata(),
                                   smooth_curve(history["steps"]["d_loss"], 0.5))
    assert by_gid(ax.lines, "bce:smooth").get_color() != by_gid(ax.lines, "hinge:smooth").get_color()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["bce", "hinge"]
    read_png(tmp_path / "cmp.png", fig)


def test_plot_loss_comparison_uses_epochs_for_all_when_one_run_logged_only_epochs():
    epochs_only = _history(3)
    epochs_only["steps"] = {}
    (ax,) = plot_loss_comparison({"full": _history(1), "short": epochs_only}).axes
    assert ax.get_xlabel() == "epoch"
    np.testing.assert_array_equal(by_gid(ax.lines, "full:raw").get_ydata(), [2.5, 2.0, 1.8])


def test_plot_loss_comparison_names_the_run_missing_the_column():
    with pytest.raises(PlotInputError, match="run 'b' has no 'g_loss'"):
        plot_loss_comparison({"a": _history(), "b": {"steps": {"d_loss": [1.0]}}}, x="step")
    with pytest.raises(PlotInputError, match="non-empty dict"):
        plot_loss_comparison({})


def test_plot_comparison_bars_heights_labels_and_error_bars_equal_the_values(tmp_path):
    values = {"bce": 41.25, "lsgan": 39.5, "hinge": 37.875}
    errors = {"bce": 1.0, "lsgan": 0.5, "hinge": 2.0}
    fig = plot_comparison_bars(values, errors=errors, ylabel="FID", title="FID by loss",
                               path=tmp_path / "fid.png", dpi=TEST_DPI)
    (ax,) = fig.axes
    (container,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [bar.get_height() for bar in container.patches] == list(values.values())
    assert [t.get_text() for t in ax.get_xticklabels()] == list(values)
    assert [t.get_text() for t in ax.texts] == ["41.2", "39.5", "37.9"]
    segments = container.errorbar.lines[2][0].get_segments()
    np.testing.assert_allclose([s[1][1] - s[0][1] for s in segments], [2 * e for e in errors.values()])
    assert (ax.get_ylabel(), ax.get_title()) == ("FID", "FID by loss")
    read_png(tmp_path / "fid.png", fig)


def test_plot_comparison_bars_requires_an_error_for_every_bar():
    with pytest.raises(PlotInputError, match="no entry for hinge"):
        plot_comparison_bars({"bce": 1.0, "hinge": 2.0}, errors={"bce": 0.1}, ylabel="FID")
    with pytest.raises(PlotInputError, match="non-empty dict"):
        plot_comparison_bars({}, ylabel="FID")
