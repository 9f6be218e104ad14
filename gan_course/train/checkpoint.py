"""Checkpoints: atomic saving, loading with clear errors, and the generator for sampling.

A checkpoint is one ``torch.save`` file holding a dict. :func:`save_checkpoint` stamps it
with ``format_version`` and the package version and writes it atomically: to a temporary
file in the same directory, flushed and ``fsync``-ed, then renamed over the target with
``os.replace`` (:mod:`gan_course.atomic`), so a crash or a kill never leaves half a file at the
target path. Where a run keeps its checkpoints is :mod:`gan_course.run_dir`'s business.

The trainer's checkpoints hold (keys): ``format_version``, ``gan_course_version``,
``config`` (the resolved :class:`TrainConfig` as a dict), ``data`` (item shape and number
of classes the models were built for), ``epoch``, ``step``, ``generator``,
``discriminator``, ``opt_g``, ``opt_d``, ``sched_g``, ``sched_d``, ``ema`` (or None),
``rng`` (``torch``: the global CPU state, ``cuda``: the CUDA state when used, ``data`` and
``noise``: the trainer's own generators), ``history``, ``best_metric``, ``best_epoch``,
``elapsed`` (training seconds), ``partial`` (the last epoch was cut short) and ``finished``.

Checkpoints are loaded with ``weights_only=True``: only tensors and plain Python
containers, never arbitrary pickled code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

from .. import __version__
from ..atomic import atomic_write
from ..errors import CheckpointError
from ..run_dir import BEST, CHECKPOINT_DIR, LATEST, find_checkpoint

if TYPE_CHECKING:  # config imports the model and data registries; load them only when needed
    from .config import TrainConfig

FORMAT_VERSION = 1  # bump when the checkpoint layout changes incompatibly
GENERATOR_KEYS = ("config", "generator")  # what load_generator needs


def save_checkpoint(path: str | os.PathLike, state: dict) -> Path:
    """Write ``state`` (a dict) to ``path`` atomically (:mod:`gan_course.atomic`); returns the path.

    The file appears at ``path`` complete or not at all: an exception (or a kill) during
    the write leaves any previous file at ``path`` untouched and no temporary file behind.
    """
    payload = {"format_version": FORMAT_VERSION, "gan_course_version": __version__, **state}
    with atomic_write(path, "wb") as handle:
        torch.save(payload, handle)
    return Path(path)


def load_checkpoint(
    path: str | os.PathLike, *, map_location="cpu", required: tuple[str, ...] = GENERATOR_KEYS
) -> dict:
    """Read a checkpoint written by :func:`save_checkpoint` (``weights_only``).

    Raises :class:`~gan_course.errors.CheckpointError` when the file is missing, is not a
    readable torch file (truncated, corrupt), comes from another program or another
    checkpoint format, or lacks any of the ``required`` keys.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(
            f"no checkpoint at {path}: check the path, or train first (gan-course train ...) "
            f"to create {CHECKPOINT_DIR}/{LATEST}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # torch raises many types for a bad file
        raise CheckpointError(
            f"cannot read {path} as a gan-course checkpoint (truncated or corrupt file: "
            f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}); delete it and use "
            f"{BEST} / {LATEST} from the run directory, or retrain") from None
    if not isinstance(state, dict) or "format_version" not in state:
        raise CheckpointError(
            f"{path} is a torch file but not a gan-course checkpoint (no format_version); "
            "pass a checkpoint written by gan-course train")
    if state["format_version"] != FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has checkpoint format {state['format_version']!r} but this gan-course "
            f"{__version__} reads format {FORMAT_VERSION}; retrain, or use the gan-course version "
            f"that wrote it ({state.get('gan_course_version', 'unknown')})")
    missing = [key for key in required if key not in state]
    if missing:
        raise CheckpointError(
            f"{path} lacks {', '.join(missing)}: it was not written by the gan-course trainer "
            "or is incomplete; pass a run directory or its checkpoints/latest.pt")
    return state


def load_state_checked(module: nn.Module, state_dict: dict, *, what: str, source: Path) -> None:
    """``module.load_state_dict(strict=True)`` with a CheckpointError naming what mismatched."""
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    shapes = [f"{key} {tuple(state_dict[key].shape)} vs {tuple(value.shape)}"
              for key, value in expected.items()
              if key in state_dict and tuple(state_dict[key].shape) != tuple(value.shape)]
    if missing or unexpected or shapes:
        details = []
        if missing:
            details.append(f"missing {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
        if unexpected:
            details.append(f"unexpected {', '.join(unexpected[:5])}{' ...' if len(unexpected) > 5 else ''}")
        if shapes:
            details.append(f"shape mismatch (checkpoint vs model) {'; '.join(shapes[:5])}")
        raise CheckpointError(
            f"the {what} in {source} does not fit the model built from the config "
            f"({'; '.join(details)}); use the config stored in the checkpoint (do not pass "
            "another model/width/latent_dim/image size)")
    module.load_state_dict(state_dict)


def load_models(
    path: str | os.PathLike, *, device: str | torch.device | None = None, use_ema: bool = True, config=None,
) -> tuple[nn.Module, nn.Module | None, TrainConfig]:
    """The trained generator and discriminator of a run (both in eval mode) and its config.

    Like :func:`load_generator`; the discriminator is None when the checkpoint has none.
    """
    from ..models import build_models
    from .assembly import model_arguments, pick_device
    from .config import config_from_dict, resolve

    source = find_checkpoint(path)
    state = load_checkpoint(source, required=GENERATOR_KEYS)
    config = resolve(config) if config is not None else config_from_dict(state["config"])
    data = state.get("data") or {}  # the trained data's item shape and classes (folders, synthetic data)
    arguments = model_arguments(config, data_shape=data.get("shape"), num_classes=data.get("num_classes"))
    generator, discriminator = build_models(**arguments)
    weights = state["generator"]
    if use_ema and state.get("ema") is not None:
        weights = state["ema"]["module"]
    load_state_checked(generator, weights, what="generator", source=source)
    if state.get("discriminator") is not None:
        load_state_checked(discriminator, state["discriminator"], what="discriminator", source=source)
    else:
        discriminator = None
    target = pick_device(device if device is not None else config.device)
    generator = generator.to(target).eval()
    discriminator = discriminator.to(target).eval() if discriminator is not None else None
    return generator, discriminator, config


def load_generator(
    path: str | os.PathLike, *, device: str | torch.device | None = None, use_ema: bool = True,
    config=None,
) -> tuple[nn.Module, TrainConfig]:
    """The trained generator of a run, in eval mode, and the run's resolved config.

    path: a run directory (uses ``checkpoints/best.pt``, else ``latest.pt``) or a ``.pt``
    file. use_ema: take the averaged weights when the run kept an EMA. config: build the
    generator from this :class:`TrainConfig` instead of the stored one (a mismatching
    architecture raises :class:`~gan_course.errors.CheckpointError` naming the keys).
    device: where to put the generator (default: the config's device choice).
    """
    generator, _, config = load_models(path, device=device, use_ema=use_ema, config=config)
    return generator, config
