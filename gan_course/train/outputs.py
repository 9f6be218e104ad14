"""What a run writes besides checkpoints: sample grids (or 2D scatters) and the final plots.

Layout of a run directory (``docs/ARCHITECTURE.md``)::

    runs/<name>/config.yaml  history.json  history.csv  history_steps.csv
                samples/epoch_XXXX.png
                checkpoints/latest.pt  checkpoints/best.pt
                plots/losses.png  plots/scores.png  (2D: plots/scatter.png  plots/critic.png)

Image grids are written with ``torchvision.utils.save_image`` (fast, no matplotlib); 2D
samples and the plots go through :mod:`gan_course.plotting`. Every file is written to a
temporary name and renamed into place, so a reader never sees half an image.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path

from torch import Tensor, nn

logger = logging.getLogger(__name__)

SAMPLES_DIR = "samples"
PLOTS_DIR = "plots"


def sample_path(run_dir: Path, epoch: int) -> Path:
    """``samples/epoch_XXXX.png`` of ``epoch``."""
    return run_dir / SAMPLES_DIR / f"epoch_{epoch:04d}.png"


def save_image_grid(images: Tensor, path: Path) -> Path:
    """Images (N, C, H, W) in [-1, 1] as a square-ish PNG grid, written atomically."""
    from torchvision.utils import save_image

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        save_image(images, partial, nrow=max(1, math.isqrt(len(images))), normalize=True,
                   value_range=(-1.0, 1.0), format="png")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def save_samples(samples: Tensor, real: Tensor, path: Path, *, title: str) -> Path:
    """An image grid for images (B, C, H, W); a real-vs-generated scatter for points (B, 2)."""
    if samples.dim() == 4:
        return save_image_grid(samples, path)
    from ..plotting import plot_scatter

    plot_scatter(real, samples, path=path, title=title)
    return path


def save_final_plots(run_dir: Path, history, *, discriminator: nn.Module, real: Tensor, fake: Tensor,
                     probabilities: bool | None = None) -> list[Path]:
    """``plots/losses.png`` and ``plots/scores.png``; for 2D data also ``plots/scatter.png`` and
    ``plots/critic.png`` (the discriminator over the plane). Returns the paths written.

    real, fake: the fixed evaluation sample and the generator's samples for the fixed noise.
    A plot that has nothing to show (e.g. a history without step rows) is skipped with a warning.
    """
    from ..plotting import PlotInputError, plot_critic_heatmap, plot_losses, plot_scatter, plot_scores

    plots = run_dir / PLOTS_DIR
    jobs = [(plots / "losses.png", lambda p: plot_losses(history, path=p)),
            (plots / "scores.png", lambda p: plot_scores(history, probabilities=probabilities, path=p))]
    if fake.dim() == 2 and fake.shape[1] == 2:
        jobs += [(plots / "scatter.png", lambda p: plot_scatter(real, fake, path=p, title="final samples")),
                 (plots / "critic.png", lambda p: plot_critic_heatmap(discriminator, real, fake, path=p,
                                                                      title="discriminator output"))]
    written = []
    for path, draw in jobs:
        try:
            draw(path)
        except PlotInputError as error:
            logger.warning("skipped %s: %s", path.name, error)
            continue
        written.append(path)
    return written
