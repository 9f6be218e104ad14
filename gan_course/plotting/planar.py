"""Plots for 2D models (the ring of assignment 02): real against generated points with their
densities, and the discriminator's or critic's output as a heat map over the plane.

A 2D model makes mode collapse visible (Goodfellow 2016, "NIPS 2016 Tutorial: Generative
Adversarial Networks", https://arxiv.org/abs/1701.00160, section 5.1.1; Metz et al. 2017,
"Unrolled Generative Adversarial Networks", https://arxiv.org/abs/1611.02163, figure 1):
the scatter can hide thousands of generated points on one spot, the 2D histogram cannot.
The heat map shows what the discriminator has learnt: for a BCE discriminator its logit
(or, with ``probabilities=True``, D(x) = sigmoid(logit)), for a WGAN critic its score.

Points are ``(N, 2)`` float, torch tensors or numpy arrays.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

from .figure import SAVE_DPI, PlotInputError, finish, to_numpy

EXTENT_MARGIN = 0.1  # the plotted plane extends 10% of the data's span beyond it on each side
DENSITY_BINS = 60  # histogram cells per axis of the density panel
HEATMAP_RESOLUTION = 200  # grid points per axis of the critic heat map
HEATMAP_CHUNK = 65536  # grid points per discriminator call
REAL_STYLE = {"s": 4, "color": "0.35", "alpha": 0.35, "linewidths": 0}
FAKE_STYLE = {"s": 4, "color": "C3", "alpha": 0.5, "linewidths": 0}
PANEL_HEIGHT_IN = 5.0  # panels keep the data's aspect: their width follows the extent
PANEL_MIN_WIDTH_IN, PANEL_MAX_WIDTH_IN = 3.0, 9.0
COLORBAR_IN = 1.3  # room for a colour bar and its label
BOUNDARY = {False: 0.0, True: 0.5}  # decision boundary of logits / of probabilities


def as_points(points, *, name: str) -> np.ndarray:
    """Points as float64 (N, 2)."""
    array = to_numpy(points, name=name)
    if array.ndim != 2 or array.shape[1] != 2:
        raise PlotInputError(f"{name} must be 2D points of shape (N, 2), got {array.shape}; "
                             "these plots are for the 2D models (e.g. the ring)")
    return array


def data_extent(*point_sets: np.ndarray, margin: float = EXTENT_MARGIN) -> tuple[float, float, float, float]:
    """``(xmin, xmax, ymin, ymax)`` covering the finite points of every set, widened by
    ``margin`` times the span on each side (by 1 when the span is 0)."""
    finite = [p[np.isfinite(p).all(axis=1)] for p in point_sets if p is not None]
    points = np.concatenate(finite) if finite else np.empty((0, 2))
    if len(points) == 0:
        raise PlotInputError("no finite points to plot (all NaN or Inf: has training diverged?); "
                             "pass extent=(xmin, xmax, ymin, ymax) or finite points")
    extent = []
    for low, high in zip(points.min(axis=0), points.max(axis=0)):
        pad = margin * (high - low) if high > low else 1.0
        extent += [float(low - pad), float(high + pad)]
    return tuple(extent)


def _check_extent(extent) -> tuple[float, float, float, float]:
    values = tuple(float(v) for v in extent)
    if len(values) != 4 or not np.all(np.isfinite(values)) or values[0] >= values[1] or values[2] >= values[3]:
        raise PlotInputError(f"extent={extent!r} is not (xmin, xmax, ymin, ymax) with xmin < xmax and ymin < ymax")
    return values


def _panel_width(extent, height: float) -> float:
    """Width in inches of an equal-aspect panel ``height`` inches high showing ``extent``."""
    aspect = (extent[1] - extent[0]) / (extent[3] - extent[2])
    return float(np.clip(height * aspect, PANEL_MIN_WIDTH_IN, PANEL_MAX_WIDTH_IN))


def _frame(ax: Axes, extent, title: str) -> None:
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.set_title(title)


def plot_scatter(real, fake, *, path=None, title: str | None = None, bins: int = DENSITY_BINS,
                 extent=None, dpi: int = SAVE_DPI) -> Figure:
    """Real ``(N, 2)`` against generated ``(M, 2)`` points, in two panels on one extent.

    Left: both point clouds (gids ``"real"``, ``"fake"``). Right: the density of the
    generated points, ``numpy.histogram2d(..., bins, density=True)`` as an image (gid
    ``"fake_density"``), with contours of the real density over it, so a collapsed
    generator shows as a few bright cells. Equal aspect, so a ring looks round.
    """
    real, fake = as_points(real, name="real"), as_points(fake, name="fake")
    extent = data_extent(real, fake) if extent is None else _check_extent(extent)
    if int(bins) < 2:
        raise PlotInputError(f"bins={bins}: a density needs at least 2 cells per axis; pass e.g. bins={DENSITY_BINS}")
    fig = Figure(figsize=(2 * _panel_width(extent, PANEL_HEIGHT_IN) + COLORBAR_IN, PANEL_HEIGHT_IN + 0.5),
                 layout="constrained")
    ax_points, ax_density = fig.subplots(1, 2)
    ax_points.scatter(real[:, 0], real[:, 1], label=f"real ({len(real)})", gid="real", **REAL_STYLE)
    ax_points.scatter(fake[:, 0], fake[:, 1], label=f"generated ({len(fake)})", gid="fake", **FAKE_STYLE)
    ax_points.legend(loc="upper right", markerscale=3)
    _frame(ax_points, extent, "samples")

    ranges = [[extent[0], extent[1]], [extent[2], extent[3]]]
    fake_density = _histogram(fake, bins, ranges)  # (bins, bins), rows = y
    real_density = _blur(_histogram(real, bins, ranges))  # smoother contours
    image = ax_density.imshow(fake_density, origin="lower", extent=extent, cmap="magma",
                              interpolation="nearest", gid="fake_density")
    peak = real_density.max()
    levels = [level for level in (0.1 * peak, 0.5 * peak) if real_density.min() < level < peak]
    if levels:
        ax_density.contour(real_density, levels=levels, origin="lower", extent=extent, colors="white",
                           linewidths=0.8)
    fig.colorbar(image, ax=ax_density, label="generated density", shrink=0.8)
    _frame(ax_density, extent, "generated density (real: white contours)")
    if title:
        fig.suptitle(title)
    return finish(fig, path, dpi)


def _histogram(points: np.ndarray, bins: int, ranges) -> np.ndarray:
    """Density of the finite points on a bins x bins grid, rows = y (for imshow). (bins, bins)."""
    finite = points[np.isfinite(points).all(axis=1)]
    inside = ((finite[:, 0] >= ranges[0][0]) & (finite[:, 0] <= ranges[0][1])
              & (finite[:, 1] >= ranges[1][0]) & (finite[:, 1] <= ranges[1][1]))
    if not inside.any():
        return np.zeros((bins, bins))
    counts, _, _ = np.histogram2d(finite[:, 0], finite[:, 1], bins=int(bins), range=ranges, density=True)
    return counts.T


def _blur(density: np.ndarray) -> np.ndarray:
    """3 x 3 box average of a 2D array (edges padded by repetition). (H, W) -> (H, W)."""
    padded = np.pad(density, 1, mode="edge")
    height, width = density.shape
    return sum(padded[i:i + height, j:j + width] for i in range(3) for j in range(3)) / 9.0


@contextmanager
def _evaluating(model):
    """Eval mode (dropout off, batch norm frozen) for the duration, then every submodule's
    own previous mode back; no gradients."""
    modules = list(model.modules()) if isinstance(model, nn.Module) else []
    modes = [m.training for m in modules]
    try:
        for m in modules:
            m.training = False
        with torch.no_grad():
            yield
    finally:
        for m, mode in zip(modules, modes):
            m.training = mode


def _placement(model) -> tuple[torch.device, torch.dtype]:
    """The device and floating dtype of the model's first parameter (or buffer); CPU float32."""
    if isinstance(model, nn.Module):
        for tensor in (*model.parameters(), *model.buffers()):
            dtype = tensor.dtype if tensor.is_floating_point() else torch.float32
            return tensor.device, dtype
    return torch.device("cpu"), torch.float32


