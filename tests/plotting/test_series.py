"""Tests of gan_course.plotting.series: reading histories, picking columns, smoothing."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from gan_course.plotting import PlotInputError, load_history, series, smooth_curve
from gan_course.plotting.series import auto_smoothing

HISTORY = {
    "steps": {"step": [10, 20, 30], "epoch": [0, 0, 1], "d_loss": [1.0, 0.5, 0.25], "g_loss": [2.0, None, 3.0],
              "time": [0.1, 0.2, 0.3]},
    "epochs": {"epoch": [0, 1], "d_loss": [0.75, 0.25], "metric": [5.0, 4.0], "time": [1.0, 2.0]},
    "metric_name": "energy_distance",
}


class _WithToDict:
    def to_dict(self):
        return HISTORY


@pytest.mark.parametrize("form", ["dict", "json_file", "run_dir", "to_dict", "attributes"])
def test_load_history_reads_every_form_to_the_same_columns(tmp_path, form):
    """Do the dict, its JSON file, the run directory and History-like objects agree?"""
    (tmp_path / "history.json").write_text(json.dumps(HISTORY))
    source = {
        "dict": HISTORY,
        "json_file": tmp_path / "history.json",
        "run_dir": str(tmp_path),
        "to_dict": _WithToDict(),
        "attributes": SimpleNamespace(**HISTORY),
    }[form]
    loaded = load_history(source)
    assert loaded["steps"] == HISTORY["steps"]
    assert loaded["epochs"] == HISTORY["epochs"]
    assert loaded["metric_name"] == "energy_distance"


def test_load_history_reads_a_flat_dict_as_the_per_step_table():
    """Is a notebook's {'g_loss': [...], 'd_loss': [...]} a per-step history?"""
    loaded = load_history({"g_loss": [3.0, 2.0], "d_loss": [1.0, 1.5]})
    assert loaded["steps"] == {"g_loss": [3.0, 2.0], "d_loss": [1.0, 1.5]}
    assert loaded["epochs"] == {}


def test_load_history_turns_a_list_of_rows_into_columns():
    loaded = load_history({"steps": [{"step": 1, "g_loss": 0.5}, {"step": 2, "g_loss": 0.4, "d_loss": 1.0}]})
    assert loaded["steps"] == {"step": [1, 2], "g_loss": [0.5, 0.4], "d_loss": [None, 1.0]}


def test_load_history_names_a_missing_file_and_the_fix(tmp_path):
    with pytest.raises(PlotInputError, match=r"no training history at .*history\.json.*run directory"):
        load_history(tmp_path / "nowhere" / "history.json")


def test_load_history_rejects_a_corrupt_json_file(tmp_path):
    broken = tmp_path / "history.json"
    broken.write_text('{"steps": {"g_loss": [1.0,')
    with pytest.raises(PlotInputError, match="not a valid history.json"):
        load_history(broken)


def test_series_prefers_the_per_step_table_and_turns_nulls_into_nan():
    xs, ys, label = series(load_history(HISTORY), "g_loss")
    assert label == "step"
    np.testing.assert_array_equal(xs, [10.0, 20.0, 30.0])
    np.testing.assert_array_equal(ys, [2.0, np.nan, 3.0])


def test_series_falls_back_to_epochs_when_the_steps_lack_the_column():
    xs, ys, label = series(load_history(HISTORY), "metric")
    assert label == "epoch"
    np.testing.assert_array_equal(xs, [0.0, 1.0])
    np.testing.assert_array_equal(ys, [5.0, 4.0])


def test_series_honours_an_explicit_x_axis():
    history = load_history(HISTORY)
    xs, ys, label = series(history, "d_loss", x="epoch")
    assert (label, xs.tolist(), ys.tolist()) == ("epoch", [0.0, 1.0], [0.75, 0.25])
    xs, ys, label = series(history, "d_loss", x="time")
    assert (label, xs.tolist(), ys.tolist()) == ("wall-clock time (s)", [0.1, 0.2, 0.3], [1.0, 0.5, 0.25])
    assert series(history, "metric", x="step") is None
    with pytest.raises(PlotInputError, match="choose one of"):
        series(history, "d_loss", x="iteration")


def test_series_counts_rows_when_the_step_column_is_absent():
    xs, ys, _ = series(load_history({"g_loss": [4.0, 5.0, 6.0]}), "g_loss")
    np.testing.assert_array_equal(xs, [0.0, 1.0, 2.0])


def test_series_rejects_columns_of_different_lengths():
    with pytest.raises(PlotInputError, match="3 values of 'g_loss' but 2 of 'step'"):
        series(load_history({"steps": {"step": [1, 2], "g_loss": [1.0, 2.0, 3.0]}}), "g_loss")


def test_smooth_curve_matches_the_bias_corrected_average_by_hand():
    """With w = 0.5: [0, 1] -> [0, (0.5 * 1) / 0.75]; a NaN is skipped and carried over."""
    np.testing.assert_allclose(smooth_curve([0.0, 1.0], 0.5), [0.0, 2.0 / 3.0])
    np.testing.assert_allclose(smooth_curve([1.0, np.nan, 3.0], 0.5), [1.0, np.nan, 1.75 / 0.75])


def test_smooth_curve_keeps_a_constant_curve_and_weight_zero_is_identity():
    np.testing.assert_allclose(smooth_curve(np.full(50, 3.25), 0.99), np.full(50, 3.25))
    values = np.array([3.0, -1.0, 7.0])
    np.testing.assert_array_equal(smooth_curve(values, 0.0), values)
    with pytest.raises(PlotInputError, match=r"outside \[0, 1\)"):
        smooth_curve(values, 1.0)


def test_auto_smoothing_averages_over_a_fiftieth_of_the_curve():
    assert auto_smoothing(200) == pytest.approx(0.75)
    assert auto_smoothing(10) == 0.0
    assert auto_smoothing(0) == 0.0
