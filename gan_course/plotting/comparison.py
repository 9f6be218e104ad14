"""Figures that put several runs side by side: their loss curves in two panels (D and G) and
their samples per class in one row of grids.

The loss strategies compared in assignment 05 (BCE, Goodfellow et al. 2014; LSGAN, Mao et al.
2017; hinge, Lim & Ye 2017; WGAN-GP, Gulrajani et al. 2017) have losses on different scales, so
the curves share the x axis (steps) but are read for their shape, not their level. Sample grids
use the package's image convention, ``(N, C, H, W)`` float in ``[-1, 1]`` or uint8.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from torchvision.utils import make_grid

from .figure import SAVE_DPI, PlotInputError, finish
from .images import GRID_PADDING, PAD_VALUE, row_centers, to_unit_images
from .series import auto_smoothing, load_history, series, smooth_curve

PANEL_SIZE_IN = (5.0, 3.6)  # one loss panel
GRID_PANEL_WIDTH_IN = 3.2  # one run's sample grid
FEW_POINTS = 20  # curves this short get markers (a single point is otherwise invisible)
LOSS_PANELS = (("d_loss", "discriminator / critic loss"), ("g_loss", "generator loss"))


def plot_loss_panels(histories: Mapping, *, path=None, x: str = "auto", title: str | None = None,
                     dpi: int = SAVE_DPI) -> Figure:
    """D and G losses of several runs (``{run name: history}``) overlaid, one panel per loss.

    Each run keeps its colour in both panels; curves are smoothed (the raw curve is not drawn,
    so four runs stay readable). Per step when every run logged steps, else per epoch.
    """
    if not isinstance(histories, Mapping) or not histories:
        raise PlotInputError("plot_loss_panels needs a non-empty dict {run name: history}")
    loaded = {str(name): load_history(h) for name, h in histories.items()}
    if x == "auto":
        x = "step" if all(series(h, "g_loss", x="step") is not None for h in loaded.values()) else "epoch"
    fig = Figure(figsize=(PANEL_SIZE_IN[0] * len(LOSS_PANELS), PANEL_SIZE_IN[1]), layout="constrained")
    axes = fig.subplots(1, len(LOSS_PANELS))
    for ax, (key, label) in zip(axes, LOSS_PANELS):
        for i, (name, history) in enumerate(loaded.items()):
            found = series(history, key, x=x)
            if found is None:
                raise PlotInputError(f"run {name!r} has no {key!r} values per {x}; pass histories written by training")
            xs, ys, x_label = found
            ax.plot(xs, smooth_curve(ys, auto_smoothing(len(ys))), color=f"C{i % 10}", linewidth=1.4,
                    marker="o" if len(ys) <= FEW_POINTS else None, markersize=4, label=name, gid=f"{name}:{key}")
            ax.set_xlabel(x_label)
        ax.set_title(label)
        ax.grid(True, alpha=0.3)
    axes[0].legend(loc="best")
    if title:
        fig.suptitle(title)
    return finish(fig, path, dpi)


def plot_grids_side_by_side(panels: Mapping, *, columns: int, row_labels: Sequence[str] | None = None,
                            title: str | None = None, path=None, dpi: int = SAVE_DPI) -> Figure:
    """One sample grid per run, side by side (``{run name: images (N, C, H, W)}``).

    Each grid holds ``columns`` images per row; for conditional runs give the images class by
    class (row k = class k) and ``row_labels`` (class names) to label the rows of the first grid.
    A run with fewer images leaves white cells.
    """
    if not isinstance(panels, Mapping) or not panels:
        raise PlotInputError("plot_grids_side_by_side needs a non-empty dict {run name: images}")
    if columns < 1:
        raise PlotInputError(f"columns={columns}; pass at least 1 image per row")
    grids = {}
    for name, images in panels.items():
        unit = to_unit_images(images, name=f"images of {name!r}")
        grid = make_grid(unit, nrow=columns, padding=GRID_PADDING, pad_value=PAD_VALUE)  # (3, H', W')
        grids[str(name)] = grid.permute(1, 2, 0).numpy()
    height = max(g.shape[0] for g in grids.values())
    for name, grid in grids.items():  # equal heights: pad shorter grids with white
        if grid.shape[0] < height:
            grids[name] = np.concatenate([grid, np.full((height - grid.shape[0], *grid.shape[1:]), PAD_VALUE)])
    first = next(iter(grids.values()))
    panel_h = GRID_PANEL_WIDTH_IN * first.shape[0] / first.shape[1]
    fig = Figure(figsize=(GRID_PANEL_WIDTH_IN * len(grids) + (1.2 if row_labels else 0.2), panel_h + 0.6),
                 layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(grids)))
    tile_height = to_unit_images(next(iter(panels.values()))).shape[2]
    for i, (ax, (name, grid)) in enumerate(zip(axes, grids.items())):
        ax.imshow(grid, interpolation="nearest", vmin=0.0, vmax=1.0, gid=f"grid:{name}")
        ax.set_title(name)
        ax.set_xticks([])
        if i == 0 and row_labels:
            ax.set_yticks(row_centers(len(row_labels), tile_height), [str(label) for label in row_labels])
            ax.tick_params(axis="y", length=0)
        else:
            ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
    if title:
        fig.suptitle(title)
    return finish(fig, path, dpi)