def grid_points(extent, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres of a resolution x resolution grid over ``extent``: xs (R,), ys (R,)."""
    x0, x1, y0, y1 = extent
    cells = (np.arange(resolution) + 0.5) / resolution  # (R,)
    return x0 + (x1 - x0) * cells, y0 + (y1 - y0) * cells


def critic_values(discriminator, extent, resolution: int = HEATMAP_RESOLUTION, *, labels=None,
                  probabilities: bool = False) -> np.ndarray:
    """``discriminator`` evaluated on :func:`grid_points`: ``(R, R)``, row i = ys[i], column j = xs[j].

    ``discriminator`` maps ``(K, 2)`` points to ``(K,)`` or ``(K, 1)`` logits / scores; it is
    called as ``discriminator(points, labels=...)`` with ``labels`` broadcast to ``(K,)``
    int64 when a class is given (conditional models). Runs on the module's device in eval
    mode without gradients, restoring every submodule's mode afterwards.
    """
    xs, ys = grid_points(extent, resolution)
    gx, gy = np.meshgrid(xs, ys)  # (R, R) each, gx[i, j] = xs[j]
    points = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], axis=1))  # (R * R, 2)
    device, dtype = _placement(discriminator)
    values = []
    with _evaluating(discriminator):
        for chunk in points.split(HEATMAP_CHUNK):
            chunk = chunk.to(device=device, dtype=dtype)  # (K, 2)
            if labels is None:
                out = discriminator(chunk)
            else:
                out = discriminator(chunk, labels=torch.full((len(chunk),), int(labels), dtype=torch.int64, device=device))
            out = torch.as_tensor(out).detach().reshape(-1).to("cpu", torch.float64)  # (K,)
            if out.numel() != len(chunk):
                raise PlotInputError(f"the discriminator returned {out.numel()} values for {len(chunk)} points; "
                                     "it must map (K, 2) points to (K,) or (K, 1) outputs")
            values.append(out)
    grid = torch.cat(values).reshape(resolution, resolution)  # (R, R)
    return (torch.sigmoid(grid) if probabilities else grid).numpy()


def plot_critic_heatmap(discriminator, real=None, fake=None, *, extent=None, resolution: int = HEATMAP_RESOLUTION,
                        path=None, labels=None, probabilities: bool = False, title: str | None = None,
                        dpi: int = SAVE_DPI) -> Figure:
    """The discriminator's output over the plane as a heat map with a colour bar, with the
    real and generated points on top (gids ``"critic"``, ``"real"``, ``"fake"``).

    ``extent`` (xmin, xmax, ymin, ymax) defaults to the points' extent plus a margin; at
    least one of them must be given. ``probabilities=True`` applies the sigmoid (for a BCE
    discriminator's logits), on a fixed [0, 1] scale; otherwise the colours are symmetric
    around 0. A dashed contour marks the decision boundary (logit 0, D = 1/2) where crossed.
    ``labels``: the class to condition a conditional discriminator on.
    """
    real = None if real is None else as_points(real, name="real")
    fake = None if fake is None else as_points(fake, name="fake")
    if extent is not None:
        extent = _check_extent(extent)
    elif real is None and fake is None:
        raise PlotInputError("plot_critic_heatmap needs the region to show: pass real/fake points or "
                             "extent=(xmin, xmax, ymin, ymax)")
    else:
        extent = data_extent(real, fake)
    if int(resolution) < 2:
        raise PlotInputError(f"resolution={resolution}: pass at least 2 grid points per axis (e.g. {HEATMAP_RESOLUTION})")
    values = critic_values(discriminator, extent, int(resolution), labels=labels, probabilities=probabilities)

    fig = Figure(figsize=(_panel_width(extent, PANEL_HEIGHT_IN) + COLORBAR_IN, PANEL_HEIGHT_IN + 0.5),
                 layout="constrained")
    ax = fig.add_subplot()
    finite = values[np.isfinite(values)]
    if probabilities:
        vmin, vmax, label = 0.0, 1.0, "D(x) = sigmoid(logit)"
    else:
        bound = float(np.abs(finite).max()) if finite.size and np.abs(finite).max() > 0 else 1.0
        vmin, vmax, label = -bound, bound, "discriminator logit / critic score"
    image = ax.imshow(values, origin="lower", extent=extent, cmap="RdBu_r", vmin=vmin, vmax=vmax,
                      interpolation="nearest", gid="critic")
    fig.colorbar(image, ax=ax, label=label, shrink=0.85)
    boundary = BOUNDARY[bool(probabilities)]
    if finite.size and finite.min() < boundary < finite.max():
        xs, ys = grid_points(extent, int(resolution))
        ax.contour(xs, ys, values, levels=[boundary], colors="0.15", linestyles="--", linewidths=1.0)
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], label="real", gid="real", **{**REAL_STYLE, "color": "black"})
    if fake is not None:
        ax.scatter(fake[:, 0], fake[:, 1], label="generated", gid="fake", **{**FAKE_STYLE, "color": "gold"})
    if real is not None or fake is not None:
        ax.legend(loc="upper right", markerscale=3)
    _frame(ax, extent, title or ("discriminator D(x)" if probabilities else "discriminator output"))
    return finish(fig, path, dpi)
