"""The training configuration: one dataclass with every field described once (type, help,
allowed values, check, default; :mod:`gan_course.train.fields`), strategy presets and YAML
overrides.

In the style of StudioGAN (Kang et al. 2022, "StudioGAN: A Taxonomy and Benchmark of GANs for
Image Synthesis", https://arxiv.org/abs/2206.09479): every knob has a documented default and
allowed values here, and an experiment is a short YAML file of overrides
(``gan_course/configs/*.yaml``). Variants of GAN training differ only by configuration; the
trainer never branches on a model or loss name.

A *strategy* is a preset of the objective and its optimiser (:data:`STRATEGIES`). The
per-strategy fields of :class:`TrainConfig` default to ``None`` = "take the strategy's
value"; :func:`resolve` fills them in and validates the whole configuration (each field's
rule, then :mod:`gan_course.train.config_checks` for rules between fields), raising
:class:`~gan_course.errors.ConfigError` with a message that names the fix.

Two-time-scale updates (TTUR) are not a strategy: set ``lr_d: 4.0e-4`` and ``lr_g: 1.0e-4``
(Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
Equilibrium", https://arxiv.org/abs/1706.08500).
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from .. import paths
from ..errors import ConfigError
from ..losses import CLIP_VALUE, GP_WEIGHT, LOSSES, R1_WEIGHT
from .fields import check_fields, coerce_values, field_names, positive, setting
from .schedules import SCHEDULES, TWO_STAGE_GAMMA, TWO_STAGE_MILESTONES

CONFIGS_DIR = paths.PACKAGE_DIR / "configs"  # shipped configurations (package data)
COMPARISON_PREFIX = "compare-"  # shipped comparison files (gan-course compare), not training configs
REGULARIZERS = ("none", "gp", "clip", "r1")
OPTIMIZERS = ("adam", "rmsprop")
DEVICES = ("auto", "cpu", "cuda", "mps")

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


def _models() -> list[str]:
    from ..models import MODELS

    return list(MODELS)


def _datasets() -> list[str]:
    from ..data import DATASETS

    return list(DATASETS)


def _canonical_dataset(name: str) -> str:
    from ..data import canonical_name

    return canonical_name(name)


def _plain_name(spec, value, config) -> str | None:
    if not value or os.sep in value or value in (".", ".."):
        return f"run name {value!r} must be a plain directory name; pass e.g. --name ring-test"
    return None


def _device(spec, value, config) -> str | None:
    if value in DEVICES or value.startswith(("cuda:", "mps:")):
        return None
    return f"unknown device {value!r}; choose one of: {', '.join(DEVICES)} (or cuda:N) (--device)"


def _learning_rate(spec, value, config) -> str | None:
    if value > 0 and math.isfinite(value):
        return None
    return f"{spec.name} must be a positive learning rate, got {value}; try {spec.flag} 2e-4"


def _positive_real(example: str) -> Callable:
    def check(spec, value, config) -> str | None:
        return None if value > 0 else f"{spec.name} must be positive, got {value}; try {example}"
    return check


def _open_unit(example: str, *, closed_high: bool = False, when: Callable | None = None) -> Callable:
    """A rule: the value lies in (0, 1) (or (0, 1] with ``closed_high``), checked only ``when(config)``."""
    def check(spec, value, config) -> str | None:
        if when is not None and not when(config):
            return None
        if 0.0 < value < 1.0 or (closed_high and value == 1.0):
            return None
        return f"{spec.name} must lie in (0, 1{']' if closed_high else ')'}, got {value}; {example}"
    return check


def _n_critic(spec, value, config) -> str | None:
    if value >= 1:
        return None
    return (f"n_critic must be at least 1 (discriminator steps per generator step), got {value}; "
            "use 1 for GANs or 5 for WGANs")


def _betas(spec, value, config) -> str | None:
    if len(value) == 2 and all(0.0 <= b < 1.0 for b in value):
        return None
    return f"betas must be two numbers in [0, 1), got {value}; e.g. --betas 0.5 0.999"


def _two_stage(config) -> bool:
    return config.lr_schedule == "two-stage"


def _milestones(spec, value, config) -> str | None:
    if not _two_stage(config) or (value and all(0.0 < m < 1.0 for m in value) and list(value) == sorted(value)):
        return None
    return f"lr_milestones must be increasing fractions of training in (0, 1), got {value}; e.g. [0.5, 0.75]"


def _fid_samples(spec, value, config) -> str | None:
    return None if value >= 2 else f"fid_samples must be at least 2 images, got {value}; e.g. 1000"


_STRATEGY = "the strategy's"  # what None means for the fields a strategy fills


@dataclass
class TrainConfig:
    """Everything a training run needs; each field's description is its ``setting(...)`` below
    (``gan-course train --help`` prints them). ``None`` means "derive it": from the strategy
    preset (:data:`STRATEGIES`), the dataset or the model, as each field says."""

    # -- run
    name: str | None = setting(None, "run name: the run directory is OUT/NAME", unset="<dataset>-<model>-<strategy>",
                               check=_plain_name)
    out_dir: str | None = setting(None, "parent directory of the run directories", flag="--out",
                                  unset="$GAN_COURSE_RUNS (gan_course.paths.runs_dir())")
    # -- data and model
    model: str = setting("mlp", "architecture (gan_course.models.MODELS)", choices=_models)
    dataset: str = setting("ring", "training data (gan_course.data.DATASETS)", choices=_datasets,
                           normalise=_canonical_dataset)
    dataset_path: str | None = setting(None, "the image folder, required for --dataset folder", flag="--data-path",
                                       unset="none")
    image_size: int | None = setting(None, "resize images to this size (28, 32 or 64; images only)",
                                     unset="the dataset's own size", check=positive())
    n_points: int = setting(10000, "number of ring points (--dataset ring only)", check=positive(10000))
    # -- objective
    strategy: str = setting("gan", "preset of the objective and its optimiser (gan_course.train.STRATEGIES)",
                            choices=lambda: list(STRATEGIES))
    loss: str | None = setting(None, "the loss pair, overriding the strategy's (gan_course.losses.LOSSES)",
                               choices=lambda: list(LOSSES), unset=_STRATEGY)
    regularizer: str | None = setting(None, "gp = gradient penalty, clip = weight clipping, r1 = R1 penalty",
                                      choices=lambda: REGULARIZERS, unset=_STRATEGY + ", else none")
    reg_weight: float | None = setting(None, "weight of the gp or r1 term", unset=f"{GP_WEIGHT:g} for gp and r1",
                                       check=_positive_real("10 (or --regularizer none)"))
    clip_value: float | None = setting(None, "weight-clipping bound c", unset=f"{CLIP_VALUE:g} for clip",
                                       check=_positive_real("0.01"))
    n_critic: int | None = setting(None, "discriminator/critic steps per generator step", unset=_STRATEGY,
                                   check=_n_critic)
    d_every: int = setting(1, "train the discriminator only on every k-th batch (the course's ring seed uses 2)",
                           check=positive(1))
    real_label: float = setting(1.0, "target for real samples; 0.9 = one-sided label smoothing (bce, minimax, lsgan)",
                                check=_open_unit("use 1.0, or 0.9 for label smoothing", closed_high=True))
    # -- optimisation
    optimizer: str | None = setting(None, "optimiser of both networks", choices=lambda: OPTIMIZERS, unset=_STRATEGY)
    lr_g: float | None = setting(None, "generator learning rate", unset=_STRATEGY, check=_learning_rate)
    lr_d: float | None = setting(None, "discriminator learning rate", unset=_STRATEGY, check=_learning_rate)
    betas: tuple[float, float] | None = setting(None, "Adam's (beta1, beta2)", metavar=("BETA1", "BETA2"),
                                                unset=_STRATEGY + f" (Adam), else {DCGAN_BETAS[0]:g} {DCGAN_BETAS[1]:g}",
                                                check=_betas)
    lr_schedule: str = setting("none", "learning-rate schedule, stepped once per epoch: linear decays to 0, "
                               "two-stage multiplies by lr_gamma at each lr_milestones fraction of the epochs",
                               choices=lambda: SCHEDULES, choice_name="learning-rate schedule")
    lr_milestones: tuple[float, ...] = setting(TWO_STAGE_MILESTONES, "fractions of the epochs where two-stage "
                                               "drops the learning rate", metavar="FRACTION", check=_milestones)
    lr_gamma: float = setting(TWO_STAGE_GAMMA, "factor of each two-stage drop",
                              check=_open_unit("e.g. 0.1", when=_two_stage))
    ema_decay: float | None = setting(None, "keep an EMA of the generator with this decay (e.g. 0.999); samples "
                                      "and the metric use it", flag="--ema", unset="no EMA",
                                      check=_open_unit("try 0.999, or leave it unset for no EMA"))
    standing_stats: bool = setting(False, "before each epoch's samples, metric and checkpoint, recompute the sampling "
                                   "generator's BatchNorm statistics from 100 batches of fresh noise (standing "
                                   "statistics, Brock et al. 2019) instead of keeping the last training batches'")
    epochs: int = setting(20, "passes over the data", check=positive(20))
    batch_size: int = setting(128, "samples per batch", check=positive(128))
    latent_dim: int = setting(100, "size of z", check=positive(100))
    width: int | None = setting(None, "feature maps of the networks (ngf/ndf)", unset="the model's default",
                                check=positive())
    # -- reproducibility and output
    seed: int = setting(0, "seeds model initialisation, data order, noise and dropout")
    device: str = setting("auto", "auto (cuda, else mps, else cpu), cpu, cuda, cuda:N or mps", check=_device)
    threads: int | None = setting(None, "torch CPU threads while training (1 is fastest for the tiny 2D models)",
                                  unset="one per free core, picked at the start (train/threads.py)",
                                  check=positive())
    channels_last: bool = setting(True, "image models and batches in the channels-last (NHWC) memory format: faster "
                                  "convolutions with oneDNN on CPU and tensor cores on GPU (2D point data are unaffected)")
    compile: bool = setting(False, "compile G and D with torch.compile (inductor; needs a C compiler): faster steps "
                            "after a compilation that costs tens of seconds on a CPU; falls back to eager with a "
                            "warning when compiling fails")
    sample_every: int = setting(1, "write samples/epoch_XXXX.png every k epochs (and after the last)",
                                check=positive(1))
    grid_size: int = setting(64, "images in each sample grid", check=positive(64))
    log_every: int = setting(10, "record losses and scores every k iterations", check=positive(10))
    max_steps: int | None = setting(None, "stop after this many iterations in total (a budget)", unset="no limit",
                                    check=positive(what="a positive number of iterations"))
    train_size: int | None = setting(None, "train on a fixed subset of this many items, the same for every run "
                                     "and seed (a budget that keeps whole epochs)", unset="all of the data")
    progress: bool | None = setting(None, "show a tqdm progress bar", unset="only when stderr is a terminal")
    tensorboard: bool = setting(True, "log scalars and sample grids to RUN_DIR/tensorboard/ for 'gan-course monitor'")
    plots: bool = setting(True, "draw the 2D runs' samples/ scatters and the final plots/ (matplotlib); off, a run "
                          "writes checkpoints, history and image grids only ('gan-course plot' redraws plots/ later)")
    # -- validation FID (images only, gan_course.train.validation)
    fid_every: int | None = setting(None, "every k epochs (and after the last), the FID of fid_samples fixed-noise "
                                    "samples against held-out statistics picks checkpoints/best.pt", unset="off")
    fid_samples: int = setting(1000, "generated (and real) images of the validation FID", check=_fid_samples)


FIELD_NAMES = field_names(TrainConfig)


def resolve(config: TrainConfig) -> TrainConfig:
    """A copy of ``config`` with the strategy preset, name and out_dir filled in, validated.

    Idempotent. Raises :class:`~gan_course.errors.ConfigError` naming the fix for unknown
    names, inconsistent combinations and out-of-range values.
    """
    from ..data import get_spec
    from .config_checks import check_consistency

    if not isinstance(config, TrainConfig):
        raise ConfigError(f"expected a TrainConfig, got {type(config).__name__}; build one with TrainConfig(...) or load_config(...)")
    values = coerce_values(TrainConfig, dataclasses.asdict(config))
    check_fields(TrainConfig(**values), ("strategy", "model", "dataset"))
    values["dataset"] = get_spec(values["dataset"]).name
    preset = STRATEGIES[values["strategy"]]
    for name in STRATEGY_FIELDS:
        if values[name] is None and name in preset:
            values[name] = coerce_values(TrainConfig, {name: preset[name]})[name]
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
    check_fields(resolved)
    check_consistency(resolved)
    return resolved


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
    return TrainConfig(**coerce_values(TrainConfig, values))


def config_to_dict(config: TrainConfig) -> dict[str, Any]:
    """The config as plain YAML/JSON types (tuples become lists), in field order."""
    return {name: list(value) if isinstance(value, tuple) else value
            for name, value in dataclasses.asdict(config).items()}


def config_from_dict(data: dict[str, Any]) -> TrainConfig:
    """Inverse of :func:`config_to_dict`; unknown keys raise ConfigError."""
    _check_keys(data, "the stored config")
    return TrainConfig(**coerce_values(TrainConfig, data))


def save_config(config: TrainConfig, path: str | os.PathLike) -> Path:
    """Write the config as YAML (``config.yaml`` of a run)."""
    from ..atomic import write_text_atomic

    return write_text_atomic(path, "# resolved configuration of this run (gan_course.train.TrainConfig)\n"
                             + yaml.safe_dump(config_to_dict(config), sort_keys=False))

