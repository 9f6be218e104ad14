"""Evaluate a finished run with the full protocol and write ``RUN_DIR/metrics.json``.

:func:`evaluate_run` loads a run's generator (``checkpoints/best.pt`` by default, its EMA copy
when the run kept one), draws samples from fixed noise and computes the metrics that fit the
run's data, each with its protocol (feature network, generated and real sample counts, split):

- the ring: energy distance to fresh real points, coverage of each semicircle and the share of
  points within 3 sigma of the ring (:mod:`gan_course.metrics.ring`);
- images: FID (Heusel et al. 2017, https://arxiv.org/abs/1706.08500) and KID mean and std
  (Binkowski et al. 2018, https://arxiv.org/abs/1801.01401) against ``split`` (default
  ``test``: held-out images), and beside them the real-vs-real FID floor (train against test)
  at the same real sample count (:mod:`gan_course.metrics.fid`). FID is biased by the sample
  count, so numbers are comparable only at the same counts: the protocol says which;
- conditional models also get the classifier's accuracy on the generated images per requested
  class and the per-class FID (:mod:`gan_course.metrics.conditional`).

It also summarises the run's training from ``history.json``: training seconds, seconds per
epoch, the best epoch and what picked it, and the evaluation overhead (seconds spent evaluating
during training over training seconds). ``metrics.json`` is written atomically.
"""

from __future__ import annotations

import datetime
import math
import os
import time
from dataclasses import asdict
from pathlib import Path

import torch

from .. import __version__, paths
from ..atomic import write_json_atomic
from ..errors import CheckpointError, ConfigError
from ..run_dir import RunDir

METRICS_FORMAT = 1  # bump when the layout of metrics.json changes
DEFAULT_IMAGE_SAMPLES = 10_000  # generated images (the usual FID protocol)
DEFAULT_SPLIT = "test"  # held-out real images: the floor (train vs test) is what a perfect generator scores
EVAL_NOISE_SEED = 0  # latents of the evaluation samples


# --- small helpers -----------------------------------------------------------------------------

def file_sha256(path: str | os.PathLike) -> str:
    from ..metrics.classifier import sha256_file

    return sha256_file(path)


def _finite(value):
    """JSON-safe: a non-finite float becomes None."""
    return value if value is None or not isinstance(value, float) or math.isfinite(value) else None


def feature_from_option(feature: str | None, dataset: str):
    """A FeatureNetwork from ``--feature``: None (the dataset's classifier), a classifier's dataset
    name, ``inception``, or a path to classifier weights (with their card) or to Inception weights."""
    from ..metrics.classifier import card_path
    from ..metrics.features import inception_feature_network, load_feature_network, resolve_feature_network

    if feature is None:
        return resolve_feature_network(dataset)
    path = Path(feature).expanduser()
    if path.suffix in (".pt", ".pth") or path.is_file():
        if not path.is_file():
            raise ConfigError(f"--feature {feature}: no such file; pass a dataset name (fashion-mnist), 'inception' "
                              "or the path of feature-network weights")
        return load_feature_network(path=path) if card_path(path).is_file() else inception_feature_network(path)
    return resolve_feature_network(feature)


def training_summary(run_dir: Path, state: dict | None = None) -> dict | None:
    """Training time, s/epoch, best epoch and evaluation overhead from ``history.json`` (None without one,
    or without a timed epoch).

    state: the run's latest checkpoint (for ``best_epoch``), when already loaded.
    """
    run = RunDir(run_dir)
    if not run.history.is_file():
        return None
    history = run.read_history()
    epochs = history.get("epochs", {})
    times = [t for t in epochs.get("time", []) if t is not None]
    if not times:
        return None
    epoch_times = [t for t in epochs.get("epoch_time", []) if t is not None]
    eval_time = sum(t for t in epochs.get("eval_time", []) if t is not None)
    val_fid = epochs.get("val_fid") or []
    train_time = float(times[-1])
    best_by = "val_fid" if any(v is not None for v in val_fid) else history.get("metric_name", "metric")
    best_epoch = state.get("best_epoch") if state else None
    return {"epochs": len(times), "train_time_s": train_time,
            "s_per_epoch": sum(epoch_times) / len(epoch_times) if epoch_times else None,
            "best_epoch": best_epoch, "best_by": best_by,
            "eval_time_s": eval_time, "eval_overhead": eval_time / train_time if train_time > 0 else None}


# --- the two kinds of data ---------------------------------------------------------------------

def _ring_metrics(samples: torch.Tensor) -> tuple[dict, dict]:
    from ..metrics.ring import ring_metrics

    result = ring_metrics(samples)
    values = {k: result.as_dict()[k] for k in ("energy_distance", "coverage_left", "coverage_right",
                                               "within_3sigma", "left_share")}
    return values, {name: result.protocol() for name in values}


