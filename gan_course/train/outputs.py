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

import torch
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
                     probabilities: bool | None = None, plots_dir: str = PLOTS_DIR) -> list[Path]:
    """``plots/losses.png`` and ``plots/scores.png``; for 2D data also ``plots/scatter.png`` and
    ``plots/critic.png`` (the discriminator over the plane). Returns the paths written.

    real, fake: the fixed evaluation sample and the generator's samples for the fixed noise.
    A plot that has nothing to show (e.g. a history without step rows) is skipped with a warning.
    """
    from ..plotting import PlotInputError, plot_critic_heatmap, plot_losses, plot_scatter, plot_scores

    plots = run_dir / plots_dir
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


def redraw_plots(run_dir: str | os.PathLike, *, out_dir: str | os.PathLike | None = None) -> list[Path]:
    """Redraw a finished or running run's plots from ``history.json`` (and, for 2D models,
    its best checkpoint) into ``out_dir`` (default ``run_dir/plots``). Returns the paths written.

    Raises :class:`~gan_course.errors.CheckpointError` when ``run_dir`` has no history.
    """
    from ..data import load_dataset
    from ..errors import CheckpointError
    from .checkpoint import load_models
    from .evaluation import EpochMetric
    from .history import History

    run_dir = Path(run_dir)
    history_file = run_dir / "history.json"
    if not history_file.is_file():
        raise CheckpointError(f"no history.json in {run_dir}: is it a run directory written by 'gan-course train'?")
    history = History.from_json(history_file)
    generator, discriminator, config = load_models(run_dir, device="cpu")
    from ..losses import LOSSES

    probabilities = LOSSES[config.loss].outputs_are_logits
    if config.dataset == "ring":
        metric = EpochMetric(load_dataset("ring", n_points=config.n_points, seed=config.seed),
                             generator.latent_dim, torch.device("cpu"))
        real, fake = metric.real, metric.samples(generator)
    else:  # the images' plots need only the history
        real = fake = torch.zeros(1, 1, 1, 1)
    target = Path(out_dir) if out_dir is not None else run_dir / PLOTS_DIR
    written = save_final_plots(target.parent, history, discriminator=discriminator, real=real, fake=fake,
                               probabilities=probabilities, plots_dir=target.name)
    return written
