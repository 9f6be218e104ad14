"""One trainer for every GAN variant: the loop and the steps.

What a run writes is the business of callbacks: :class:`~gan_course.train.run_writer.RunDirWriter`
(the run directory, always first), :class:`~gan_course.train.tensorboard.TensorBoardLogger`
and any the caller adds. The checkpoint's contents and resuming are in
:mod:`gan_course.train.state`; the device, optimisers and models' arguments in
:mod:`gan_course.train.assembly`; the numbers of an epoch (kept on the device, read back once per
logging window) in :mod:`gan_course.train.stats`; the channels-last layout and ``torch.compile``
in :mod:`gan_course.train.speed`.

Like minGPT's trainer, it knows nothing about the model it trains: the architecture comes from
``gan_course.models.build_models``, the objective from ``gan_course.losses.LOSSES`` and the
regulariser, optimiser and schedule from the :class:`~gan_course.train.config.TrainConfig`.
Variants (GAN, LSGAN, hinge, WGAN, WGAN-GP, SNGAN, conditional GANs) are configurations.

The loop (Goodfellow et al. 2014, "Generative Adversarial Nets", algorithm 1, with ``k =
n_critic`` discriminator steps per generator step as in Arjovsky et al. 2017, algorithm 1).
For iteration ``i`` (counted over the whole run) with a real batch ``x`` (and labels ``y``):

1. if ``i % d_every == 0``, a discriminator step: ``fake = G(z, y)`` without gradients,
   ``loss = LossPair.discriminator_loss(D(x, y), D(fake, y), real_label)`` plus the gradient
   penalty or R1 term, one optimiser step, then weight clipping if chosen;
2. if ``(i + 1) % n_critic == 0``, a generator step on fresh noise with D's parameters frozen
   (``requires_grad_(False)``), ``loss = LossPair.g_loss(D(G(z, y), y))``, then the EMA update.

Conditional models: the labels of the real batch condition the fakes in both steps, so each
class is generated as often as it occurs in the data.

Randomness (data order, noise, the trainer's own global stream) and why a resumed run ends
bit-identical: :mod:`gan_course.train.state`.
"""

from __future__ import annotations

import logging
import math
import re
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import torch
from torch import Tensor

from ..errors import ConfigError
from ..losses import LOSSES, LossPair, clip_weights, gradient_penalty, r1_penalty
from ..run_dir import RunDir
from .assembly import cpu_threads, load_training_data, make_optimizer, model_arguments, pick_device
from .config import TrainConfig, resolve
from .ema import EMA, EMA_WARMUP
from .epoch_metric import EpochMetric
from .history import History
from .run_writer import RunDirWriter
from .schedules import make_scheduler
from .speed import laid_out, prepare
from .standing_stats import standing_statistics
from .state import (NOISE_SEED_OFFSET, STANDING_SEED_OFFSET, global_rng_state, restore_trainer, set_global_rng_state,
                    trainer_state, trainers_global_rng)
from .stats import CRITIC_VALUES, EPOCH_MEANS, PENALTY_VALUES, STEP_VALUES, EpochStats, diverged, grad_norm
from .validation import ValidationFID

logger = logging.getLogger(__name__)


@dataclass
class TrainResult:
    """What :func:`train` returns. ``best_epoch`` is None when no epoch produced a finite metric."""

    run_dir: Path
    history: History
    metric_name: str
    final_metric: float
    best_metric: float
    best_epoch: int | None
    best_by: str  # what picked checkpoints/best.pt: metric_name, or "val_fid" when fid_every is set
    wall_time: float  # seconds this call took, sampling and plotting included
    train_time: float  # seconds of training over the whole run (the history's "time")
    steps: int  # iterations over the whole run
    epochs: int  # epochs completed over the whole run


