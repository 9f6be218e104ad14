"""Training histories as plottable series: reading a history in any of its forms, picking a
column against steps, epochs or wall-clock time, and smoothing a noisy curve.

A history is the columnar ``history.json`` of ``docs/ARCHITECTURE.md``::

    {"steps":  {"step": [...], "d_loss": [...], "g_loss": [...], "d_real": [...], ...},
     "epochs": {"epoch": [...], "d_loss": [...], ...}, "metric_name": "..."}

Smoothing is an exponential moving average with the bias correction of Adam (Kingma & Ba
2015, "Adam: A Method for Stochastic Optimization", https://arxiv.org/abs/1412.6980,
section 3), the curve TensorBoard draws over a noisy loss.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..errors import HistoryError
from ..run_dir import read_history
from .figure import PlotInputError, to_numpy

AUTO_SMOOTH_POINTS = 50  # smooth=None: the average spans about 1/50 of the curve
X_AXES = ("auto", "step", "epoch", "time")


def _columns(table, *, name: str) -> dict[str, list]:
    """A table as columns: a mapping of lists, or a list of row mappings, or nothing."""
    if table is None:
        return {}
    if isinstance(table, Mapping):
        return dict(table)
    if isinstance(table, Sequence) and all(isinstance(row, Mapping) for row in table):
        keys = list(dict.fromkeys(key for row in table for key in row))
        return {key: [row.get(key) for row in table] for key in keys}
    raise PlotInputError(
        f"the history's {name!r} table is a {type(table).__name__}; it must map column names to lists "
        "(the layout of history.json, docs/ARCHITECTURE.md)"
    )


def _read_json(path: Path) -> dict:
    """``history.json`` (or a run directory's) through the one reader, its errors as PlotInputError."""
    try:
        return read_history(path)
    except HistoryError as error:
        raise PlotInputError(str(error)) from None


def load_history(history) -> dict:
    """A history as a dict ``{"steps": {...}, "epochs": {...}, ...}`` of columns.

    ``history`` may be the dict itself, a path to ``history.json`` or to a run directory,
    an object with ``to_dict()``, or one with ``steps`` / ``epochs`` attributes. A flat dict
    of lists without ``steps`` / ``epochs`` (``{"g_loss": [...], "d_loss": [...]}``, what a
    notebook loop collects) is read as the per-step table.
    """
    if isinstance(history, (str, os.PathLike)):
        data = _read_json(Path(history).expanduser())
    elif isinstance(history, Mapping):
        data = dict(history)
    elif callable(getattr(history, "to_dict", None)):
        data = dict(history.to_dict())
    elif hasattr(history, "steps") or hasattr(history, "epochs"):
        data = {"steps": getattr(history, "steps", None), "epochs": getattr(history, "epochs", None)}
        if hasattr(history, "metric_name"):
            data["metric_name"] = history.metric_name
    else:
        raise PlotInputError(
            f"cannot read a training history from a {type(history).__name__}; pass the dict of history.json, "
            "a path to it, or an object with to_dict()"
        )
    if "steps" not in data and "epochs" not in data:
        data = {"steps": data, "epochs": {}}
    data["steps"] = _columns(data.get("steps"), name="steps")
    data["epochs"] = _columns(data.get("epochs"), name="epochs")
    return data


def _float_column(values, *, key: str) -> np.ndarray:
    """A column as float64 (n,); JSON nulls (a NaN written by the trainer) become NaN."""
    if isinstance(values, (list, tuple)):
        values = [np.nan if v is None else v for v in values]
    column = to_numpy(values, name=f"history column {key!r}")
    if column.ndim != 1:
        raise PlotInputError(f"history column {key!r} has shape {column.shape}; each column must be a flat list of numbers")
    return column


def series(history: dict, key: str, *, x: str = "auto") -> tuple[np.ndarray, np.ndarray, str] | None:
    """Column ``key`` of a loaded history against an x axis: ``(xs, ys, x_label)``, or None
    when the history has no values for ``key``.

    ``x="auto"`` takes the per-step table when it has the column (x = its ``step`` column,
    or 0, 1, ... when absent) and the per-epoch table otherwise (x = ``epoch``);
    ``"step"`` / ``"epoch"`` insist on that table; ``"time"`` plots against the ``time``
    column (wall-clock seconds), per step when possible.
    """
    if x not in X_AXES:
        raise PlotInputError(f"x={x!r} is not an x axis; choose one of: {', '.join(X_AXES)}")
    candidates = {
        "auto": [("steps", "step"), ("epochs", "epoch")],
        "step": [("steps", "step")],
        "epoch": [("epochs", "epoch")],
        "time": [("steps", "time"), ("epochs", "time")],
    }[x]
    for table_name, x_key in candidates:
        table = history.get(table_name) or {}
        if table.get(key) is None or len(table[key]) == 0:
            continue
        ys = _float_column(table[key], key=key)
        if table.get(x_key) is not None and len(table[x_key]) > 0:
            xs = _float_column(table[x_key], key=x_key)
        elif x == "time":
            continue
        else:
            xs = np.arange(len(ys), dtype=np.float64)
        if len(xs) != len(ys):
            raise PlotInputError(
                f"the history's {table_name!r} table has {len(ys)} values of {key!r} but {len(xs)} of {x_key!r}; "
                "every column of a table must have one value per row"
            )
        label = {"step": "step", "epoch": "epoch", "time": "wall-clock time (s)"}[x_key]
        return xs, ys, label
    return None


def auto_smoothing(n: int) -> float:
    """The smoothing weight ``smooth=None`` picks for a curve of ``n`` points: an average over
    about ``n / AUTO_SMOOTH_POINTS`` points, i.e. ``1 - AUTO_SMOOTH_POINTS / n`` (0: none)."""
    return max(0.0, 1.0 - AUTO_SMOOTH_POINTS / n) if n > 0 else 0.0


def smooth_curve(values, weight: float) -> np.ndarray:
    """Bias-corrected exponential moving average of a curve. values: (n,) -> (n,).

    ``a_t = w a_{t-1} + (1 - w) y_t`` and ``c_t = w c_{t-1} + (1 - w)`` from ``a_0 = c_0 = 0``;
    the smoothed value is ``a_t / c_t`` (so a constant curve stays constant from the first
    point). Non-finite values are skipped: their positions are NaN and the average carries
    over them. ``weight=0`` returns the curve unchanged.
    """
    if not 0.0 <= weight < 1.0:
        raise PlotInputError(f"smoothing weight {weight} is outside [0, 1); use e.g. 0.9 (heavier) or 0 (none)")
    ys = to_numpy(values, name="curve").reshape(-1)
    out = np.full_like(ys, np.nan)
    average, correction = 0.0, 0.0
    for i, y in enumerate(ys):
        if not np.isfinite(y):
            continue
        average = weight * average + (1.0 - weight) * y
        correction = weight * correction + (1.0 - weight)
        out[i] = average / correction
    return out
