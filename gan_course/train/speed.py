"""Running the same training faster: the channels-last memory format and ``torch.compile``,
each checked on a trial of the first iteration and dropped with one warning when it fails.

Channels-last (``TrainConfig.channels_last``, on by default for images): the trainer stores
the convolutional weights of G, D and the EMA copy, and each real batch ``(B, C, H, W)``, with
the channels innermost (NHWC). Same numbers up to rounding; oneDNN's CPU convolutions and the
GPU's tensor cores run faster on that layout (PyTorch tutorial "Channels Last Memory Format").
2-D point data ``(B, D)`` are left alone. A module that calls ``.view`` on a channels-last
activation fails ("view size is not compatible with input tensor's size and stride"):
the library's models do not, but the student's own models (``train(generator=...)``) might.

Compiling (``TrainConfig.compile``, off by default): G and D are wrapped by ``torch.compile``
(TorchInductor: Ansel et al. 2024, "PyTorch 2: Faster Machine Learning Through Dynamic Python
Bytecode Transformation and Graph Compilation", ASPLOS '24). The wrappers share the modules'
parameters; the trainer keeps the plain modules for everything else (checkpoints, EMA,
optimisers, samples) and calls the compiled forms only in its two steps. Gradient penalties
run through the plain D: compiled graphs do not support the double backward they need.
Compilation is lazy (it happens at the first call, and again at the first backward), so a
missing compiler or an unsupported operation shows only when training starts.

So :func:`prepare` runs one *trial* iteration (a discriminator step and a generator step on
the first batch) whenever compiling is asked for, or channels-last meets a caller's own
component, and rolls back everything it changed: parameters, buffers, optimiser moments, the
EMA copy and both random streams. If the trial raises, the feature is dropped with one logged
warning that names the cause and the fix, and training continues eagerly with the same
parameters, exactly as a run without it would.
"""

from __future__ import annotations

import copy
import logging
from contextlib import contextmanager
from typing import Callable

import torch

from .state import global_rng_state, set_global_rng_state
from .stats import EpochStats

logger = logging.getLogger(__name__)


def set_memory_format(trainer, memory_format: torch.memory_format) -> None:
    """Store G, D, the EMA copy and the optimisers' moments of 4-D weights in ``memory_format``.

    ``Module.to`` replaces each parameter's data in place, so the optimisers keep their parameters.
    """
    modules = [trainer.G, trainer.D] + ([trainer.ema.module] if trainer.ema is not None else [])
    for module in modules:
        module.to(memory_format=memory_format)
    for optimizer in (trainer.opt_g, trainer.opt_d):
        for state in optimizer.state.values():
            for key, value in state.items():
                if torch.is_tensor(value) and value.dim() == 4:
                    state[key] = value.contiguous(memory_format=memory_format)
    trainer.channels_last = memory_format == torch.channels_last


@contextmanager
def _rolled_back(trainer):
    """Run a block, then put back every state a training iteration changes."""
    saved = {"G": _clone(trainer.G.state_dict()), "D": _clone(trainer.D.state_dict()),
             "opt_g": copy.deepcopy(trainer.opt_g.state_dict()), "opt_d": copy.deepcopy(trainer.opt_d.state_dict()),
             "ema": copy.deepcopy(trainer.ema.state_dict()) if trainer.ema is not None else None,
             "noise": trainer.noise_rng.get_state(), "global": global_rng_state(trainer.device)}
    try:
        yield
    finally:
        trainer.G.load_state_dict(saved["G"])
        trainer.D.load_state_dict(saved["D"])
        trainer.opt_g.load_state_dict(saved["opt_g"])
        trainer.opt_d.load_state_dict(saved["opt_d"])
        if saved["ema"] is not None:
            trainer.ema.load_state_dict(saved["ema"])
        trainer.noise_rng.set_state(saved["noise"])
        set_global_rng_state(trainer.device, saved["global"])
        for parameter in [*trainer.G.parameters(), *trainer.D.parameters()]:
            parameter.grad = None


def _clone(state: dict) -> dict:
    return {key: value.clone() for key, value in state.items()}


def trial_iteration(trainer, real, labels) -> Exception | None:
    """One discriminator and one generator step on ``real`` (B, ...) and ``labels`` (B,) or None,
    rolled back afterwards; the exception it raised, or None."""
    with _rolled_back(trainer):
        try:
            stats = EpochStats()
            trainer._d_step(real, labels, stats)
            trainer._g_step(real.shape[0], labels, stats)
            stats.flush()  # reading the values back finishes any pending device work
        except Exception as error:  # noqa: BLE001 -- whatever failed, training can go on without the feature
            return error
    return None


def _cause(error: Exception) -> str:
    lines = [line for line in str(error).strip().splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[0] if lines else ''}"[:300]


def laid_out(trainer, real: torch.Tensor) -> torch.Tensor:
    """A real batch (B, C, H, W) in the trainer's memory format (channels-last or as it came)."""
    return real.contiguous(memory_format=torch.channels_last) if trainer.channels_last else real


def prepare(trainer, first_batch: Callable[[], tuple]) -> None:
    """Compile when ``config.compile``, and check what needs a trial (see the module docstring).

    first_batch: returns ``(real, labels)``, the batch the trials run on. Sets ``trainer._gen``,
    ``trainer._disc``, ``trainer.compiled`` and, when channels-last is dropped,
    ``trainer.channels_last``. When the steps fail without either feature as well, the fault is
    elsewhere: nothing is dropped for it, and the first training step raises it.
    """
    compile_wanted, custom = trainer.config.compile, bool(trainer.custom_components)
    if trainer.__dict__.get("_prepared") or not (compile_wanted or (trainer.channels_last and custom)):
        return
    trainer._prepared = True  # once per trainer, however often fit is called
    real, labels = first_batch()

    def trial() -> Exception | None:
        return trial_iteration(trainer, laid_out(trainer, real), labels)

    eager_works = None  # unknown until an eager trial ran
    if trainer.channels_last and custom:  # the library's models are tested with it; the caller's may not be
        error = trial()
        if error is not None:
            set_memory_format(trainer, torch.contiguous_format)
            if trial() is not None:  # not the layout's fault: keep it, and the first training step raises
                set_memory_format(trainer, torch.channels_last)
                return
            logger.warning("a training step failed with the channels-last memory format (%s); training continues "
                           "with the default layout. In your own model use .reshape or .flatten instead of .view "
                           "on activations, or set channels_last: false (--no-channels-last)", _cause(error))
        eager_works = True
    if not compile_wanted:
        return
    trainer._gen, trainer._disc = torch.compile(trainer.G), torch.compile(trainer.D)
    error = trial()
    if error is None:
        trainer.compiled = True
        return
    trainer._gen, trainer._disc = trainer.G, trainer.D
    if eager_works or trial() is None:  # otherwise the fault is elsewhere, and the first training step raises it
        logger.warning("torch.compile failed (%s); training continues eagerly with the same parameters. "
                       "Compiling needs a C compiler (gcc or clang) and the Python headers (python3-dev); "
                       "install them, or set compile: false (--no-compile) to skip this attempt", _cause(error))
