"""What a run writes besides checkpoints: sample grids (or 2D scatters) and the final plots.

The file names are :class:`~gan_course.run_dir.RunDir`'s. Samples are saved one way,
:func:`save_samples`, by the trainer, ``gan-course sample`` and ``gan-course interpolate``:
images as a grid written with ``torchvision.utils.save_image`` (fast, no matplotlib), 2D points
as a scatter over :func:`reference_points` (the run's fixed real sample,
:func:`~gan_course.train.epoch_metric.reference_sample`). Every file is written through
:mod:`gan_course.atomic`, so a reader never sees half an image.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path

import torch
from torch import Tensor, nn

from ..atomic import atomic_path
from ..run_dir import PLOTS_DIR, RunDir

logger = logging.getLogger(__name__)


def save_image_grid(images: Tensor, path: Path, *, nrow: int | None = None) -> Path:
    """Images (N, C, H, W) in [-1, 1] as a PNG grid of ``nrow`` per row (default: square-ish), written atomically."""
    from torchvision.utils import save_image

    with atomic_path(path) as partial:
        save_image(images, partial, nrow=nrow or max(1, math.isqrt(len(images))), normalize=True,
                   value_range=(-1.0, 1.0), format="png")
    return Path(path)


def reference_points(config) -> Tensor:
    """The real points (n, 2) a 2D run's samples are drawn over: its fixed real sample, the one its
    per-epoch metric compares against (the run's ring: ``config.n_points`` points, ``config.seed``)."""
    from ..data import load_dataset
    from .epoch_metric import reference_sample

    data = load_dataset(config.dataset, n_points=config.n_points, seed=config.seed)
    return reference_sample(data)[0]


def save_samples(samples: Tensor, path: str | os.PathLike, *, real: Tensor | None = None, config=None,
                 title: str, nrow: int | None = None) -> Path:
    """Save generated samples: images (B, C, H, W) as a grid of ``nrow`` per row (default square-ish);
    points (B, 2) as a scatter over ``real`` (default: :func:`reference_points` of ``config``)."""
    path = Path(path)
    if samples.dim() == 4:
        return save_image_grid(samples, path, nrow=nrow)
    from ..plotting import plot_scatter

    if real is None:
        if config is None:
            raise ValueError("save_samples of 2D points needs the real points or the run's config")
        real = reference_points(config)
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
    from ..losses import LOSSES
    from .checkpoint import load_models
    from .epoch_metric import EpochMetric
    from .history import History

    run = RunDir(run_dir)
    if not run.history.is_file():
        raise CheckpointError(f"no {run.history.name} in {run.path}: is it a run directory written by 'gan-course train'?")
    history = History.from_json(run.history)
    generator, discriminator, config = load_models(run.path, device="cpu")
    probabilities = LOSSES[config.loss].outputs_are_logits
    if config.dataset == "ring":
        metric = EpochMetric(load_dataset("ring", n_points=config.n_points, seed=config.seed),
                             generator.latent_dim, torch.device("cpu"))
        real, fake = metric.real, metric.samples(generator)
    else:  # the images' plots need only the history
        real = fake = torch.zeros(1, 1, 1, 1)
    target = Path(out_dir) if out_dir is not None else run.plots
    written = save_final_plots(target.parent, history, discriminator=discriminator, real=real, fake=fake,
                               probabilities=probabilities, plots_dir=target.name)
    return written