def _image_metrics(fake, labels, *, config, net, split: str, seed: int, per_class: bool,
                   kid_subsets: int) -> tuple[dict, dict, list]:
    from ..data import get_spec, load_dataset
    from ..metrics.classifier import CLASSIFIER_DATASETS
    from ..metrics.conditional import class_accuracy, per_class_fid
    from ..metrics.fid import compute_fid, compute_kid, fid_floor

    spec = get_spec(config.dataset)
    if split not in spec.splits:
        raise ConfigError(f"{config.dataset} has no split {split!r}; pass --split {' or '.join(spec.splits)}")
    real_data = load_dataset(config.dataset, split=split, image_size=config.image_size, path=config.dataset_path)
    native = config.image_size in (None, spec.default_image_size) and spec.name != "folder"
    real = config.dataset if native else real_data  # by name: cached statistics of the registry's split
    n_real = min(len(fake), len(real_data))
    fid = compute_fid(real, fake, feature=net, split=split, n_real=n_real, seed=seed)
    kid = compute_kid(real, fake, feature=net, split=split, n_real=n_real, seed=seed, subsets=kid_subsets)
    values = {"fid": fid.value, "kid_mean": kid.mean, "kid_std": kid.std}
    protocols = {"fid": asdict(fid.protocol), "kid": asdict(kid.protocol)}
    if native and "test" in spec.splits:
        floor = fid_floor(config.dataset, n=n_real, feature=net, seed=seed)
        values["fid_floor"], protocols["fid_floor"] = floor.value, asdict(floor.protocol)
    rows = []
    if per_class and labels is not None and real_data.labels is not None:
        by_class = {c: None for c in sorted(set(labels.tolist()))}
        if spec.name in CLASSIFIER_DATASETS:
            accuracy = class_accuracy(fake, labels, dataset=spec.name)
            values["class_accuracy"], protocols["class_accuracy"] = accuracy.overall, accuracy.protocol()
            by_class = accuracy.by_class
        fids = per_class_fid(fake, labels, real_data, split=split, feature=net, seed=seed)
        names = real_data.class_names
        rows = [{"class": c, "name": names[c] if c < len(names) else str(c), "n_generated": int((labels == c).sum()),
                 "accuracy": by_class[c], "fid": fids[c].value, "fid_protocol": asdict(fids[c].protocol)}
                for c in by_class]
    return values, protocols, rows


# --- the run -----------------------------------------------------------------------------------

