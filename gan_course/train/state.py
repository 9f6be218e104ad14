"""What a training checkpoint holds beyond the weights, and when a run may be resumed.

A resumed run must end bit-identical to one that was never interrupted (on the CPU with a
fixed seed). That needs every random stream, not only the weights and optimiser moments:
torch's global RNG (model initialisation and dropout draw from it, and cannot be given a
private generator), the CUDA RNG when training there, and the trainer's own generators for
the data order and the noise (saved by the trainer itself). It also needs the same run: a
checkpoint is only continued with the configuration that wrote it, except for the fields in
:data:`RESUMABLE_CHANGES`, which change where or how long a run goes but not its numbers.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from ..errors import CheckpointError
from .config import TrainConfig, config_to_dict

# Fields that may change when a run is resumed; any other difference is refused.
RESUMABLE_CHANGES = ("name", "out_dir", "dataset_path", "epochs", "max_steps", "device", "progress",
                     "sample_every", "grid_size", "log_every", "tensorboard")
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
