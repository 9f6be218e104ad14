"""Images on a grid: a batch of samples, strips of latent interpolations, samples by class.

Images follow the package convention, ``(N, C, H, W)`` float in ``[-1, 1]`` (the range of
the DCGAN generator's tanh output, Radford et al. 2016, "Unsupervised Representation
Learning with Deep Convolutional Generative Adversarial Networks",
https://arxiv.org/abs/1511.06434), grayscale (C = 1) or RGB (C = 3), as torch tensors or
numpy arrays; uint8 images (the in-memory storage) in ``[0, 255]`` are accepted too. They
are mapped to ``[0, 1]`` by ``(x + 1) / 2``, clamped, and tiled with
``torchvision.utils.make_grid``. The figure shows that grid, an ``(H, W, 3)`` float array
in ``[0, 1]``, as its only image, without axes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import Tensor
from torchvision.utils import make_grid

from .figure import SAVE_DPI, PlotInputError, finish

GRID_PADDING = 2  # pixels between tiles
PAD_VALUE = 1.0  # white gaps between tiles and white empty cells, in [0, 1]
IMAGE_PX_PER_INCH = 50.0  # at SAVE_DPI each image pixel covers about two screen pixels
MIN_WIDTH_IN, MAX_WIDTH_IN = 2.0, 10.0
TITLE_BAND_IN = 0.4  # room above the grid for a title
LABEL_BAND_IN = 1.2  # room left of the grid for row labels


def to_unit_images(images, *, name: str = "images") -> Tensor:
    """Images as float32 ``(N, C, H, W)`` in ``[0, 1]`` on the CPU.

    ``images``: ``(N, C, H, W)`` or ``(N, H, W)`` (grayscale), float in ``[-1, 1]`` or uint8
    in ``[0, 255]``; NaN (a diverged generator) is shown as black.
    """
    x = images.detach().cpu() if isinstance(images, Tensor) else torch.as_tensor(np.asarray(images))
    if x.dim() == 3:
        x = x.unsqueeze(1)  # (N, 1, H, W)
    if x.dim() != 4 or x.shape[1] not in (1, 3):
        hint = ""
        if x.dim() == 4 and x.shape[-1] in (1, 3):
            hint = " They look channels-last: use images.permute(0, 3, 1, 2)."
        raise PlotInputError(
            f"{name} must have shape (N, C, H, W) with C = 1 (grayscale) or 3 (RGB), got {tuple(x.shape)}.{hint}"
        )
    if x.dtype == torch.uint8:
        return x.float() / 255.0
    x = x.to(torch.float32)
    return torch.nan_to_num((x + 1.0) / 2.0, nan=0.0).clamp(0.0, 1.0)


def _tile(images: Tensor, nrow: int) -> np.ndarray:
    """make_grid of unit images (N, C, H, W) -> (H', W', 3) numpy array in [0, 1].

    A lone image gets the same border as a grid (make_grid returns it unpadded).
    """
    grid = make_grid(images, nrow=nrow, padding=GRID_PADDING, pad_value=PAD_VALUE)  # (3, H', W')
    if images.shape[0] == 1:
        grid = F.pad(grid, (GRID_PADDING,) * 4, value=PAD_VALUE)
    return grid.permute(1, 2, 0).numpy()


def row_centers(rows: int, tile_height: int) -> np.ndarray:
    """Vertical pixel centres of the ``rows`` rows of a make_grid of tiles ``tile_height`` high."""
    step = tile_height + GRID_PADDING
    return GRID_PADDING + step * np.arange(rows) + (tile_height - 1) / 2.0


def _show(grid: np.ndarray, *, title: str | None, row_labels: Sequence[str] | None = None,
          tile_height: int = 0) -> Figure:
    """A figure sized to the grid, showing it pixel for pixel; row labels on the left."""
    height_px, width_px = grid.shape[:2]
    grid_w = float(np.clip(width_px / IMAGE_PX_PER_INCH, MIN_WIDTH_IN, MAX_WIDTH_IN))
    grid_h = grid_w * height_px / width_px
    left = LABEL_BAND_IN if row_labels is not None else 0.0
    top = TITLE_BAND_IN if title else 0.0
    fig = Figure(figsize=(left + grid_w, grid_h + top))
    ax = fig.add_axes((left / (left + grid_w), 0.0, grid_w / (left + grid_w), grid_h / (grid_h + top)))
    ax.imshow(grid, interpolation="nearest", vmin=0.0, vmax=1.0, gid="grid")
    if row_labels is None:
        ax.set_axis_off()
    else:
        ax.set_xticks([])
        ax.set_yticks(row_centers(len(row_labels), tile_height), [str(label) for label in row_labels])
        ax.tick_params(axis="y", length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
    if title:
        ax.set_title(title)
    return fig


def image_grid(images, *, nrow: int = 8, title: str | None = None, path=None, dpi: int = SAVE_DPI) -> Figure:
    """Images ``(N, C, H, W)`` in ``[-1, 1]`` tiled ``nrow`` per row, shown without axes."""
    if nrow < 1:
        raise PlotInputError(f"nrow={nrow}: a grid needs at least one image per row; pass nrow >= 1")
    unit = to_unit_images(images)
    if unit.shape[0] == 0:
        raise PlotInputError("image_grid got no images (N = 0); pass at least one image")
    return finish(_show(_tile(unit, nrow), title=title), path, dpi)


def interpolation_strip(images, *, path=None, labels: Sequence[str] | None = None, title: str | None = None,
                        dpi: int = SAVE_DPI) -> Figure:
    """Interpolants as strips: ``(S, C, H, W)`` (one strip) or ``(R, S, C, H, W)`` (R strips
    of S steps each), one strip per row, labelled by ``labels`` (R names, e.g.
    ``["lerp", "slerp"]``) when given."""
    x = images.detach().cpu() if isinstance(images, Tensor) else torch.as_tensor(np.asarray(images))
    if x.dim() == 4:
        x = x.unsqueeze(0)  # (1, S, C, H, W)
    if x.dim() != 5 or x.shape[0] == 0 or x.shape[1] == 0:
        raise PlotInputError(
            f"interpolation_strip needs (S, C, H, W) or (R, S, C, H, W) images, got {tuple(x.shape)}; "
            "stack the generator's outputs for each interpolation path"
        )
    rows, steps = x.shape[:2]
    if labels is not None and len(labels) != rows:
        raise PlotInputError(f"{len(labels)} labels for {rows} strips; pass one label per strip (row)")
    unit = to_unit_images(x.reshape(rows * steps, *x.shape[2:]))  # (R * S, C, H, W)
    fig = _show(_tile(unit, steps), title=title, row_labels=labels, tile_height=unit.shape[2])
    return finish(fig, path, dpi)


def sample_grid_by_class(images, labels, *, class_names: Sequence[str] | None = None, path=None,
                         max_per_class: int | None = None, title: str | None = None, dpi: int = SAVE_DPI) -> Figure:
    """Samples of a conditional model, one row per class present in ``labels``.

    images: ``(N, C, H, W)``; labels: ``(N,)`` integer classes. Rows go by increasing class,
    each holding that class's images in their order (at most ``max_per_class``); shorter rows
    end in white cells. Rows are labelled ``class_names[c]`` when given, else ``c``.
    """
    unit = to_unit_images(images)
    classes = labels.detach().cpu() if isinstance(labels, Tensor) else torch.as_tensor(np.asarray(labels))
    if classes.dim() != 1 or classes.shape[0] != unit.shape[0] or classes.is_floating_point() or unit.shape[0] == 0:
        raise PlotInputError(
            f"labels must be integers of shape (N,) = ({unit.shape[0]},) matching the images, got "
            f"{tuple(classes.shape)} {classes.dtype}; pass the class ids the generator was conditioned on"
        )
    present = sorted(set(classes.tolist()))
    if class_names is not None and (present[0] < 0 or present[-1] >= len(class_names)):
        raise PlotInputError(
            f"labels run from {present[0]} to {present[-1]} but there are {len(class_names)} class_names; "
            "pass one name per class id 0..num_classes-1"
        )
    rows = [unit[classes == c] for c in present]
    if max_per_class is not None:
        if max_per_class < 1:
            raise PlotInputError(f"max_per_class={max_per_class}; pass at least 1 (or None for all)")
        rows = [row[:max_per_class] for row in rows]
    columns = max(len(row) for row in rows)
    cells = torch.full((len(rows), columns, *unit.shape[1:]), PAD_VALUE)  # (K, M, C, H, W), white
    for i, row in enumerate(rows):
        cells[i, : len(row)] = row
    names = [class_names[c] if class_names is not None else c for c in present]
    fig = _show(_tile(cells.flatten(0, 1), columns), title=title, row_labels=names, tile_height=unit.shape[2])
    return finish(fig, path, dpi)