def evaluate_run(
    run_dir: str | os.PathLike,
    *,
    samples: int | None = None,
    feature: str | None = None,
    split: str = DEFAULT_SPLIT,
    checkpoint: str = "best",
    seed: int = EVAL_NOISE_SEED,
    per_class: bool = True,
    kid_subsets: int | None = None,
    use_ema: bool = True,
    device: str | None = None,
    write: bool = True,
) -> dict:
    """Evaluate the run in ``run_dir`` and (with ``write``) store the result in ``run_dir/metrics.json``.

    Args:
        samples: generated samples (default: 10,000 images, or 2,000 ring points); the real side
            uses as many (at most the split's size) and the floor the same count.
        feature: feature network for FID/KID: None (the dataset's own classifier), a dataset name,
            ``inception``, or a weights path (see :func:`feature_from_option`).
        split: the real images' split (``test``: held out; ``train``: the training images).
        checkpoint: ``best`` (falls back to ``latest``), ``latest``, or a ``.pt`` path.
        seed: seeds the latents and the real subsets (and KID's subsets).
        per_class: for conditional runs, class accuracy and per-class FID.
        kid_subsets: KID's subset count (default 100, Binkowski et al. 2018).

    Returns the dict written to ``metrics.json``: ``metrics`` (plain numbers), ``protocols`` (one
    per metric), ``per_class`` (rows for conditional runs), ``training`` (see
    :func:`training_summary`), ``checkpoint`` and ``request`` (the arguments).
    Raises ConfigError / CheckpointError / DatasetNotFoundError naming the fix.
    """
    from ..data import get_spec
    from ..metrics.fid import KID_SUBSETS
    from ..sampling import class_labels, generate, noise
    from ..train.checkpoint import load_checkpoint, load_models

    started = time.perf_counter()
    run_dir = Path(run_dir).expanduser().resolve()
    run = RunDir(run_dir)
    path, which = run.find_checkpoint(checkpoint)
    if samples is not None and samples < 2:
        raise ConfigError(f"--samples must be at least 2, got {samples}")
    state = load_checkpoint(path)
    generator, _, config = load_models(path, device=device, use_ema=use_ema)
    has_latest = which != "latest" and run.latest.is_file()
    latest = load_checkpoint(run.latest) if has_latest else state  # its best_epoch is the run's
    kind = get_spec(config.dataset).kind
    n = samples or (2000 if kind == "points" else DEFAULT_IMAGE_SAMPLES)
    num_classes = int(getattr(generator, "num_classes", 0) or 0)
    labels = class_labels(n, num_classes)  # (n,) cycling 0..K-1, or None
    fake = generate(generator, noise(n, generator.latent_dim, seed=seed), labels)  # (n, 2) or (n, C, H, W)
    if not bool(torch.isfinite(fake).all()):
        raise CheckpointError(f"the generator in {path} outputs NaN or Inf; evaluate an earlier checkpoint "
                              "(--checkpoint best) or retrain with a lower learning rate")
    rows, net = [], None
    if kind == "points":
        values, protocols = _ring_metrics(fake)
    else:
        net = feature_from_option(feature, config.dataset)
        values, protocols, rows = _image_metrics(fake, labels, config=config, net=net, split=split, seed=seed,
                                                 per_class=per_class, kid_subsets=kid_subsets or KID_SUBSETS)
    result = {
        "format": METRICS_FORMAT, "run": config.name, "run_dir": paths.portable(run_dir), "dataset": config.dataset,
        "kind": kind, "model": config.model, "strategy": config.strategy, "loss": config.loss,
        "conditional": num_classes > 0,
        "checkpoint": {"which": which,
                       "file": str(path.relative_to(run_dir)) if path.is_relative_to(run_dir) else str(path),
                       "epoch": state.get("epoch"), "sha256": file_sha256(path),
                       "ema": use_ema and state.get("ema") is not None},
        "request": {"samples": n, "feature": feature, "split": split if kind == "image" else None,
                    "checkpoint": checkpoint, "seed": seed, "per_class": per_class},
        "metrics": {k: _finite(v) for k, v in values.items()},
        "protocols": protocols,
        "per_class": [{k: _finite(v) for k, v in row.items()} for row in rows],
        "training": training_summary(run_dir, latest),
        "evaluation_time_s": time.perf_counter() - started,
        "gan_course_version": __version__,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    if write:
        write_json_atomic(run.metrics, result)
    return result


# --- the printed table -------------------------------------------------------------------------

def _describe(protocol: dict) -> str:
    if "feature" in protocol:
        from ..metrics.fid import Protocol

        return Protocol(**protocol).describe()
    if "classifier" in protocol:
        ceiling = protocol.get("classifier_test_accuracy")
        if ceiling is None:
            return protocol["classifier"]
        return (f"{protocol['classifier']}@{protocol['classifier_sha256'][:12]} (its test accuracy "
                f"{ceiling:.3f}); {protocol['n_generated']} generated")
    return f"{protocol['n_generated']} generated vs {protocol['n_real']} fresh ring points (seed {protocol['seed']})"


LABELS = {"fid": "FID", "kid_mean": "KID", "fid_floor": "FID floor (train vs test)", "class_accuracy": "class accuracy",
          "energy_distance": "energy distance", "coverage_left": "coverage, left half",
          "coverage_right": "coverage, right half", "within_3sigma": "within 3 sigma",
          "left_share": "share in left half"}


def format_table(result: dict) -> str:
    """The metrics of :func:`evaluate_run` as a plain-text table (metric, value, protocol)."""
    metrics, protocols = result["metrics"], result["protocols"]
    rows = []
    for key, value in metrics.items():
        if key == "kid_std":
            continue
        text = "n/a" if value is None else f"{value:.4g}"
        if key == "kid_mean" and value is not None:
            text = f"{value:.4g} +- {metrics['kid_std']:.2g}"
        protocol = protocols.get(key if key != "kid_mean" else "kid", {})
        rows.append((LABELS.get(key, key), text, _describe(protocol) if protocol else ""))
    width = max(len(r[0]) for r in rows) if rows else 10
    value_width = max(len(r[1]) for r in rows) if rows else 10
    check = result["checkpoint"]
    lines = [f"{result['run']}: {result['dataset']} {result['model']} {result['strategy']}, "
             f"checkpoint {check['which']} (epoch {check['epoch']})"]
    shown = None
    for name, text, protocol in rows:  # a protocol shared by consecutive rows is printed once
        lines.append(f"  {name:<{width}}  {text:<{value_width}}  {protocol if protocol != shown else ''}".rstrip())
        shown = protocol
    if result["per_class"]:
        first = result["per_class"][0]["fid_protocol"]
        lines.append(f"  per class: accuracy of the classifier above; FID in {first['feature']} against the class's "
                     f"{first['real_split']} images, as many as generated for it")
        lines.append(f"  {'class':<18} {'accuracy':>8} {'FID':>9} {'n':>6}")
        for row in result["per_class"]:
            accuracy = "n/a" if row["accuracy"] is None else f"{row['accuracy']:.3f}"
            fid = "n/a" if row["fid"] is None else f"{row['fid']:.3f}"
            label = f"{row['class']} {row['name']}"
            lines.append(f"  {label:<18} {accuracy:>8} {fid:>9} {row['n_generated']:>6}")
    training = result.get("training")
    if training:
        per_epoch = f" ({training['s_per_epoch']:.1f} s/epoch)" if training["s_per_epoch"] is not None else ""
        overhead = (f", evaluation during training {100 * training['eval_overhead']:.1f} % of it"
                    if training["eval_overhead"] is not None else "")
        epochs = f"{training['epochs']} epoch{'s' if training['epochs'] != 1 else ''}"
        lines.append(f"  training: {epochs} in {training['train_time_s']:.1f} s{per_epoch}, "
                     f"best epoch {training['best_epoch']} by {training['best_by']}{overhead}")
    return "\n".join(lines)
