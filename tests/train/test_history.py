"""Does the training history keep equal-length columns and survive JSON, CSV and checkpoints?"""

from __future__ import annotations

import csv
import json
import math

from gan_course.train import History
from gan_course.train.history import EPOCH_COLUMNS, STEP_COLUMNS


def _filled() -> History:
    history = History(metric_name="energy_distance")
    history.log_step(step=10, epoch=1, d_loss=1.25, g_loss=0.5, d_real=0.75, time=0.1)
    history.log_step(step=20, epoch=1, d_loss=1.0, g_loss=float("nan"), d_real=0.5, time=0.2)
    history.log_epoch(epoch=1, d_loss=1.125, g_loss=0.5, metric=3.5, lr_d=2e-4, lr_g=2e-4, time=0.25)
    return history


def test_columns_follow_the_documented_format():
    history = _filled()
    assert tuple(history.steps)[: len(STEP_COLUMNS)] == STEP_COLUMNS
    assert tuple(history.epochs)[: len(EPOCH_COLUMNS)] == EPOCH_COLUMNS
    assert history.steps["d_loss"] == [1.25, 1.0]
    assert history.steps["d_grad_norm"] == [None, None]  # not logged: one None per row
    assert history.epochs["metric"] == [3.5] and len(history) == 1


def test_non_finite_values_are_stored_as_null():
    assert _filled().steps["g_loss"] == [0.5, None]


def test_a_new_column_is_back_filled():
    history = _filled()
    history.log_step(step=30, epoch=2, extra=7)
    assert history.steps["extra"] == [None, None, 7]
    assert len({len(column) for column in history.steps.values()}) == 1


def test_json_round_trip_is_exact(tmp_path):
    history = _filled()
    path = history.to_json(tmp_path / "history.json")
    loaded = History.from_json(path)
    assert loaded.steps == history.steps and loaded.epochs == history.epochs
    assert loaded.metric_name == "energy_distance"
    document = json.loads(path.read_text())  # strict JSON: NaN became null
    assert set(document) == {"steps", "epochs", "metric_name"}
    assert not list(tmp_path.glob(".*tmp"))  # the atomic write left no temporary file


def test_state_dict_round_trip_and_continued_logging():
    history = _filled()
    copy = History()
    copy.load_state_dict(history.state_dict())
    copy.log_epoch(epoch=2, metric=2.0)
    assert copy.epochs["metric"] == [3.5, 2.0] and history.epochs["metric"] == [3.5]
    assert copy.last_epoch()["epoch"] == 2


def test_csv_has_one_row_per_epoch_and_per_step(tmp_path):
    history = _filled()
    history.to_csv(tmp_path / "history.csv", steps_path=tmp_path / "steps.csv")
    with open(tmp_path / "history.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1 and math.isclose(float(rows[0]["metric"]), 3.5) and rows[0]["d_real"] == ""
    with open(tmp_path / "steps.csv", newline="") as handle:
        steps = list(csv.DictReader(handle))
    assert [row["step"] for row in steps] == ["10", "20"] and steps[1]["g_loss"] == ""
