"""The package's exceptions. The command line turns each into a one-line message and a
non-zero exit; the message itself names the problem and the fix."""

from __future__ import annotations


class GanCourseError(Exception):
    """Base class: an error whose message is meant for the user, not a traceback."""


class ConfigError(GanCourseError, ValueError):
    """An invalid or inconsistent training configuration (unknown model, a loss that does
    not fit the model, a bad value)."""


class DatasetNotFoundError(GanCourseError, FileNotFoundError):
    """A dataset is not on disk and could not be downloaded."""


class CheckpointError(GanCourseError):
    """A checkpoint is missing, unreadable, or does not match the model asked for."""


class TrainingDiverged(GanCourseError, FloatingPointError):
    """A loss became NaN or Inf; the last good checkpoint is kept."""


class ResultError(GanCourseError, ValueError):
    """A stored result of the course book (``book/results/<name>/``) is missing or unreadable."""


class HistoryError(GanCourseError, ValueError):
    """A run's ``history.json`` is missing, is not JSON, or is not a history object."""
