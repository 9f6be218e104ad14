"""Matplotlib helpers for GAN training: each builds a ``matplotlib.figure.Figure`` with the
object API (no ``pyplot`` state; safe headless and in threads), returns it, and saves it
when given ``path=`` (through :func:`save_figure`).

| module       | helpers                                                                  |
|--------------|--------------------------------------------------------------------------|
| ``curves``   | plot_losses, plot_scores, plot_loss_comparison, plot_comparison_bars     |
| ``images``   | image_grid, interpolation_strip, sample_grid_by_class                    |
| ``comparison`` | plot_loss_panels, plot_grids_side_by_side (several runs side by side)  |
| ``planar``   | plot_scatter, plot_critic_heatmap (2D models)                            |
| ``tracking`` | plot_tracking (FID and a loss over training, Spearman's rho per run)     |
| ``series``   | load_history, series, smooth_curve (histories as plottable columns)      |
| ``figure``   | save_figure, PlotInputError                                              |
"""

from __future__ import annotations

from .comparison import plot_grids_side_by_side, plot_loss_panels
from .curves import EQUILIBRIUM_D, plot_comparison_bars, plot_loss_comparison, plot_losses, plot_scores
from .figure import SAVE_DPI, PlotInputError, save_figure
from .images import image_grid, interpolation_strip, sample_grid_by_class
from .planar import critic_values, data_extent, plot_critic_heatmap, plot_scatter
from .series import load_history, series, smooth_curve
from .tracking import plot_tracking

__all__ = [
    "EQUILIBRIUM_D", "SAVE_DPI", "PlotInputError", "critic_values", "data_extent", "image_grid",
    "interpolation_strip", "load_history", "plot_comparison_bars", "plot_critic_heatmap", "plot_grids_side_by_side",
    "plot_loss_comparison", "plot_loss_panels", "plot_losses", "plot_scatter", "plot_scores", "plot_tracking",
    "sample_grid_by_class",
    "save_figure", "series", "smooth_curve",
]
