"""TensorBoard logging of a training run: a trainer callback, on by default.

TensorBoard (Abadi et al. 2016, "TensorFlow: A System for Large-Scale Machine Learning",
https://arxiv.org/abs/1605.08695) reads event files; :class:`TensorBoardLogger` writes them
with ``torch.utils.tensorboard.SummaryWriter`` into ``RUN_DIR/tensorboard/`` while the run
trains, so ``gan-course monitor RUN_DIR...`` (:mod:`gan_course.train.monitor`) shows it live.
The trainer adds the logger itself unless ``TrainConfig.tensorboard`` is False
(``gan-course train --no-tensorboard``).

Every event is indexed by the iteration count (the history's ``step``), so step rows, epoch
rows and images share one x axis. Tags:

| tag                                   | when            | value                                 |
|---------------------------------------|-----------------|---------------------------------------|
| ``train/d_loss``, ``train/g_loss``    | each logged step| the step's losses                     |
| ``train/d_real``, ``train/d_fake``    | each logged step| mean D(x) and D(G(z)) (probabilities for BCE-style losses) |
| ``train/w_estimate``, ``train/penalty`` | each logged step | critic losses: mean D(x) - mean D(G(z)) without the penalty (the Wasserstein estimate), and the penalty term (gp, r1) apart |
| ``train/d_grad_norm``, ``train/g_grad_norm`` | each logged step | gradient norms                  |
| ``epoch/d_loss`` ... ``epoch/penalty`` | each epoch     | the epoch means                       |
| ``lr/d``, ``lr/g``                    | each epoch      | learning rates                        |
| ``metric/<name>``                     | each epoch      | the per-epoch metric (sliced_wasserstein / energy_distance), and every other number the epoch record carries (``val_fid``, ``kid``, ...) |
| ``time/epoch_seconds``, ``time/eval_seconds`` | each epoch | training / evaluation seconds of the epoch |
| ``samples``                           | each epoch      | the fixed-noise sample grid (2D runs: the real-vs-generated scatter, on the epochs that write ``samples/``) |

A value that is missing or not finite (the history's ``None``) is not written. When a run
is resumed, or started afresh with ``overwrite`` in a directory that held one, the writer
declares a restart at the step the session starts from (``purge_step``), so TensorBoard drops
stale events logged after the checkpoint instead of drawing them twice.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from ..run_dir import RunDir

SAMPLES_TAG = "samples"
STEP_KEYS = ("d_loss", "g_loss", "d_real", "d_fake", "w_estimate", "penalty", "d_grad_norm",
             "g_grad_norm")  # -> train/<key>
EPOCH_KEYS = ("d_loss", "g_loss", "d_real", "d_fake", "w_estimate", "penalty")  # -> epoch/<key>
LR_KEYS = {"lr_d": "lr/d", "lr_g": "lr/g"}
TIME_KEYS = {"epoch_time": "time/epoch_seconds", "eval_time": "time/eval_seconds"}
NOT_METRICS = {"epoch", "time", "metric", *TIME_KEYS, *EPOCH_KEYS, *LR_KEYS}  # the rest of a record -> metric/<key>
FLUSH_SECONDS = 30  # SummaryWriter flushes at least this often (and the logger at every epoch end)


def _number(value: Any) -> float | None:
    """A finite float, or None for missing / non-numeric / NaN / Inf values."""
    if value is None or isinstance(value, (bool, str)):
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def sample_image(samples: Tensor) -> Tensor:
    """Images (N, C, H, W) in [-1, 1] -> one grid (3, H', W') in [0, 1], ``isqrt(N)`` per row."""
    from torchvision.utils import make_grid

    images = torch.nan_to_num((samples.detach().float().cpu() + 1.0) / 2.0, nan=0.0).clamp(0.0, 1.0)
    return make_grid(images, nrow=max(1, math.isqrt(len(images))), padding=2, pad_value=1.0)  # (3, H', W')


def figure_image(fig) -> Tensor:
    """A matplotlib Figure rendered by Agg -> (H, W, 3) uint8 (no pyplot, no display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    import numpy as np

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return torch.from_numpy(np.asarray(canvas.buffer_rgba())[..., :3].copy())  # (H, W, 3)


class TensorBoardLogger:
    """Trainer callback writing a run's scalars and sample grids for TensorBoard.

    log_dir: where the event files go; None -> ``trainer.run_dir / "tensorboard"``. The writer
    is opened at the first event (so constructing the logger costs nothing) and closed when
    the run finishes; :meth:`close` closes it early.
    """

    def __init__(self, log_dir: str | Path | None = None, *, flush_secs: int = FLUSH_SECONDS):
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self.flush_secs = flush_secs
        self.writer = None
        self._opened = False  # only the first writer of a session declares the restart

    def _writer(self, trainer, *, epochs_before: int):
        """The open writer; ``epochs_before``: epochs completed before the current one."""
        if self.writer is None:
            from torch.utils.tensorboard import SummaryWriter

            if self.log_dir is None:
                self.log_dir = RunDir(trainer.run_dir).tensorboard
            self.log_dir.mkdir(parents=True, exist_ok=True)
            # Steps done when this training session began: a session starts at an epoch boundary
            # (a fresh run at 0, a resumed one at its checkpoint). Events of an earlier session at
            # later steps (a crash after the checkpoint, or an overwritten run) are stale.
            start = epochs_before * trainer.data.steps_per_epoch(trainer.config.batch_size)
            purge = None if self._opened else start + 1
            self.writer = SummaryWriter(log_dir=str(self.log_dir), purge_step=purge, flush_secs=self.flush_secs)
            self._opened = True
        return self.writer

    def _scalar(self, tag: str, value: Any, step: int) -> None:
        value = _number(value)
        if value is not None:
            self.writer.add_scalar(tag, value, step)

    def on_step_end(self, trainer, record: dict) -> None:
        """Write ``train/<key>`` for the logged step's losses, scores and gradient norms."""
        self._writer(trainer, epochs_before=trainer.epoch)
        for key in STEP_KEYS:
            self._scalar(f"train/{key}", record.get(key), record["step"])

    def on_epoch_end(self, trainer, record: dict) -> None:
        """Write the epoch's means, learning rates, metrics and sample grid; flush (close at the end)."""
        writer, step = self._writer(trainer, epochs_before=trainer.epoch - 1), trainer.step
        for key in EPOCH_KEYS:
            self._scalar(f"epoch/{key}", record.get(key), step)
        for key, tag in LR_KEYS.items():
            self._scalar(tag, record.get(key), step)
        self._scalar(f"metric/{trainer.history.metric_name}", record.get("metric"), step)
        for key, value in record.items():  # FID, KID and whatever else an evaluation adds
            if key not in NOT_METRICS:
                self._scalar(f"metric/{key}", value, step)
        for key, tag in TIME_KEYS.items():
            self._scalar(tag, record.get(key), step)
        self._samples(trainer, step)
        writer.flush()
        if trainer.finished:
            self.close()

    def _samples(self, trainer, step: int) -> None:
        fake = getattr(trainer, "last_samples", None)
        if fake is None:
            fake = trainer.metric.samples(trainer.sampler)  # (n, ...) the fixed-noise samples
        if fake.dim() == 4:  # images: the first grid_size, as in samples/epoch_XXXX.png
            self.writer.add_image(SAMPLES_TAG, sample_image(fake[: trainer.config.grid_size]), step)
        elif trainer.epoch % trainer.config.sample_every == 0 or trainer.finished:  # 2D: a scatter, like samples/
            from ..plotting import plot_scatter

            fig = plot_scatter(trainer.metric.real, fake, title=f"{trainer.config.name}: epoch {trainer.epoch}")
            self.writer.add_image(SAMPLES_TAG, figure_image(fig), step, dataformats="HWC")

    def close(self) -> None:
        """Flush and close the event file (a later event opens a new one)."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None
