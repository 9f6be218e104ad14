"""One trainer for every GAN variant: the loop, the run directory, checkpoints and resuming.

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

Randomness: the data order comes from a private ``torch.Generator`` seeded with ``seed`` and
all noise (z, the penalty's interpolation weights) from another seeded with ``seed + 1``.
Model initialisation and dropout can only use torch's global RNG: the trainer seeds it with
``seed`` for the initialisation, keeps that stream as its own, swaps it in while training and
gives the caller's global state back afterwards, so code around the trainer neither disturbs
nor is disturbed by it. Every state is saved in each checkpoint, so a resumed run on the CPU
ends bit-identical to an uninterrupted one.
"""

from __future__ import annotations

import logging
import math
import re
import sys
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import torch
from torch import Tensor

from .. import __version__
from ..errors import CheckpointError, ConfigError, TrainingDiverged
from ..losses import LOSSES, LossPair, clip_weights, gradient_penalty, r1_penalty
from .checkpoint import load_checkpoint, load_state_checked, save_checkpoint
from .config import (TRAIN_SUBSET_SEED, TrainConfig, config_from_dict, config_to_dict, model_arguments, pick_device,
                     resolve, save_config)
from .ema import EMA
from .epoch_metric import EpochMetric
from .history import History
from .outputs import save_final_plots, save_samples
from .run_dir import RunDir
from .schedules import make_scheduler
from .state import TRAINING_KEYS, check_same_run, global_rng_state, set_global_rng_state
from .validation import ValidationFID

logger = logging.getLogger(__name__)