class Trainer:
    """Trains ``config`` (resolved here) on ``data`` (default: ``load_dataset(config.dataset)``).

    Callbacks are objects with optional ``on_fit_start(trainer)`` (before the first epoch of
    this call), ``on_step_end(trainer, record)`` (at every logged step, ``record`` being that
    row of the history), ``on_epoch_end(trainer, record)`` (after the epoch's checkpoint is
    written) and ``on_fit_end(trainer)`` (after the last epoch). A callback may call
    :meth:`request_stop`. Useful attributes: ``G``, ``D``, ``ema``, ``opt_g``, ``opt_d``,
    ``history``, ``epoch`` (completed), ``step`` (iterations done), ``run_dir``, ``device``,
    ``last_samples`` (the last epoch's fixed-noise samples), ``improved`` (the last epoch set a
    new best score). A :class:`~gan_course.train.run_writer.RunDirWriter` comes first; unless
    ``config.tensorboard`` is False, a :class:`~gan_course.train.tensorboard.TensorBoardLogger`
    is appended after the caller's callbacks.
    """

    def __init__(self, config: TrainConfig, *, data=None, callbacks: Iterable[Any] = (),
                 generator: torch.nn.Module | None = None, discriminator: torch.nn.Module | None = None,
                 loss: LossPair | None = None, penalty: Callable[..., Tensor] | None = None,
                 clip: Callable[..., None] | None = None):
        self.config = c = resolve(config)
        self.device = pick_device(c.device)
        self.run_dir = Path(c.out_dir) / c.name
        self.run = RunDir(self.run_dir)  # the names of the run's files
        data = load_training_data(c) if data is None else data
        self.data = data.to(self.device) if self.device.type == "cuda" else data
        self.data_info = {"shape": list(data.shape), "num_classes": int(data.num_classes)}
        from ..models import build_models

        callers_rng = global_rng_state(self.device)
        torch.manual_seed(c.seed)  # model initialisation, then dropout: the trainer's global stream
        G, D = build_models(**model_arguments(c, data_shape=data.shape, num_classes=data.num_classes))
        G, D = generator if generator is not None else G, discriminator if discriminator is not None else D
        self.custom_components = sorted(name for name, part in (("generator", generator), ("discriminator", discriminator),
                                        ("loss", loss), ("penalty", penalty), ("clip", clip)) if part is not None)
        self._global_rng = global_rng_state(self.device)
        set_global_rng_state(self.device, callers_rng)
        self._owns_global_rng = False
        # images (4-D batches) in the channels-last memory format when chosen (gan_course.train.speed)
        self.channels_last = c.channels_last and len(data.shape) == 3  # items (C, H, W)
        layout = {"memory_format": torch.channels_last} if self.channels_last else {}
        self.G, self.D = G.to(self.device, **layout).train(), D.to(self.device, **layout).train()
        self._gen, self._disc = self.G, self.D  # what the steps call: the modules, or their compiled forms
        self.compiled = False  # torch.compile is in use (gan_course.train.speed.prepare sets it in fit)
        self.loss = loss if loss is not None else LOSSES[c.loss]
        self._penalty_fn = penalty if penalty is not None else gradient_penalty
        self._clip_fn = clip if clip is not None else clip_weights
        self.opt_g, self.opt_d = (make_optimizer(c, self.G, c.lr_g, self.device),
                                  make_optimizer(c, self.D, c.lr_d, self.device))
        self.sched_g, self.sched_d = (make_scheduler(opt, kind=c.lr_schedule, total_steps=c.epochs,
                                                     milestones=c.lr_milestones, gamma=c.lr_gamma)
                                      for opt in (self.opt_g, self.opt_d))
        self.ema = EMA(self.G, c.ema_decay, warmup=EMA_WARMUP) if c.ema_decay is not None else None
        self.data_rng = torch.Generator().manual_seed(c.seed)
        self.noise_rng = torch.Generator(device=self.device).manual_seed(c.seed + NOISE_SEED_OFFSET)
        self.metric = EpochMetric(data, self.G.latent_dim, self.device)
        self.val_fid = ValidationFID(c, data, self.G.latent_dim, self.device) if c.fid_every else None
        self.history = History(metric_name=self.metric.name)
        self.epoch = self.step = 0
        self.best_metric, self.best_epoch = math.inf, None
        self.elapsed = 0.0  # training seconds, restored on resume
        self.partial = False  # the last epoch was cut short (max_steps or request_stop)
        self.improved = False  # the last epoch set a new best score (RunDirWriter then writes best.pt)
        self.callbacks = [RunDirWriter(), *callbacks]
        if c.tensorboard:  # RUN_DIR/tensorboard/ for `gan-course monitor`
            from .tensorboard import TensorBoardLogger

            self.callbacks.append(TensorBoardLogger())
        self.last_samples: Tensor | None = None  # the last epoch's fixed-noise samples (n, ...), CPU
        self._penalty = {"gp": self._gradient_penalty, "r1": self._r1_penalty}.get(c.regularizer)
        self._clip = c.clip_value if c.regularizer == "clip" else None
        self._critic_gap = bool(getattr(self.loss, "critic_gap", False))  # a duck-typed loss may lack it
        extra = (CRITIC_VALUES if self._critic_gap else ()) + (PENALTY_VALUES if self._penalty is not None else ())
        self.step_keys, self.epoch_keys = STEP_VALUES + extra, EPOCH_MEANS + extra  # what the history records
        self._stop = False
        self._postfix: dict[str, Any] = {}  # what the progress bar shows after the counts

    @property
    def checkpoint_path(self) -> Path:
        """``run_dir/checkpoints/latest.pt``."""
        return self.run.latest

    @property
    def sampler(self) -> torch.nn.Module:
        """The generator used for samples and the metric: the EMA copy when kept, else G."""
        return self.ema.module if self.ema is not None else self.G

    def request_stop(self) -> None:
        """Stop after the current iteration (the epoch is closed and checkpointed as cut short)."""
        self._stop = True

    # -- one iteration -----------------------------------------------------------------------

    def _gradient_penalty(self, real: Tensor, fake: Tensor, labels: Tensor | None) -> Tensor:
        eps = torch.rand(real.shape[0], generator=self.noise_rng, device=self.device)  # (B,)
        return self._penalty_fn(lambda x: self.D(x, labels), real, fake, self.config.reg_weight, eps=eps)

    def _r1_penalty(self, real: Tensor, fake: Tensor, labels: Tensor | None) -> Tensor:
        return r1_penalty(lambda x: self.D(x, labels), real, self.config.reg_weight)

    def _noise(self, batch: int) -> Tensor:
        return torch.randn(batch, self.G.latent_dim, generator=self.noise_rng, device=self.device)  # (B, latent_dim)

    def _flush(self, stats: EpochStats) -> None:
        """Move the window's values to the host; raise TrainingDiverged at a NaN or infinite loss."""
        bad = stats.flush()
        if bad is not None:
            window = f"step {bad.first}" if bad.first == bad.last else f"steps {bad.first}-{bad.last}"
            self._diverged(f"the {bad.what} is {bad.value}", step=bad.step, epoch=self.epoch + 1,
                           checked=f"found when checking {window}; losses are checked once per logging window")

    def _diverged(self, problem: str, *, step: int, epoch: int, checked: str = "") -> None:
        raise diverged(self.config, self.checkpoint_path, problem, step=step, epoch=epoch, checked=checked)

    def _d_step(self, real: Tensor, labels: Tensor | None, stats: EpochStats) -> None:
        """One discriminator step; real: (B, ...). Nothing is read back to the host (see stats)."""
        with torch.no_grad():
            fake = self._gen(self._noise(real.shape[0]), labels)  # (B, ...)
        real_out, fake_out = self._disc(real, labels), self._disc(fake, labels)  # (B,), (B,)
        loss = self.loss.discriminator_loss(real_out, fake_out, self.config.real_label)  # ()
        penalty = None
        if self._penalty is not None:  # through the uncompiled D: compiled graphs have no double backward
            penalty = self._penalty(real, fake, labels)  # (), already weighted
            loss = loss + penalty
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        if stats.want_d_norm:  # once per logging window
            stats.set_grad_norm("d_grad_norm", grad_norm(self.D), self.step + 1)
        self.opt_d.step()
        if self._clip is not None:
            self._clip_fn(self.D, self._clip)
        real_out, fake_out = real_out.detach(), fake_out.detach()
        # the critic's estimate mean(D(x)) - mean(D(G(z))) of the raw outputs, without the penalty
        w_estimate = real_out.mean() - fake_out.mean() if self._critic_gap else None
        if self.loss.outputs_are_logits:  # report D(x) as a probability
            real_out, fake_out = torch.sigmoid(real_out), torch.sigmoid(fake_out)
        stats.add_d_step(self.step + 1, loss=loss, real=real_out.mean(), fake=fake_out.mean(),
                         w_estimate=w_estimate, penalty=penalty)

    def _g_step(self, batch: int, labels: Tensor | None, stats: EpochStats) -> None:
        """One generator step on ``batch`` fresh noise vectors, D's parameters frozen."""
        self.D.requires_grad_(False)  # no parameter gradients for D: faster, and D cannot change
        try:
            loss = self.loss.g_loss(self._disc(self._gen(self._noise(batch), labels), labels))  # ()
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
        finally:
            self.D.requires_grad_(True)
        if stats.want_g_norm:
            stats.set_grad_norm("g_grad_norm", grad_norm(self.G), self.step + 1)
        self.opt_g.step()
        if self.ema is not None:
            self.ema.update(self.G)
        stats.add_g_step(self.step + 1, loss=loss)

    # -- one epoch ---------------------------------------------------------------------------

    def _train_epoch(self, bar) -> EpochStats:
        c = self.config
        stats = EpochStats()
        step_callbacks = [cb.on_step_end for cb in self.callbacks if hasattr(cb, "on_step_end")]
        epoch = self.epoch + 1
        start = time.perf_counter()
        for real, labels in self.data.batches(c.batch_size, generator=self.data_rng, device=self.device):
            real = laid_out(self, real)  # (B, C, H, W) channels-last in memory when chosen, or (B, D)
            if self._budget_spent():
                self.partial = True  # batches of this epoch are left: it cannot be continued exactly
                break
            if self.step % c.d_every == 0:
                self._d_step(real, labels, stats)
            if (self.step + 1) % c.n_critic == 0:
                self._g_step(real.shape[0], labels, stats)
            self.step += 1
            bar.update(1)
            if self.step % c.log_every == 0:
                self._flush(stats)  # the window's values to the host, once
                record = {"step": self.step, "epoch": epoch, "time": self.elapsed + time.perf_counter() - start,
                          **stats.latest(self.step_keys)}
                self.history.log_step(**record)
                stats.window_logged()
                self._postfix.update(d_loss=f"{stats.d_loss:.3g}" if stats.d_loss is not None else "-",
                                     g_loss=f"{stats.g_loss:.3g}" if stats.g_loss is not None else "-")
                bar.set_postfix(self._postfix, refresh=False)
                for callback in step_callbacks:
                    callback(self, record)
        self._flush(stats)  # the steps after the last logged one (before the epoch's checkpoint)
        stats.seconds = time.perf_counter() - start
        return stats

    def total_steps_planned(self) -> int:
        """Iterations of the whole run: epochs x batches per epoch, capped by max_steps."""
        c = self.config
        planned = c.epochs * self.data.steps_per_epoch(c.batch_size)
        return planned if c.max_steps is None else min(planned, c.max_steps)

    def _finish_epoch(self, stats: EpochStats) -> dict:
        self.epoch += 1
        self.elapsed += stats.seconds
        eval_start = time.perf_counter()  # evaluation seconds of this epoch (history "eval_time")
        if self.config.standing_stats:  # the sampler's BatchNorm statistics, for its own weights
            standing_statistics(self.sampler, batch_size=self.config.batch_size,
                                seed=self.config.seed + STANDING_SEED_OFFSET, device=self.device)
        fake = self.last_samples = self.metric.samples(self.sampler)  # (n, ...) on the CPU
        if not bool(torch.isfinite(fake).all()):
            self._diverged("the generator outputs NaN or Inf", step=self.step, epoch=self.epoch)
        metric = self.metric(self.sampler, fake)
        due = self.val_fid is not None and self.val_fid.due(self.epoch, self.finished)
        val_fid = self.val_fid(self.sampler) if due else None
        eval_time = time.perf_counter() - eval_start
        record = {"epoch": self.epoch, **stats.means(self.epoch_keys),
                  "lr_d": self.opt_d.param_groups[0]["lr"], "lr_g": self.opt_g.param_groups[0]["lr"],
                  "metric": metric, "epoch_time": stats.seconds, "time": self.elapsed,
                  "val_fid": val_fid, "eval_time": eval_time}
        self.history.log_epoch(**record)
        with warnings.catch_warnings():  # per-epoch schedule: an optimiser may not have stepped yet (n_critic)
            warnings.filterwarnings("ignore", message=re.escape("Detected call of `lr_scheduler.step()` before"))
            self.sched_g.step()
            self.sched_d.step()
        score = metric if self.val_fid is None else val_fid  # what picks best.pt
        self.improved = score is not None and score < self.best_metric
        if self.improved:
            self.best_metric, self.best_epoch = score, self.epoch
        for callback in self.callbacks:  # RunDirWriter first: the files exist before the others run
            if hasattr(callback, "on_epoch_end"):
                callback.on_epoch_end(self, record)
        return record

    def sample_grid(self, fake: Tensor) -> Tensor:
        """What ``samples/epoch_XXXX.png`` shows: the first grid_size images, or every 2D point."""
        return fake if fake.dim() == 2 else fake[: self.config.grid_size]

    def _budget_spent(self) -> bool:
        return self._stop or (self.config.max_steps is not None and self.step >= self.config.max_steps)

    @property
    def finished(self) -> bool:
        """True once every epoch ran, max_steps iterations ran, or a stop was requested."""
        return self.partial or self.epoch >= self.config.epochs or self._budget_spent()

    # -- the whole run -----------------------------------------------------------------------

    def fit(self, *, resume: bool = False, overwrite: bool = False) -> TrainResult:
        """Train (or continue, with ``resume``) until ``config.epochs`` or ``max_steps``.

        resume: continue from ``checkpoints/latest.pt`` (CheckpointError when there is none
        or the stored config differs in anything but the fields of :data:`~gan_course.train.state.RESUMABLE_CHANGES`).
        overwrite: start afresh even when the run directory already holds a run.
        """
        started = time.perf_counter()
        if resume:
            restore_trainer(self, self.checkpoint_path)
            if self.finished:
                logger.warning("run %s is already finished (%d of %d epochs%s); nothing to do. Raise --epochs "
                               "to train longer, or start a new run with --name.", self.run_dir, self.epoch,
                               self.config.epochs, ", stopped early" if self.partial else "")
                return self._result(started)
        elif self.checkpoint_path.is_file() and not overwrite:
            raise ConfigError(
                f"{self.run_dir} already holds a training run ({self.checkpoint_path.relative_to(self.run_dir)}); "
                "continue it with --resume (resume=True), pick another --name, or delete the directory "
                "(overwrite=True in Python) to start afresh")
        self._call("on_fit_start")
        from tqdm.auto import tqdm

        show = self.config.progress if self.config.progress is not None else sys.stderr.isatty()
        with trainers_global_rng(self), cpu_threads(self.config.threads), tqdm(
                total=self.total_steps_planned(), initial=self.step, disable=not show, unit="it",
                desc=self.config.name, dynamic_ncols=True) as bar:
            prepare(self, self._first_batch)  # torch.compile and checks of channels-last, each with a fallback
            while not self.finished:
                record = self._finish_epoch(self._train_epoch(bar))
                self._postfix.update(epoch=self.epoch, **{self.metric.name: f"{record['metric']:.4g}"})
                bar.set_postfix(self._postfix)
            self._call("on_fit_end")
        return self._result(started)

    def _first_batch(self) -> tuple[Tensor, Tensor | None]:
        """A batch for :func:`~gan_course.train.speed.prepare`'s trial, drawn without touching the data order."""
        order = torch.Generator().manual_seed(self.config.seed)
        return next(iter(self.data.batches(self.config.batch_size, generator=order, device=self.device)))

    def _call(self, hook: str) -> None:
        for callback in self.callbacks:
            if hasattr(callback, hook):
                getattr(callback, hook)(self)

    def _result(self, started: float) -> TrainResult:
        final = self.history.epochs["metric"][-1] if len(self.history) else None
        return TrainResult(run_dir=self.run_dir, history=self.history, metric_name=self.metric.name,
                           final_metric=math.nan if final is None else final, best_metric=self.best_metric,
                           best_epoch=self.best_epoch, best_by="val_fid" if self.val_fid is not None else self.metric.name,
                           wall_time=time.perf_counter() - started,
                           train_time=self.elapsed, steps=self.step, epochs=self.epoch)

    def state_dict(self) -> dict:
        """Everything needed to continue bit-for-bit (see :mod:`gan_course.train.state`)."""
        return trainer_state(self)


