"""The training configuration: one dataclass with every default in one place, strategy presets,
YAML overrides and validation.

In the style of StudioGAN (Kang et al. 2022, "StudioGAN: A Taxonomy and Benchmark of GANs for
Image Synthesis", https://arxiv.org/abs/2206.09479): every knob has a documented default and
allowed values here, and an experiment is a short YAML file of overrides
(``gan_course/configs/*.yaml``). Variants of GAN training differ only by configuration; the
trainer never branches on a model or loss name.

A *strategy* is a preset of the objective and its optimiser (:data:`STRATEGIES`). The
per-strategy fields of :class:`TrainConfig` default to ``None`` = "take the strategy's
value"; :func:`resolve` fills them in and validates the whole configuration, raising
:class:`~gan_course.errors.ConfigError` with a message that names the fix.

Two-time-scale updates (TTUR) are not a strategy: set ``lr_d: 4.0e-4`` and ``lr_g: 1.0e-4``
(Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
Equilibrium", https://arxiv.org/abs/1706.08500).
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import torch
import yaml

from .. import paths
from ..errors import ConfigError
from ..losses import CLIP_VALUE, GP_WEIGHT, LOSSES, R1_WEIGHT
from .schedules import SCHEDULES, TWO_STAGE_GAMMA, TWO_STAGE_MILESTONES

CONFIGS_DIR = paths.PACKAGE_DIR / "configs"  # shipped configurations (package data)
COMPARISON_PREFIX = "compare-"  # shipped comparison files (gan-course compare), not training configs
REGULARIZERS = ("none", "gp", "clip", "r1")
OPTIMIZERS = ("adam", "rmsprop")
DEVICES = ("auto", "cpu", "cuda", "mps")
TRAIN_SUBSET_SEED = 0  # the shuffle that picks train_size items: fixed, so every run gets the same subset

# -- paper constants of the presets --------------------------------------------------------
DCGAN_LR = 2e-4  # Radford et al. 2015, section 4
DCGAN_BETAS = (0.5, 0.999)  # Radford et al. 2015, section 4 (beta1 = 0.5)
WGAN_LR = 5e-5  # Arjovsky et al. 2017, algorithm 1 (RMSProp, alpha = 0.00005)
WGAN_N_CRITIC = 5  # Arjovsky et al. 2017 and Gulrajani et al. 2017, algorithm 1
WGAN_GP_LR = 1e-4  # Gulrajani et al. 2017, algorithm 1
WGAN_GP_BETAS = (0.0, 0.9)  # Gulrajani et al. 2017, algorithm 1
TTUR_LR_D = 4e-4  # Heusel et al. 2017 (a faster discriminator); set in configs, not a strategy
TTUR_LR_G = 1e-4  # Heusel et al. 2017

_ADAM_DCGAN = {"optimizer": "adam", "lr_g": DCGAN_LR, "lr_d": DCGAN_LR, "betas": DCGAN_BETAS}

STRATEGIES: dict[str, dict[str, Any]] = {
    # Radford et al. 2015, "Unsupervised Representation Learning with Deep Convolutional GANs",
    # https://arxiv.org/abs/1511.06434: BCE with the non-saturating generator loss, Adam 2e-4 (0.5, 0.999).
    "gan": {"loss": "bce", "regularizer": "none", "n_critic": 1, **_ADAM_DCGAN},
    # Goodfellow et al. 2014, "Generative Adversarial Nets", https://arxiv.org/abs/1406.2661:
    # the original saturating minimax generator loss (for comparison), DCGAN optimiser.
    "minimax": {"loss": "minimax", "regularizer": "none", "n_critic": 1, **_ADAM_DCGAN},
    # Mao et al. 2017, "Least Squares GANs", https://arxiv.org/abs/1611.04076, section 4
    # (Adam, lr 2e-4, beta1 0.5).
    "lsgan": {"loss": "lsgan", "regularizer": "none", "n_critic": 1, **_ADAM_DCGAN},
    # Lim & Ye 2017, "Geometric GAN", https://arxiv.org/abs/1705.02894; Miyato et al. 2018,
    # "Spectral Normalization for GANs", https://arxiv.org/abs/1802.05957 (table 1, setting C:
    # Adam 2e-4, (0.5, 0.999), one discriminator step per generator step).
    "hinge": {"loss": "hinge", "regularizer": "none", "n_critic": 1, **_ADAM_DCGAN},
    # Arjovsky et al. 2017, "Wasserstein GAN", https://arxiv.org/abs/1701.07875, algorithm 1:
    # weight clipping c = 0.01, n_critic = 5, RMSProp 5e-5.
    "wgan-clip": {"loss": "wasserstein", "regularizer": "clip", "clip_value": CLIP_VALUE,
                  "n_critic": WGAN_N_CRITIC, "optimizer": "rmsprop", "lr_g": WGAN_LR, "lr_d": WGAN_LR,
                  "betas": None},
    # Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", https://arxiv.org/abs/1704.00028,
    # algorithm 1: gradient penalty lambda = 10, n_critic = 5, Adam 1e-4 (0.0, 0.9).
    "wgan-gp": {"loss": "wasserstein", "regularizer": "gp", "reg_weight": GP_WEIGHT,
                "n_critic": WGAN_N_CRITIC, "optimizer": "adam", "lr_g": WGAN_GP_LR, "lr_d": WGAN_GP_LR,
                "betas": WGAN_GP_BETAS},
}

# Fields a strategy fills when the configuration leaves them None.
STRATEGY_FIELDS = ("loss", "regularizer", "reg_weight", "clip_value", "n_critic", "optimizer", "lr_g", "lr_d", "betas")
REG_WEIGHT_DEFAULTS = {"gp": GP_WEIGHT, "r1": R1_WEIGHT}  # when a regulariser is chosen without a weight


@dataclass
class TrainConfig:
    """Everything a training run needs. ``None`` means "derive it" (see each field).

    Run
        name: run directory name; None -> ``"<dataset>-<model>-<strategy>"``.
        out_dir: parent of the run directory; None -> ``gan_course.paths.runs_dir()``.
    Data and model
        model: a name of ``gan_course.models.MODELS`` (mlp, dcgan, wgan, sngan, cgan).
        dataset: a name of ``gan_course.data.DATASETS`` (ring, mnist, fashion-mnist, cifar10,
            celeba, folder).
        dataset_path: the image folder, required for ``dataset="folder"``.
        image_size: resize images to this size; None -> the dataset's own size.
        n_points: number of ring points (``dataset="ring"`` only).
        latent_dim: size of z. width: the model's width knob; None -> the model's default.
    Objective (None -> the strategy's preset, see :data:`STRATEGIES`)
        strategy: gan | minimax | lsgan | hinge | wgan-clip | wgan-gp.
        loss: bce | minimax | lsgan | hinge | wasserstein (``gan_course.losses.LOSSES``).
        regularizer: none | gp (gradient penalty) | clip (weight clipping) | r1.
        reg_weight: weight of gp / r1 (None -> 10). clip_value: clipping bound c (None -> 0.01).
        n_critic: discriminator steps per generator step (>= 1).
        d_every: train the discriminator only on every k-th batch (the course's ring seed uses 2).
        real_label: target for real samples; 0.9 = one-sided label smoothing (bce, minimax, lsgan).
    Optimisation
        optimizer: adam | rmsprop. lr_g, lr_d: learning rates (> 0). betas: Adam's (beta1, beta2).
        lr_schedule: none | linear (decay to 0) | two-stage (x lr_gamma at each lr_milestones
            fraction of the epochs; default x0.1 at 50 % and at 75 %). Stepped once per epoch.
        ema_decay: keep an EMA of the generator with this decay (e.g. 0.999); None -> no EMA.
        epochs: passes over the data. batch_size: samples per batch.
        max_steps: stop after this many iterations (batches) in total; None -> no limit.
        train_size: train on a fixed subset of this many items of the loaded training set (the
            first ``train_size`` of a shuffle seeded with :data:`TRAIN_SUBSET_SEED`, the same for
            every run and seed, so budgeted runs stay comparable); None -> all of it. A CPU budget
            that keeps whole epochs, where ``max_steps`` cuts one short.
    Reproducibility and output
        seed: seeds model initialisation, data order, noise and dropout.
        device: auto (cuda, else mps, else cpu) | cpu | cuda | mps.
        threads: CPU threads torch may use while training (restored afterwards); None -> torch's
            default. 1 is fastest for tiny models such as the ring's MLP, and avoids a large
            slowdown when other processes compete for the cores.
        sample_every: write ``samples/epoch_XXXX.png`` every k epochs (and after the last).
        grid_size: images in each sample grid. log_every: log a step row every k iterations.
        progress: show a tqdm bar; None -> only when stderr is a terminal.
        tensorboard: log scalars and sample grids to ``RUN_DIR/tensorboard/`` for
            ``gan-course monitor`` (``gan_course.train.tensorboard``); False -> no event files.
    Validation FID (images only; see ``gan_course.train.validation``)
        fid_every: every k epochs (and after the last), the FID of ``fid_samples`` fixed-noise
            samples against cached held-out real statistics picks ``checkpoints/best.pt``
            instead of the per-epoch sample distance; None -> off.
        fid_samples: generated (and real) images of that FID.
    """

    name: str | None = None
    out_dir: str | None = None
    model: str = "mlp"
    dataset: str = "ring"
    dataset_path: str | None = None
    image_size: int | None = None
    n_points: int = 10000
    strategy: str = "gan"
    loss: str | None = None
    regularizer: str | None = None
    reg_weight: float | None = None
    clip_value: float | None = None
    n_critic: int | None = None
    d_every: int = 1
    real_label: float = 1.0
    optimizer: str | None = None
    lr_g: float | None = None
    lr_d: float | None = None
    betas: tuple[float, float] | None = None
    lr_schedule: str = "none"
    lr_milestones: tuple[float, ...] = TWO_STAGE_MILESTONES
    lr_gamma: float = TWO_STAGE_GAMMA
    ema_decay: float | None = None
    epochs: int = 20
    batch_size: int = 128
    latent_dim: int = 100
    width: int | None = None
    seed: int = 0
    device: str = "auto"
    threads: int | None = None
    sample_every: int = 1
    grid_size: int = 64
    log_every: int = 10
    max_steps: int | None = None
    train_size: int | None = None
    progress: bool | None = None
    tensorboard: bool = True
    fid_every: int | None = None
    fid_samples: int = 1000


FIELD_NAMES = tuple(f.name for f in fields(TrainConfig))
_INT_FIELDS = {"image_size", "n_points", "n_critic", "d_every", "epochs", "batch_size", "latent_dim", "width",
               "seed", "sample_every", "grid_size", "log_every", "max_steps", "threads", "fid_every", "fid_samples",
               "train_size"}
_FLOAT_FIELDS = {"reg_weight", "clip_value", "real_label", "lr_g", "lr_d", "lr_gamma", "ema_decay"}
_TUPLE_FIELDS = {"betas", "lr_milestones"}
_STR_FIELDS = {"name", "out_dir", "model", "dataset", "dataset_path", "strategy", "loss", "regularizer",
               "optimizer", "lr_schedule", "device"}


def _coerce(name: str, value: Any) -> Any:
    """Type a value from YAML or code: "2e-4" -> 0.0002 (YAML 1.1 reads 2e-4 as a string), [a, b] -> (a, b)."""
    if value is None:
        return None
    try:
        if name in _INT_FIELDS:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if name in _FLOAT_FIELDS:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if name in _TUPLE_FIELDS:
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                raise ValueError
            return tuple(float(v) for v in value)
        if name in _STR_FIELDS:
            return str(value)
        if name in ("progress", "tensorboard"):
            if not isinstance(value, bool):
                raise ValueError
            return value
    except (TypeError, ValueError):
        kind = ("an integer" if name in _INT_FIELDS else "a number" if name in _FLOAT_FIELDS
                else "a list of numbers" if name in _TUPLE_FIELDS else "true or false")
        raise ConfigError(f"{name} must be {kind}, got {value!r}; fix it in the config or option") from None
    return value


def _choice(what: str, value: str, choices, flag: str) -> None:
    if value not in choices:
        raise ConfigError(f"unknown {what} {value!r}; choose one of: {', '.join(choices)} (--{flag})")


def resolve(config: TrainConfig) -> TrainConfig:
    """A copy of ``config`` with the strategy preset, name and out_dir filled in, validated.

    Idempotent. Raises :class:`~gan_course.errors.ConfigError` naming the fix for unknown
    names, inconsistent combinations and out-of-range values.
    """
    from ..data import DATASETS, dataset_shape, get_spec
    from ..models import MODELS, get_model_spec

    if not isinstance(config, TrainConfig):
        raise ConfigError(f"expected a TrainConfig, got {type(config).__name__}; build one with TrainConfig(...) or load_config(...)")
    values = {name: _coerce(name, getattr(config, name)) for name in FIELD_NAMES}
    _choice("strategy", values["strategy"], list(STRATEGIES), "strategy")
    _choice("model", values["model"], list(MODELS), "model")
    try:
        data_spec = get_spec(values["dataset"])
    except ConfigError:
        raise ConfigError(f"unknown dataset {values['dataset']!r}; choose one of: {', '.join(DATASETS)} (--dataset)") from None
    values["dataset"] = data_spec.name
    preset = STRATEGIES[values["strategy"]]
    for name in STRATEGY_FIELDS:
        if values[name] is None and name in preset:
            values[name] = _coerce(name, preset[name])
    values["regularizer"] = values["regularizer"] or "none"
    if values["reg_weight"] is None:
        values["reg_weight"] = REG_WEIGHT_DEFAULTS.get(values["regularizer"])
    if values["clip_value"] is None and values["regularizer"] == "clip":
        values["clip_value"] = CLIP_VALUE
    if values["betas"] is None and values["optimizer"] == "adam":
        values["betas"] = DCGAN_BETAS
    if values["name"] is None:
        values["name"] = f"{values['dataset']}-{values['model']}-{values['strategy']}"
    if values["out_dir"] is None:
        values["out_dir"] = str(paths.runs_dir())
    resolved = TrainConfig(**values)
    _validate(resolved, data_spec, get_model_spec(resolved.model), dataset_shape)
    return resolved


def _validate(c: TrainConfig, data_spec, model_spec, dataset_shape) -> None:
    from ..models import MODELS

    _choice("loss", c.loss, list(LOSSES), "loss")
    _choice("regularizer", c.regularizer, REGULARIZERS, "regularizer")
    _choice("optimizer", c.optimizer, OPTIMIZERS, "optimizer")
    _choice("learning-rate schedule", c.lr_schedule, SCHEDULES, "lr-schedule")
    if c.device not in DEVICES and not c.device.startswith(("cuda:", "mps:")):
        raise ConfigError(f"unknown device {c.device!r}; choose one of: {', '.join(DEVICES)} (or cuda:N) (--device)")
    if not c.name or os.sep in c.name or c.name in (".", ".."):
        raise ConfigError(f"run name {c.name!r} must be a plain directory name; pass e.g. --name ring-test")
    # data and model fit together
    if data_spec.kind not in model_spec.data_kinds:
        fits = [name for name, spec in MODELS.items() if data_spec.kind in spec.data_kinds]
        raise ConfigError(
            f"model {c.model!r} needs images but dataset {c.dataset!r} is 2D points; use --model {fits[0]}"
            if data_spec.kind == "points" else
            f"model {c.model!r} cannot train on images of {c.dataset!r}; use --model {' or '.join(fits)}")
    if data_spec.kind == "points" and c.image_size is not None:
        raise ConfigError(f"image_size does not apply to the 2D {c.dataset!r} data; leave --image-size unset")
    if data_spec.kind == "image" and model_spec.image_sizes:
        size = dataset_shape(c.dataset, image_size=c.image_size)[-1]
        if size not in model_spec.image_sizes:
            nearest = min(model_spec.image_sizes, key=lambda s: abs(s - size))
            raise ConfigError(f"model {c.model!r} supports image sizes {', '.join(map(str, model_spec.image_sizes))} "
                              f"but {c.dataset!r} is {size}x{size}; use --image-size {nearest}")
    if model_spec.conditional and data_spec.num_classes == 0 and data_spec.name != "folder":
        raise ConfigError(f"model {c.model!r} is conditional and needs class labels, but {c.dataset!r} is unlabelled; "
                          "use a labelled dataset (mnist, fashion-mnist, cifar10) or an unconditional model "
                          "(--model dcgan)")
    if c.dataset == "folder" and not c.dataset_path:
        raise ConfigError("the 'folder' dataset needs the folder of images: pass --data-path DIR (dataset_path)")
    # objective and regulariser fit together
    loss = LOSSES[c.loss]
    if c.regularizer == "gp" and model_spec.discriminator_has_batchnorm:
        raise ConfigError(
            f"a gradient penalty with model {c.model!r}, whose discriminator uses BatchNorm: BatchNorm mixes "
            "samples, so the per-sample gradient penalty is wrong: use --model wgan (layer-norm critic) "
            "or --model sngan")
    if loss.unbounded and c.regularizer not in ("gp", "clip") and not model_spec.spectral_norm:
        raise ConfigError(
            f"the {c.loss} loss needs a Lipschitz constraint on the critic, but there is none (regularizer "
            f"{c.regularizer!r}, model {c.model!r} has no spectral norm): add --regularizer gp or clip, "
            "or use --model sngan")
    if c.real_label != 1.0 and not loss.has_real_label:
        raise ConfigError(f"real_label={c.real_label} (label smoothing) has no meaning for the {c.loss} loss, which "
                          "has no real target; use --real-label 1.0 or a loss with targets (bce, minimax, lsgan)")
    if not 0.0 < c.real_label <= 1.0:
        raise ConfigError(f"real_label must lie in (0, 1], got {c.real_label}; use 1.0, or 0.9 for label smoothing")
    # numbers in range
    for name in ("lr_g", "lr_d"):
        value = getattr(c, name)
        if not (value > 0 and math.isfinite(value)):
            raise ConfigError(f"{name} must be a positive learning rate, got {value}; try --{name.replace('_', '-')} 2e-4")
    for name, example in (("epochs", 20), ("batch_size", 128), ("n_points", 10000), ("latent_dim", 100),
                          ("d_every", 1), ("sample_every", 1), ("grid_size", 64), ("log_every", 10)):
        if getattr(c, name) < 1:
            raise ConfigError(f"{name} must be a positive integer, got {getattr(c, name)}; "
                              f"try --{name.replace('_', '-')} {example}")
    if c.n_critic < 1:
        raise ConfigError(f"n_critic must be at least 1 (discriminator steps per generator step), got {c.n_critic}; "
                          "use 1 for GANs or 5 for WGANs")
    if c.max_steps is not None and c.max_steps < 1:
        raise ConfigError(f"max_steps must be a positive number of iterations, got {c.max_steps}; or leave it unset")
    if c.train_size is not None and c.train_size < c.batch_size:
        raise ConfigError(f"train_size must hold at least one batch ({c.batch_size} items), got {c.train_size}; "
                          "raise --train-size or lower --batch-size, or leave it unset to use all the data")
    if c.fid_every is not None and (c.fid_every < 1 or data_spec.kind != "image"):
        raise ConfigError(f"fid_every must be a positive number of epochs on an image dataset, got {c.fid_every} "
                          f"for {c.dataset!r}; e.g. fid_every: 1, or leave it unset")
    if c.fid_samples < 2:
        raise ConfigError(f"fid_samples must be at least 2 images, got {c.fid_samples}; e.g. 1000")
    for name in ("width", "image_size", "threads"):
        if getattr(c, name) is not None and getattr(c, name) < 1:
            raise ConfigError(f"{name} must be a positive integer, got {getattr(c, name)}; or leave it unset")
    if c.reg_weight is not None and not c.reg_weight > 0:
        raise ConfigError(f"reg_weight must be positive, got {c.reg_weight}; try 10 (or --regularizer none)")
    if c.clip_value is not None and not c.clip_value > 0:
        raise ConfigError(f"clip_value must be positive, got {c.clip_value}; try 0.01")
    if c.betas is not None and (len(c.betas) != 2 or not all(0.0 <= b < 1.0 for b in c.betas)):
        raise ConfigError(f"betas must be two numbers in [0, 1), got {c.betas}; e.g. --betas 0.5 0.999")
    if c.ema_decay is not None and not 0.0 < c.ema_decay < 1.0:
        raise ConfigError(f"ema_decay must lie in (0, 1), got {c.ema_decay}; try 0.999, or leave it unset for no EMA")
    if c.lr_schedule == "two-stage":
        if not c.lr_milestones or any(not 0.0 < m < 1.0 for m in c.lr_milestones) or list(c.lr_milestones) != sorted(c.lr_milestones):
            raise ConfigError(f"lr_milestones must be increasing fractions of training in (0, 1), got {c.lr_milestones}; "
                              "e.g. [0.5, 0.75]")
        if not 0.0 < c.lr_gamma < 1.0:
            raise ConfigError(f"lr_gamma must lie in (0, 1), got {c.lr_gamma}; e.g. 0.1")


# -- YAML ------------------------------------------------------------------------------------


def shipped_configs() -> list[str]:
    """Names of the training configurations shipped in ``gan_course/configs/`` (e.g. ``"ring"``);
    the ``compare-*`` files there describe comparisons (``gan_course.experiments.compare``), not runs."""
    return sorted(p.stem for p in CONFIGS_DIR.glob("*.yaml") if not p.stem.startswith(COMPARISON_PREFIX))


def _config_path(path_or_name: str | os.PathLike) -> Path:
    path = Path(path_or_name).expanduser()
    if path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise ConfigError(f"no config file at {path}; pass an existing YAML file or a shipped name "
                              f"({', '.join(shipped_configs())})")
        return path
    shipped = CONFIGS_DIR / f"{path_or_name}.yaml"
    if not shipped.is_file():
        raise ConfigError(f"no shipped config {str(path_or_name)!r} and no such file; choose one of: "
                          f"{', '.join(shipped_configs())}, or pass a path to a YAML file")
    return shipped


def read_overrides(path_or_name: str | os.PathLike) -> dict[str, Any]:
    """The overrides in a YAML file (or shipped config name), checked against the field names."""
    path = _config_path(path_or_name)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML ({str(error).splitlines()[0]}); fix the file "
                          "(one 'key: value' per line)") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of 'key: value' overrides, got a {type(data).__name__}")
    _check_keys(data, str(path))
    return data


def _check_keys(data: dict, source: str) -> None:
    unknown = sorted(str(key) for key in data if key not in FIELD_NAMES)
    if unknown:
        raise ConfigError(f"unknown config key(s) {', '.join(unknown)} in {source}; valid keys: {', '.join(FIELD_NAMES)}")


def load_config(path_or_name: str | os.PathLike, **overrides) -> TrainConfig:
    """A :class:`TrainConfig` from a YAML file of overrides (a path, or a shipped name such as
    ``"ring"``), then ``overrides`` on top. Not resolved: call :func:`resolve`.

    Unknown keys and invalid YAML raise :class:`~gan_course.errors.ConfigError`.
    """
    values = read_overrides(path_or_name)
    _check_keys(overrides, "the overrides")
    values.update(overrides)
    return TrainConfig(**{name: _coerce(name, value) for name, value in values.items()})


def config_to_dict(config: TrainConfig) -> dict[str, Any]:
    """The config as plain YAML/JSON types (tuples become lists), in field order."""
    return {name: list(value) if isinstance(value, tuple) else value
            for name, value in dataclasses.asdict(config).items()}


def config_from_dict(data: dict[str, Any]) -> TrainConfig:
    """Inverse of :func:`config_to_dict`; unknown keys raise ConfigError."""
    _check_keys(data, "the stored config")
    return TrainConfig(**{name: _coerce(name, value) for name, value in data.items()})


def save_config(config: TrainConfig, path: str | os.PathLike) -> Path:
    """Write the config as YAML (``config.yaml`` of a run)."""
    from ..atomic import write_text_atomic

    return write_text_atomic(path, "# resolved configuration of this run (gan_course.train.TrainConfig)\n"
                             + yaml.safe_dump(config_to_dict(config), sort_keys=False))


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


def model_arguments(config: TrainConfig, *, data_shape=None, num_classes: int | None = None) -> dict[str, Any]:
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
