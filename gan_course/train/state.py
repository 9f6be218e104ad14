"""What a training checkpoint holds beyond the weights, and when a run may be resumed.

Randomness of a run: the data order comes from a private ``torch.Generator`` seeded with
``seed`` and all noise (z, the penalty's interpolation weights) from another seeded with
``seed + 1``. Model initialisation and dropout can only use torch's global RNG: the trainer
seeds it with ``seed`` for the initialisation, keeps that stream as its own, swaps it in while
training and gives the caller's global state back afterwards, so code around the trainer
neither disturbs nor is disturbed by it.

A resumed run must end bit-identical to one that was never interrupted (on the CPU with a
fixed seed). That needs every random stream, not only the weights and optimiser moments:
torch's global RNG (model initialisation and dropout draw from it, and cannot be given a
private generator), the CUDA RNG when training there, and the trainer's own generators for
the data order and the noise. :func:`trainer_state` gathers all of it from a
:class:`~gan_course.train.trainer.Trainer`, :func:`restore_trainer` puts it back. It also needs the same run: a
checkpoint is only continued with the configuration that wrote it, except for the fields in
:data:`RESUMABLE_CHANGES`, which change where or how long a run goes but not its numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import Tensor

from .. import __version__
from ..errors import CheckpointError
from .checkpoint import load_checkpoint, load_state_checked
from .config import TrainConfig, config_from_dict, config_to_dict

logger = logging.getLogger(__name__)

# Fields that may change when a run is resumed; any other difference is refused.
# device, channels_last and compile change how the same arithmetic runs (its rounding), not what it is.
RESUMABLE_CHANGES = ("name", "out_dir", "dataset_path", "epochs", "max_steps", "device", "channels_last", "compile",
                     "progress", "sample_every", "grid_size", "log_every", "tensorboard", "plots")
NOISE_SEED_OFFSET = 1  # the noise generator is seeded with seed + 1, the data order with seed
STANDING_SEED_OFFSET = 2  # standing statistics' noise (gan_course.train.standing_stats): seed + 2, every epoch
# What a checkpoint needs so that training can continue from it.
TRAINING_KEYS = ("config", "epoch", "step", "generator", "discriminator", "opt_g", "opt_d", "sched_g",
                 "sched_d", "ema", "rng", "history", "best_metric", "best_epoch", "elapsed", "partial")


def global_rng_state(device: torch.device) -> dict[str, Tensor]:
    """torch's global CPU RNG state, plus the CUDA device's when training there."""
    state = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def set_global_rng_state(device: torch.device, state: dict[str, Tensor]) -> None:
    """Inverse of :func:`global_rng_state`."""
    torch.set_rng_state(state["torch"].cpu())
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"].cpu(), device)


@contextmanager
def trainers_global_rng(trainer) -> Iterator[None]:
    """Swap the trainer's own global RNG stream in (dropout) for a block, and the caller's back afterwards."""
    callers = global_rng_state(trainer.device)
    set_global_rng_state(trainer.device, trainer._global_rng)
    trainer._owns_global_rng = True
    try:
        yield
    finally:
        trainer._owns_global_rng = False
        trainer._global_rng = global_rng_state(trainer.device)
        set_global_rng_state(trainer.device, callers)


def check_same_run(current: TrainConfig, stored: TrainConfig, path: Path) -> None:
    """Raise CheckpointError naming every field (outside RESUMABLE_CHANGES) that differs.

    ``epochs`` may change only without a learning-rate schedule: the schedule's length was
    fixed when the run started.
    """
    now, then = config_to_dict(current), config_to_dict(stored)
    differ = [f"{key} ({then.get(key)!r} -> {now[key]!r})" for key in now
              if key not in RESUMABLE_CHANGES and now[key] != then.get(key)]
    if stored.epochs != current.epochs and current.lr_schedule != "none":
        differ.append(f"epochs ({stored.epochs} -> {current.epochs}; the {current.lr_schedule} "
                      "learning-rate schedule was laid out for the stored number)")
    if differ:
        raise CheckpointError(
            f"cannot resume {path}: the configuration differs from the stored one in {', '.join(differ)}; "
            "resume with the run's own settings (see its config.yaml), or start a new run with another --name")


def trainer_state(trainer) -> dict:
    """Everything needed to continue ``trainer`` bit-for-bit: the checkpoint's contents."""
    global_rng = global_rng_state(trainer.device) if trainer._owns_global_rng else trainer._global_rng
    rng = {**global_rng, "data": trainer.data_rng.get_state(), "noise": trainer.noise_rng.get_state(),
           "device": trainer.device.type}
    ema = trainer.ema
    return {"config": config_to_dict(trainer.config), "data": trainer.data_info, "epoch": trainer.epoch,
            "step": trainer.step, "generator": trainer.G.state_dict(), "discriminator": trainer.D.state_dict(),
            "opt_g": trainer.opt_g.state_dict(), "opt_d": trainer.opt_d.state_dict(),
            "sched_g": trainer.sched_g.state_dict(), "sched_d": trainer.sched_d.state_dict(),
            "ema": ema.state_dict() if ema is not None else None, "rng": rng,
            "history": trainer.history.state_dict(), "best_metric": trainer.best_metric,
            "best_epoch": trainer.best_epoch, "elapsed": trainer.elapsed, "partial": trainer.partial,
            "finished": trainer.finished, "gan_course_version": __version__}


def restore_trainer(trainer, path: Path) -> None:
    """Load the checkpoint at ``path`` into ``trainer`` (which must be the same run, :func:`check_same_run`)."""
    if not path.is_file():
        raise CheckpointError(f"cannot resume: no checkpoint at {path}; start the run without --resume "
                              "(resume=False), or check --name / --out")
    state = load_checkpoint(path, map_location=trainer.device, required=TRAINING_KEYS)
    check_same_run(trainer.config, config_from_dict(state["config"]), path)
    load_state_checked(trainer.G, state["generator"], what="generator", source=path)
    load_state_checked(trainer.D, state["discriminator"], what="discriminator", source=path)
    for name in ("opt_g", "opt_d", "sched_g", "sched_d"):
        getattr(trainer, name).load_state_dict(state[name])
    if trainer.ema is not None:
        trainer.ema.load_state_dict(state["ema"])
    rng = state["rng"]
    trainer.data_rng.set_state(rng["data"].cpu())
    if rng.get("device", "cpu") == trainer.device.type:
        trainer._global_rng = {key: rng[key].cpu() for key in ("torch", "cuda") if key in rng}
        trainer.noise_rng.set_state(rng["noise"].cpu())
    else:  # another device's generator states do not fit: go on, but not bit-identically
        logger.warning("resuming a %s run on %s: the noise stream restarts, so the continuation is not "
                       "bit-identical to an uninterrupted run", rng.get("device"), trainer.device.type)
        trainer._global_rng["torch"] = rng["torch"].cpu()
        trainer.noise_rng.manual_seed(trainer.config.seed + NOISE_SEED_OFFSET + int(state["step"]))
    trainer.history.load_state_dict(state["history"])
    trainer.epoch, trainer.step, trainer.elapsed = int(state["epoch"]), int(state["step"]), float(state["elapsed"])
    trainer.best_metric, trainer.best_epoch = float(state["best_metric"]), state["best_epoch"]
    trainer.partial = bool(state["partial"])
    logger.info("resuming %s from epoch %d (step %d)", trainer.run_dir, trainer.epoch, trainer.step)