def train(config: TrainConfig, *, resume: bool = False, callbacks: Iterable[Any] = (), data=None,
          overwrite: bool = False, generator: torch.nn.Module | None = None,
          discriminator: torch.nn.Module | None = None, loss: LossPair | None = None,
          penalty: Callable[..., Tensor] | None = None, clip: Callable[..., None] | None = None) -> TrainResult:
    """Train ``config`` and write its run directory; see :class:`Trainer` and :meth:`Trainer.fit`.

    data: an ``InMemoryData`` to train on instead of loading ``config.dataset`` (dry runs,
    tests). resume: continue from ``checkpoints/latest.pt``. overwrite: replace an existing run.

    The course notebooks train the student's own pieces through the same loop:
    ``generator`` / ``discriminator`` replace the models the config would build (same call
    conventions: ``G(z, labels)``, ``D(x, labels) -> (B,)``); ``loss`` replaces the config's
    loss pair; ``penalty(critic, real, fake, weight, eps=...)`` replaces the gradient penalty
    (used when the regulariser is ``gp``) and ``clip(critic, clip_value)`` the weight clipping
    (used when it is ``clip``).
    """
    components = dict(generator=generator, discriminator=discriminator, loss=loss, penalty=penalty, clip=clip)
    return Trainer(config, data=data, callbacks=callbacks, **components).fit(resume=resume, overwrite=overwrite)
