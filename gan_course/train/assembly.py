"""Assembling a run from its resolved configuration: the device, the training data, the
models' arguments, the optimisers and the CPU threads. Not configuration itself: these read a
:class:`~gan_course.train.config.TrainConfig` and build what the trainer (and
:func:`~gan_course.train.checkpoint.load_models`) needs.

Optimisers: Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization",
https://arxiv.org/abs/1412.6980) with the config's betas, or RMSProp as in Arjovsky et al. 2017,
"Wasserstein GAN", https://arxiv.org/abs/1701.07875, algorithm 1.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any

import torch

from ..errors import ConfigError

logger = logging.getLogger(__name__)
FUSED_ADAM_DEVICES = ("cpu", "cuda")  # where torch has a fused Adam kernel


def pick_device(device: str | torch.device) -> torch.device:
    """``"auto"`` -> cuda if available, else mps, else cpu; otherwise the device named."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device {device!r} asked for but CUDA is not available here; use --device auto or cpu")
    return torch.device(device)


def model_arguments(config, *, data_shape=None, num_classes: int | None = None) -> dict[str, Any]:
    """Keyword arguments of ``gan_course.models.build_models`` for a resolved config.

    Without ``data_shape`` / ``num_classes`` they come from the dataset's registry entry
    (what :func:`~gan_course.train.load_generator` needs without loading the data).
    """
    from ..data import dataset_shape, get_spec

    if data_shape is None:
        data_shape = dataset_shape(config.dataset, image_size=config.image_size)
    if num_classes is None:
        num_classes = get_spec(config.dataset).num_classes
    return {"name": config.model, "data_shape": tuple(data_shape), "num_classes": num_classes,
            "latent_dim": config.latent_dim, "width": config.width}


def load_training_data(config):
    """The config's training set: ``load_dataset`` of its dataset, cut to ``train_size`` items when set."""
    from ..data import load_dataset, training_subset

    data = load_dataset(config.dataset, image_size=config.image_size, n_points=config.n_points, seed=config.seed,
                        path=config.dataset_path)
    return training_subset(data, config.train_size) if config.train_size is not None else data


def make_optimizer(config, module: torch.nn.Module, lr: float, device: torch.device) -> torch.optim.Optimizer:
    """The config's optimiser over ``module``'s parameters with learning rate ``lr``."""
    if config.optimizer == "adam":  # the fused kernel: one call per step instead of one per tensor
        return torch.optim.Adam(module.parameters(), lr=lr, betas=config.betas,
                                fused=device.type in FUSED_ADAM_DEVICES)
    return torch.optim.RMSprop(module.parameters(), lr=lr)


@contextmanager
def cpu_threads(threads: int | None):
    """``torch.set_num_threads(threads)`` for the duration, then the old value. None: one thread
    per core that is free now (:func:`gan_course.train.threads.auto_threads`), so a busy machine
    degrades gracefully instead of collapsing."""
    from . import threads as free_cores

    before = torch.get_num_threads()
    torch.set_num_threads(threads if threads is not None else free_cores.auto_threads())
    logger.info("training with %d CPU threads%s", torch.get_num_threads(), "" if threads is not None else
                " (one per free core)")
    try:
        yield
    finally:
        torch.set_num_threads(before)