FUSED_ADAM_DEVICES = ("cpu", "cuda")  # where torch has a fused Adam kernel
NOISE_SEED_OFFSET = 1  # the noise generator is seeded with seed + 1, the data order with seed


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

    Callbacks are objects with optional ``on_step_end(trainer, record)`` (called at every
    logged step, ``record`` being that row of the history) and ``on_epoch_end(trainer,
    record)`` (after the epoch's checkpoint is written). A callback may call
    :meth:`request_stop`. Useful attributes: ``G``, ``D``, ``ema``, ``opt_g``, ``opt_d``,
    ``history``, ``epoch`` (completed), ``step`` (iterations done), ``run_dir``, ``device``,
    ``last_samples`` (the last epoch's fixed-noise samples). Unless ``config.tensorboard`` is
    False, a :class:`~gan_course.train.tensorboard.TensorBoardLogger` is appended to the callbacks.
    """

    def __init__(self, config: TrainConfig, *, data=None, callbacks: Iterable[Any] = (),
                 generator: torch.nn.Module | None = None, discriminator: torch.nn.Module | None = None,
                 loss: LossPair | None = None, penalty: Callable[..., Tensor] | None = None,
                 clip: Callable[..., None] | None = None):
        self.config = c = resolve(config)
        self.device = pick_device(c.device)
        self.run_dir = Path(c.out_dir) / c.name
        self.run = RunDir(self.run_dir)  # the names of the run's files
        if data is None:
            from ..data import load_dataset

            data = load_dataset(c.dataset, image_size=c.image_size, n_points=c.n_points, seed=c.seed,
                                path=c.dataset_path)
            if c.train_size is not None:
                data = training_subset(data, c.train_size)
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
        self.G, self.D = G.to(self.device).train(), D.to(self.device).train()
        self.loss = loss if loss is not None else LOSSES[c.loss]
        self._penalty_fn = penalty if penalty is not None else gradient_penalty
        self._clip_fn = clip if clip is not None else clip_weights
        self.opt_g, self.opt_d = self._optimizer(self.G, c.lr_g), self._optimizer(self.D, c.lr_d)
        self.sched_g, self.sched_d = (make_scheduler(opt, kind=c.lr_schedule, total_steps=c.epochs,
                                                     milestones=c.lr_milestones, gamma=c.lr_gamma)
                                      for opt in (self.opt_g, self.opt_d))
        self.ema = EMA(self.G, c.ema_decay) if c.ema_decay is not None else None
        self.data_rng = torch.Generator().manual_seed(c.seed)
        self.noise_rng = torch.Generator(device=self.device).manual_seed(c.seed + NOISE_SEED_OFFSET)
        self.metric = EpochMetric(data, self.G.latent_dim, self.device)
        self.val_fid = ValidationFID(c, data, self.G.latent_dim, self.device) if c.fid_every else None
        self.history = History(metric_name=self.metric.name)
        self.epoch = self.step = 0
        self.best_metric, self.best_epoch = math.inf, None
        self.elapsed = 0.0  # training seconds, restored on resume
        self.partial = False  # the last epoch was cut short (max_steps or request_stop)
        self.callbacks = list(callbacks)
        if c.tensorboard:  # RUN_DIR/tensorboard/ for `gan-course monitor`
            from .tensorboard import TensorBoardLogger

            self.callbacks.append(TensorBoardLogger())
        self.last_samples: Tensor | None = None  # the last epoch's fixed-noise samples (n, ...), CPU
        self._penalty = {"gp": self._gradient_penalty, "r1": self._r1_penalty}.get(c.regularizer)
        self._clip = c.clip_value if c.regularizer == "clip" else None
        self._stop = False
        self._postfix: dict[str, Any] = {}  # what the progress bar shows after the counts

    def _optimizer(self, module, lr: float) -> torch.optim.Optimizer:
        c = self.config
        if c.optimizer == "adam":  # the fused kernel: one call per step instead of one per tensor
            return torch.optim.Adam(module.parameters(), lr=lr, betas=c.betas,
                                    fused=self.device.type in FUSED_ADAM_DEVICES)
        return torch.optim.RMSprop(module.parameters(), lr=lr)

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

    def _check(self, value: float, what: str) -> None:
        """Raise TrainingDiverged when a loss of the current step is NaN or infinite."""
        if not math.isfinite(value):
            self._diverged(f"the {what} is {value}", step=self.step + 1, epoch=self.epoch + 1)

    def _diverged(self, problem: str, *, step: int, epoch: int) -> None:
        latest = self.checkpoint_path
        kept = (f"the last good checkpoint at {latest} was kept" if latest.is_file()
                else "no checkpoint had been written yet")
        c = self.config
        raise TrainingDiverged(
            f"training diverged at step {step} (epoch {epoch}): {problem} ({c.loss} loss, regularizer "
            f"{c.regularizer}, lr_d {c.lr_d:g}, lr_g {c.lr_g:g}). Likely causes: a learning rate too high "
            "(lower --lr-d / --lr-g), an unbounded loss without a Lipschitz regulariser (add --regularizer gp), "
            "or exploding gradients. " + kept)

    def _d_step(self, real: Tensor, labels: Tensor | None, stats: dict) -> None:
        with torch.no_grad():
            fake = self.G(self._noise(real.shape[0]), labels)  # (B, ...)
        real_out, fake_out = self.D(real, labels), self.D(fake, labels)  # (B,), (B,)
        loss = self.loss.discriminator_loss(real_out, fake_out, self.config.real_label)
        if self._penalty is not None:
            loss = loss + self._penalty(real, fake, labels)
        value = loss.item()
        self._check(value, "discriminator loss")
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        if stats["want_d_norm"]:  # once per logging window
            stats["d_grad_norm"], stats["want_d_norm"] = _grad_norm(self.D), False
        self.opt_d.step()
        if self._clip is not None:
            self._clip_fn(self.D, self._clip)
        real_out, fake_out = real_out.detach(), fake_out.detach()
        if self.loss.outputs_are_logits:  # report D(x) as a probability
            real_out, fake_out = torch.sigmoid(real_out), torch.sigmoid(fake_out)
        stats["d_loss"], stats["d_real"], stats["d_fake"] = value, real_out.mean().item(), fake_out.mean().item()
        stats["d_steps"] += 1
        for key in ("d_loss", "d_real", "d_fake"):
            stats["sum_" + key] += stats[key]

    def _g_step(self, batch: int, labels: Tensor | None, stats: dict) -> None:
        self.D.requires_grad_(False)  # no parameter gradients for D: faster, and D cannot change
        try:
            loss = self.loss.g_loss(self.D(self.G(self._noise(batch), labels), labels))
            value = loss.item()
            self._check(value, "generator loss")
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
        finally:
            self.D.requires_grad_(True)
        if stats["want_g_norm"]:
            stats["g_grad_norm"], stats["want_g_norm"] = _grad_norm(self.G), False
        self.opt_g.step()
        if self.ema is not None:
            self.ema.update(self.G)
        stats["g_loss"] = value
        stats["g_steps"] += 1
        stats["sum_g_loss"] += value

    # -- one epoch ---------------------------------------------------------------------------

    def _train_epoch(self, bar) -> dict:
        c = self.config
        stats = {"want_d_norm": True, "want_g_norm": True, "d_steps": 0, "g_steps": 0, "sum_d_loss": 0.0,
                 "sum_g_loss": 0.0, "sum_d_real": 0.0, "sum_d_fake": 0.0, "d_loss": None, "g_loss": None,
                 "d_real": None, "d_fake": None, "d_grad_norm": None, "g_grad_norm": None}
        step_callbacks = [cb.on_step_end for cb in self.callbacks if hasattr(cb, "on_step_end")]
        epoch = self.epoch + 1
        start = time.perf_counter()
        for real, labels in self.data.batches(c.batch_size, generator=self.data_rng, device=self.device):
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
                record = {"step": self.step, "epoch": epoch, "time": self.elapsed + time.perf_counter() - start,
                          **{k: stats[k] for k in ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm",
                                                   "g_grad_norm")}}
                self.history.log_step(**record)
                stats["d_grad_norm"] = stats["g_grad_norm"] = None
                stats["want_d_norm"] = stats["want_g_norm"] = True
                self._postfix.update(d_loss=f"{stats['d_loss']:.3g}" if stats["d_loss"] is not None else "-",
                                     g_loss=f"{stats['g_loss']:.3g}" if stats["g_loss"] is not None else "-")
                bar.set_postfix(self._postfix, refresh=False)
                for callback in step_callbacks:
                    callback(self, record)
        stats["epoch_time"] = time.perf_counter() - start
        return stats

    def total_steps_planned(self) -> int:
        """Iterations of the whole run: epochs x batches per epoch, capped by max_steps."""
        c = self.config
        planned = c.epochs * self.data.steps_per_epoch(c.batch_size)
        return planned if c.max_steps is None else min(planned, c.max_steps)

    def _finish_epoch(self, stats: dict) -> dict:
        c = self.config
        self.epoch += 1
        self.elapsed += stats["epoch_time"]
        eval_start = time.perf_counter()  # evaluation seconds of this epoch (history "eval_time")
        fake = self.last_samples = self.metric.samples(self.sampler)  # (n, ...) on the CPU
        if not bool(torch.isfinite(fake).all()):
            self._diverged("the generator outputs NaN or Inf", step=self.step, epoch=self.epoch)
        metric = self.metric(self.sampler, fake)
        due = self.val_fid is not None and self.val_fid.due(self.epoch, self.finished)
        val_fid = self.val_fid(self.sampler) if due else None
        eval_time = time.perf_counter() - eval_start
        record = {"epoch": self.epoch,
                  "d_loss": _mean(stats["sum_d_loss"], stats["d_steps"]), "g_loss": _mean(stats["sum_g_loss"], stats["g_steps"]),
                  "d_real": _mean(stats["sum_d_real"], stats["d_steps"]), "d_fake": _mean(stats["sum_d_fake"], stats["d_steps"]),
                  "lr_d": self.opt_d.param_groups[0]["lr"], "lr_g": self.opt_g.param_groups[0]["lr"],
                  "metric": metric, "epoch_time": stats["epoch_time"], "time": self.elapsed,
                  "val_fid": val_fid, "eval_time": eval_time}
        self.history.log_epoch(**record)
        with warnings.catch_warnings():  # per-epoch schedule: an optimiser may not have stepped yet (n_critic)
            warnings.filterwarnings("ignore", message=re.escape("Detected call of `lr_scheduler.step()` before"))
            self.sched_g.step()
            self.sched_d.step()
        score = metric if self.val_fid is None else val_fid  # what picks best.pt
        improved = score is not None and score < self.best_metric
        if improved:
            self.best_metric, self.best_epoch = score, self.epoch
        state = self.state_dict()
        save_checkpoint(self.checkpoint_path, state)
        if improved:
            save_checkpoint(self.run.best, state)
        last = self.finished
        if self.epoch % c.sample_every == 0 or last:
            save_samples(self._grid(fake), self.run.epoch_samples(self.epoch), real=self.metric.real,
                         title=f"{c.name}: epoch {self.epoch}")
        self.history.to_json(self.run.history)
        self.history.to_csv(self.run.history_csv, steps_path=self.run.history_steps_csv)
        for callback in self.callbacks:
            if hasattr(callback, "on_epoch_end"):
                callback.on_epoch_end(self, record)
        return record

    def _grid(self, fake: Tensor) -> Tensor:
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
            self._resume()
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
        save_config(self.config, self.run.config)
        from tqdm.auto import tqdm

        show = self.config.progress if self.config.progress is not None else sys.stderr.isatty()
        with self._own_global_rng(), _cpu_threads(self.config.threads), tqdm(
                total=self.total_steps_planned(), initial=self.step, disable=not show, unit="it",
                desc=self.config.name, dynamic_ncols=True) as bar:
            while not self.finished:
                record = self._finish_epoch(self._train_epoch(bar))
                self._postfix.update(epoch=self.epoch, **{self.metric.name: f"{record['metric']:.4g}"})
                bar.set_postfix(self._postfix)
            fake = self.metric.samples(self.sampler)
            save_final_plots(self.run_dir, self.history, discriminator=self.D, real=self.metric.real, fake=fake,
                             probabilities=self.loss.outputs_are_logits)
        return self._result(started)

    def _result(self, started: float) -> TrainResult:
        final = self.history.epochs["metric"][-1] if len(self.history) else None
        return TrainResult(run_dir=self.run_dir, history=self.history, metric_name=self.metric.name,
                           final_metric=math.nan if final is None else final, best_metric=self.best_metric,
                           best_epoch=self.best_epoch, best_by="val_fid" if self.val_fid is not None else self.metric.name,
                           wall_time=time.perf_counter() - started,
                           train_time=self.elapsed, steps=self.step, epochs=self.epoch)

    @contextmanager
    def _own_global_rng(self):
        """Swap the trainer's global RNG stream in (dropout) and the caller's back afterwards."""
        callers = global_rng_state(self.device)
        set_global_rng_state(self.device, self._global_rng)
        self._owns_global_rng = True
        try:
            yield
        finally:
            self._owns_global_rng = False
            self._global_rng = global_rng_state(self.device)
            set_global_rng_state(self.device, callers)

    # -- checkpoints -------------------------------------------------------------------------

    def state_dict(self) -> dict:
        """Everything needed to continue bit-for-bit (see :mod:`gan_course.train.checkpoint`)."""
        global_rng = global_rng_state(self.device) if self._owns_global_rng else self._global_rng
        rng = {**global_rng, "data": self.data_rng.get_state(), "noise": self.noise_rng.get_state(),
               "device": self.device.type}
        return {"config": config_to_dict(self.config), "data": self.data_info, "epoch": self.epoch,
                "step": self.step, "generator": self.G.state_dict(), "discriminator": self.D.state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                "sched_g": self.sched_g.state_dict(), "sched_d": self.sched_d.state_dict(),
                "ema": self.ema.state_dict() if self.ema is not None else None, "rng": rng,
                "history": self.history.state_dict(), "best_metric": self.best_metric,
                "best_epoch": self.best_epoch, "elapsed": self.elapsed, "partial": self.partial,
                "finished": self.finished, "gan_course_version": __version__}

    def _resume(self) -> None:
        path = self.checkpoint_path
        if not path.is_file():
            raise CheckpointError(f"cannot resume: no checkpoint at {path}; start the run without --resume "
                                  "(resume=False), or check --name / --out")
        state = load_checkpoint(path, map_location=self.device, required=TRAINING_KEYS)
        check_same_run(self.config, config_from_dict(state["config"]), path)
        load_state_checked(self.G, state["generator"], what="generator", source=path)
        load_state_checked(self.D, state["discriminator"], what="discriminator", source=path)
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.sched_g.load_state_dict(state["sched_g"])
        self.sched_d.load_state_dict(state["sched_d"])
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])
        rng = state["rng"]
        self.data_rng.set_state(rng["data"].cpu())
        if rng.get("device", "cpu") == self.device.type:
            self._global_rng = {key: rng[key].cpu() for key in ("torch", "cuda") if key in rng}
            self.noise_rng.set_state(rng["noise"].cpu())
        else:  # another device's generator states do not fit: go on, but not bit-identically
            logger.warning("resuming a %s run on %s: the noise stream restarts, so the continuation is not "
                           "bit-identical to an uninterrupted run", rng.get("device"), self.device.type)
            self._global_rng["torch"] = rng["torch"].cpu()
            self.noise_rng.manual_seed(self.config.seed + NOISE_SEED_OFFSET + int(state["step"]))
        self.history.load_state_dict(state["history"])
        self.epoch, self.step, self.elapsed = int(state["epoch"]), int(state["step"]), float(state["elapsed"])
        self.best_metric, self.best_epoch = float(state["best_metric"]), state["best_epoch"]
        self.partial = bool(state["partial"])
        logger.info("resuming %s from epoch %d (step %d)", self.run_dir, self.epoch, self.step)


@contextmanager
def _cpu_threads(threads: int | None):
    """``torch.set_num_threads(threads)`` for the duration (None: leave it), then the old value."""
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _grad_norm(module: torch.nn.Module) -> float:
    """L2 norm of all parameter gradients of ``module`` together."""
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    return float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))) if grads else 0.0


def training_subset(data, n: int):
    """The first ``n`` items of ``data`` in a shuffle seeded with ``TRAIN_SUBSET_SEED`` (config ``train_size``)."""
    if n > len(data):
        raise ConfigError(f"train_size {n} exceeds the {len(data)} items of {data.name!r}; lower --train-size "
                          "or leave it unset to use all the data")
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(TRAIN_SUBSET_SEED))
    return data.subset(order[:n])


def _mean(total: float, count: int) -> float | None:
    return total / count if count else None


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
