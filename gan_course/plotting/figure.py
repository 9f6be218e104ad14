"""What every plotting helper shares: the error for bad plot inputs, conversion of tensors
and arrays to numpy, and :func:`save_figure`, the one place a figure becomes a file.

Figures are built with matplotlib's object API (``matplotlib.figure.Figure``), never with
``pyplot``'s global state, so they work headless, in threads and inside a training loop
without leaking memory; a figure is garbage collected like any other object.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from ..atomic import atomic_path
from ..errors import GanCourseError

SAVE_DPI = 100  # dots per inch of saved figures: a 7 x 4 inch plot is 700 x 400 pixels


class PlotInputError(GanCourseError, ValueError):
    """Data handed to a plotting helper that it cannot draw (wrong shape, missing column,
    unreadable history); the message names the problem and the fix."""


def to_numpy(x, *, name: str = "input") -> np.ndarray:
    """A float64 numpy copy of ``x`` (torch tensor on any device, numpy array or nested list)."""
    if isinstance(x, torch.Tensor):
        return x.detach().to("cpu", torch.float64).numpy()
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise PlotInputError(
            f"{name} must be a torch tensor or a numpy array of numbers, got {type(x).__name__} ({error}); "
            "convert it with torch.as_tensor(...) first"
        ) from None


def save_figure(fig: Figure, path, *, dpi: int = SAVE_DPI) -> Path:
    """Write ``fig`` to ``path`` (parent folders created) and return the path.

    The format follows the suffix (``.png`` for the run directory's plots; ``.pdf`` or
    ``.svg`` also work). The file is written next to its destination and renamed into
    place, so a reader never sees a half-written image while training overwrites it.
    The pixel size is the figure's size in inches times ``dpi``.
    """
    path = Path(path).expanduser()
    fmt = path.suffix.lower().lstrip(".")
    supported = fig.canvas.get_supported_filetypes()
    if fmt not in supported:
        raise PlotInputError(
            f"cannot save a figure as {str(path)!r}: the suffix {path.suffix or '(none)'} is not an image format; "
            f"end the path with .png (or one of: {', '.join('.' + s for s in sorted(supported))})"
        )
    with atomic_path(path) as partial:
        fig.savefig(partial, format=fmt, dpi=dpi)
    return path


def finish(fig: Figure, path, dpi: int) -> Figure:
    """Save ``fig`` when ``path`` is given (the helpers' shared ending); return it."""
    if path is not None:
        save_figure(fig, path, dpi=dpi)
    return fig
