"""Training history: per-step and per-epoch columns, saved as JSON (and CSV for spreadsheets).

The format is the columnar one of ``docs/ARCHITECTURE.md``, so plots and
``pandas.DataFrame(history["epochs"])`` read it directly::

    {"steps":  {"step": [...], "epoch": [...], "d_loss": [...], ...},
     "epochs": {"epoch": [...], "d_loss": [...], "metric": [...], ...},
     "metric_name": "energy_distance"}

Every column of a table has one entry per row; a value missing from a row (or a NaN/Inf,
which JSON cannot hold) is stored as ``null``/``None``.
"""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

from ..atomic import write_json_atomic, write_text_atomic
from ..run_dir import read_history

STEP_COLUMNS = ("step", "epoch", "d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm", "time")
EPOCH_COLUMNS = ("epoch", "d_loss", "g_loss", "d_real", "d_fake", "lr_d", "lr_g", "metric", "epoch_time", "time")


def _clean(value):
    """A JSON-safe scalar: floats stay floats, non-finite floats and tensors' NaN become None."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if hasattr(value, "item"):  # 0-dim tensor or numpy scalar
        value = value.item()
    if isinstance(value, int):
        return value
    value = float(value)
    return value if math.isfinite(value) else None


class _Table:
    """Columns of equal length; a new column is back-filled with None."""

    def __init__(self, columns: tuple[str, ...]):
        self.columns: dict[str, list] = {name: [] for name in columns}
        self.rows = 0

    def append(self, values: dict) -> None:
        for name in values:
            if name not in self.columns:
                self.columns[name] = [None] * self.rows
        for name, column in self.columns.items():
            column.append(_clean(values.get(name)))
        self.rows += 1

    def load(self, columns: dict[str, list]) -> None:
        lengths = {len(column) for column in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"history columns have different lengths: {sorted(lengths)}")
        self.columns = {name: list(column) for name, column in columns.items()}
        self.rows = lengths.pop() if lengths else 0


class History:
    """Everything logged during training.

    ``history.steps`` and ``history.epochs`` are dicts of equal-length lists (columns);
    ``history.metric_name`` names the ``metric`` column (lower is better).
    """

    def __init__(self, *, metric_name: str = "metric"):
        self.metric_name = metric_name
        self._steps = _Table(STEP_COLUMNS)
        self._epochs = _Table(EPOCH_COLUMNS)

    @property
    def steps(self) -> dict[str, list]:
        """Per logged step: ``step, epoch, d_loss, g_loss, d_real, d_fake, *_grad_norm, time``."""
        return self._steps.columns

    @property
    def epochs(self) -> dict[str, list]:
        """Per epoch: means of the step values, ``lr_d, lr_g, metric, epoch_time, time``."""
        return self._epochs.columns

    def log_step(self, **values) -> None:
        """Append one row to the step table, e.g. ``log_step(step=10, epoch=1, d_loss=0.7)``."""
        self._steps.append(values)

    def log_epoch(self, **values) -> None:
        """Append one row to the epoch table."""
        self._epochs.append(values)

    def __len__(self) -> int:
        """The number of epochs logged."""
        return self._epochs.rows

    def last_epoch(self) -> dict:
        """The last epoch row as a dict (empty when nothing was logged)."""
        if not self._epochs.rows:
            return {}
        return {name: column[-1] for name, column in self.epochs.items()}

    # -- persistence --------------------------------------------------------------------

    def state_dict(self) -> dict:
        """Plain lists and strings (the JSON document), for checkpoints."""
        return {"steps": {k: list(v) for k, v in self.steps.items()},
                "epochs": {k: list(v) for k, v in self.epochs.items()},
                "metric_name": self.metric_name}

    to_dict = state_dict  # what gan_course.plotting.load_history reads

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.metric_name = state.get("metric_name", "metric")
        self._steps.load(state["steps"])
        self._epochs.load(state["epochs"])

    def to_json(self, path: str | os.PathLike) -> Path:
        """Write the history as JSON, atomically (a reader never sees half a file)."""
        return write_json_atomic(path, self.state_dict(), indent=None)

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> "History":
        """Read a history written by :meth:`to_json` (a ``history.json`` or its run directory)."""
        state = read_history(path)
        history = cls()
        history.load_state_dict(state)
        return history

    def to_csv(self, path: str | os.PathLike, *, steps_path: str | os.PathLike | None = None) -> Path:
        """Write the per-epoch table as CSV to ``path`` (and the step table to ``steps_path``)."""
        path = Path(path)
        _write_csv(path, self.epochs)
        if steps_path is not None:
            _write_csv(Path(steps_path), self.steps)
        return path


def _write_csv(path: Path, columns: dict[str, list]) -> None:
    names = list(columns)
    rows = zip(*(columns[name] for name in names))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(names)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    write_text_atomic(path, buffer.getvalue(), newline="")
