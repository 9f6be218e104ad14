"""Compare training runs that differ in one choice (the loss strategy, a learning-rate schedule):
train or reuse each, evaluate each with the full protocol, and write one table and its figures.

A comparison is a YAML file (shipped ones: ``gan_course/configs/compare-*.yaml``)::

    # what the comparison is for
    name: cgan-fashion                      # output: <runs>/compare-cgan-fashion/
    common: {epochs: 10, fid_every: 1}      # overrides for every member (optional)
    evaluate: {samples: 10000, split: test} # evaluate_run arguments (optional)
    members:
      bce: cgan-fashion-bce                 # a shipped config name or a YAML path
      constant-lr: {config: dcgan-fashion-two-stage, lr_schedule: none}   # config + overrides

Each member's configuration is its config file, then ``common``, then its own overrides, then
``--epochs``; its run directory is ``<out>/<member>/``. A finished run whose stored config
equals the member's is reused, an unfinished one is resumed, a different one is refused unless
``force`` retrains it. The evaluation (:func:`gan_course.experiments.evaluate.evaluate_run`) is reused too
when the run's ``metrics.json`` was computed for the same checkpoint and the same request.

The output directory gets ``comparison.csv`` (columns :data:`CSV_COLUMNS`, then
:data:`PROTOCOL_COLUMNS`), ``comparison.json`` (the same rows with every protocol),
``fid.png`` (with the real-vs-real floor), ``kid.png`` (std as error bars), ``time.png``,
``losses.png`` (D and G losses overlaid) and ``class_grids.png`` (samples per class, side by side).
This is assignment 05's experiment (BCE, Mao et al. 2017's LSGAN, Lim & Ye 2017's hinge, Gulrajani
et al. 2017's WGAN-GP on one conditional GAN), scored by FID (Heusel et al. 2017) and KID
(Binkowski et al. 2018).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from .. import paths
from ..errors import CheckpointError, ConfigError
from ..atomic import write_json_atomic, write_text_atomic
from ..run_dir import RunDir
from .evaluate import evaluate_run, file_sha256

CSV_COLUMNS = ("strategy", "fid", "kid_mean", "kid_std", "fid_floor", "train_time_s", "s_per_epoch", "best_epoch",
               "eval_overhead")
PROTOCOL_COLUMNS = ("feature", "n_generated", "n_real", "split", "epochs", "checkpoint_epoch", "trained", "run_dir")
COMPARISON_KEYS = ("name", "description", "common", "evaluate", "members")
EVALUATE_KEYS = ("samples", "split", "feature", "seed", "per_class")
# config fields that do not change what a run computes: a stored run differing only in them is reused
IGNORED_FOR_REUSE = ("progress", "device", "out_dir", "name", "threads", "tensorboard")


@dataclass
class Comparison:
    """A loaded comparison: ``members`` maps a member name to its resolved TrainConfig."""

    name: str
    description: str
    source: Path
    out_dir: Path
    members: dict
    evaluate: dict


def _configs_dir() -> Path:
    from ..train.config import CONFIGS_DIR

    return CONFIGS_DIR


def shipped_comparisons() -> list[str]:
    """Names of the comparisons shipped in ``gan_course/configs/`` (``compare-*.yaml``)."""
    return sorted(p.stem for p in _configs_dir().glob("compare-*.yaml"))


def _comparison_path(path_or_name) -> Path:
    path = Path(path_or_name).expanduser()
    if path.is_file():
        return path
    for name in (str(path_or_name), f"compare-{path_or_name}"):
        shipped = _configs_dir() / f"{name}.yaml"
        if shipped.is_file():
            return shipped
    raise ConfigError(f"no comparison file {str(path_or_name)!r}; pass a YAML path or a shipped comparison: "
                      f"{', '.join(shipped_comparisons())}")


def _member_config(spec, *, source: Path, common: dict, epochs: int | None, name: str, out: Path):
    from ..train.config import load_config, resolve

    if isinstance(spec, str):
        spec = {"config": spec}
    if not isinstance(spec, dict) or "config" not in spec:
        raise ConfigError(f"member {name!r} in {source} must be a config name or a mapping with a 'config' key, "
                          f"got {spec!r}")
    spec = dict(spec)
    config_ref = str(spec.pop("config"))
    beside = source.parent / config_ref
    if beside.suffix in (".yaml", ".yml") and beside.is_file():
        config_ref = str(beside)
    overrides = {**common, **spec, "name": name, "out_dir": str(out)}
    if epochs is not None:
        overrides["epochs"] = epochs
    return resolve(load_config(config_ref, **overrides))


def load_comparison(path_or_name, *, out: str | os.PathLike | None = None, epochs: int | None = None,
                    samples: int | None = None) -> Comparison:
    """Read and resolve a comparison file (a path, or a shipped name such as ``compare-cgan-fashion``).

    out: the output directory (default ``<runs>/compare-<name>/``); epochs: override every
    member's epochs; samples: override the evaluation's sample count. Raises ConfigError
    naming the fix for unknown keys, bad member names and invalid member configurations.
    """
    source = _comparison_path(path_or_name)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{source} is not valid YAML ({str(error).splitlines()[0]}); fix the file") from None
    if not isinstance(data, dict) or not isinstance(data.get("members"), dict) or not data["members"]:
        raise ConfigError(f"{source} must be a mapping with a non-empty 'members' mapping {{member name: config}}")
    unknown = sorted(set(data) - set(COMPARISON_KEYS))
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(unknown)} in {source}; valid keys: {', '.join(COMPARISON_KEYS)}")
    evaluate = dict(data.get("evaluate") or {})
    bad = sorted(set(evaluate) - set(EVALUATE_KEYS))
    if bad:
        raise ConfigError(f"unknown evaluate key(s) {', '.join(bad)} in {source}; valid: {', '.join(EVALUATE_KEYS)}")
    if samples is not None:
        evaluate["samples"] = samples
    if epochs is not None and epochs < 1:
        raise ConfigError(f"--epochs must be a positive integer, got {epochs}")
    name = str(data.get("name") or source.stem.removeprefix("compare-"))
    out_dir = Path(out).expanduser().resolve() if out is not None else paths.runs_dir() / f"compare-{name}"
    members = {}
    for member, spec in data["members"].items():
        member = str(member)
        if not member or os.sep in member or member in (".", ".."):
            raise ConfigError(f"member name {member!r} in {source} must be a plain directory name, e.g. bce")
        members[member] = _member_config(spec, source=source, common=dict(data.get("common") or {}), epochs=epochs,
                                         name=member, out=out_dir)
    kinds = {m: c.dataset for m, c in members.items() if c.dataset == "ring"}
    if kinds:
        raise ConfigError(f"members {', '.join(kinds)} train on the ring; compare ranks image runs by FID and KID. "
                          "Evaluate ring runs with gan-course evaluate")
    return Comparison(name=name, description=str(data.get("description") or ""), source=source, out_dir=out_dir,
                      members=members, evaluate=evaluate)


# --- train or reuse ------------------------------------------------------------------------------

def plan_member(config, *, force: bool = False) -> tuple[str, str]:
    """What to do for one member: ``("train" | "reuse" | "resume", why)``.

    Raises ConfigError when the run directory holds a run of another configuration (and not ``force``).
    """
    from ..train.checkpoint import load_checkpoint
    from ..train.config import config_from_dict, config_to_dict, resolve
    from ..train.state import check_same_run

    run_dir = Path(config.out_dir) / config.name
    latest = RunDir(run_dir).latest
    if force:
        return "train", "--force" if latest.is_file() else "new run"
    if not latest.is_file():
        return "train", "new run"
    state = load_checkpoint(latest, required=("config", "finished"))
    stored = resolve(config_from_dict(state["config"]))
    now, then = config_to_dict(config), config_to_dict(stored)
    differ = [k for k in now if k not in IGNORED_FOR_REUSE and now[k] != then.get(k)]
    if not differ and state["finished"]:
        return "reuse", f"a finished run with the same config, {state['epoch']} epoch(s)"
    try:
        check_same_run(config, stored, latest)
    except CheckpointError:
        raise ConfigError(f"{run_dir} holds a run with another configuration ({', '.join(differ)} differ); pass "
                          "--force to retrain it, or --out to compare elsewhere") from None
    if stored.epochs > config.epochs:
        raise ConfigError(f"{run_dir} holds a run of {stored.epochs} epochs but {config.epochs} are asked for; "
                          "pass --force to retrain it, or --epochs " + str(stored.epochs))
    return "resume", f"unfinished run at epoch {state['epoch']} of {config.epochs}"


def _evaluation(run_dir: Path, request: dict, *, force: bool, log: Callable[[str], None]) -> tuple[dict, bool]:
    """``(metrics, computed)``: run_dir's metrics.json when it matches the request and checkpoint, else fresh."""
    run = RunDir(run_dir)
    if run.metrics.is_file() and not force:
        try:
            stored = json.loads(run.metrics.read_text())
            checkpoint, _ = run.find_checkpoint(request.get("checkpoint", "best"))
            same = {k: stored["request"].get(k) for k in request} == request
            if same and stored["checkpoint"]["sha256"] == file_sha256(checkpoint):
                return stored, False
        except (ValueError, KeyError, TypeError, OSError):
            pass  # unreadable or old: evaluate again
    log(f"evaluating ({request['samples'] or 'default'} samples, {request['split']} split)")
    return evaluate_run(run_dir, **request), True


def _row(member: str, metrics: dict, *, trained: bool, run_dir: Path, out_dir: Path) -> dict:
    values, training = metrics["metrics"], metrics.get("training") or {}
    protocol = metrics["protocols"].get("fid", {})
    return {"strategy": member, "fid": values.get("fid"), "kid_mean": values.get("kid_mean"),
            "kid_std": values.get("kid_std"), "fid_floor": values.get("fid_floor"),
            "train_time_s": training.get("train_time_s"), "s_per_epoch": training.get("s_per_epoch"),
            "best_epoch": training.get("best_epoch"), "eval_overhead": training.get("eval_overhead"),
            "feature": protocol.get("feature"), "n_generated": protocol.get("n_fake"),
            "n_real": protocol.get("n_real"), "split": protocol.get("real_split"),
            "epochs": training.get("epochs"), "checkpoint_epoch": metrics["checkpoint"]["epoch"],
            "trained": trained, "run_dir": paths.portable(run_dir, out_dir)}


def write_csv_atomic(path: Path, rows: list[dict], columns) -> Path:
    """Rows as CSV with exactly ``columns`` (None -> empty cell), written through a temporary file."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(["" if row.get(c) is None else row.get(c) for c in columns] for row in rows)
    return write_text_atomic(path, buffer.getvalue())


# --- the whole comparison ------------------------------------------------------------------------

def _dry_run(comparison: Comparison, plans: dict, log: Callable[[str], None]) -> dict:
    from ..data import synthetic_like
    from ..train import train

    with tempfile.TemporaryDirectory(prefix="gan-course-dry-run-") as tmp:
        for member, config in comparison.members.items():
            data = synthetic_like(config.dataset, n=2 * config.batch_size, image_size=config.image_size,
                                  seed=config.seed)
            train(dataclasses.replace(config, out_dir=tmp, epochs=1, max_steps=2, progress=False), data=data)
            log(f"dry run: {member}: config valid, 2 steps on synthetic data ran; would {plans[member][0]} "
                f"({plans[member][1]}) in {Path(config.out_dir) / config.name}")
    log(f"dry run: would write {comparison.out_dir}/comparison.csv, comparison.json, fid.png, kid.png, time.png, "
        "losses.png, class_grids.png")
    return {"name": comparison.name, "out_dir": str(comparison.out_dir), "dry_run": True,
            "plans": {m: list(p) for m, p in plans.items()}}


def _cache_validation_stats(comparison, plans: dict, log) -> None:
    """Real statistics for the members' validation FID, computed once before any member trains
    (shared by all of them, so no member's evaluation overhead pays for it)."""
    from ..train.validation import cache_validation_stats

    done = set()
    for member, cfg in comparison.members.items():
        key = (cfg.dataset, cfg.fid_samples)
        if plans[member][0] != "reuse" and key not in done and cache_validation_stats(cfg):
            log(f"validation FID: real statistics of {cfg.fid_samples} {cfg.dataset} training images cached")
            done.add(key)


def compare(config: str | os.PathLike, *, out: str | os.PathLike | None = None, epochs: int | None = None,
            samples: int | None = None, force: bool = False, dry_run: bool = False,
            log: Callable[[str], None] = print) -> dict:
    """Train (or reuse) every member of a comparison, evaluate each, write the table and figures.

    config: a comparison YAML path or a shipped name (``compare-cgan-fashion``, ``cgan-fashion``).
    out: output directory (default ``<runs>/compare-<name>/``); epochs: every member's epochs;
    samples: evaluation samples; force: retrain and re-evaluate every member; dry_run: check
    the members and run two steps of each on synthetic data, writing nothing.
    log: where progress lines go (one per step per member).

    Returns what ``comparison.json`` holds: ``rows`` (one per member, the CSV's columns), each
    member's full ``metrics`` (with protocols), ``columns`` and ``out_dir``.
    """
    from ..train import train

    comparison = load_comparison(config, out=out, epochs=epochs, samples=samples)
    plans = {member: plan_member(cfg, force=force) for member, cfg in comparison.members.items()}
    if dry_run:
        return _dry_run(comparison, plans, log)
    request = {"samples": None, "feature": None, "split": "test", "checkpoint": "best", "seed": 0, "per_class": True,
               **comparison.evaluate}
    rows, members, total = [], {}, len(comparison.members)
    _cache_validation_stats(comparison, plans, log)
    for index, (member, cfg) in enumerate(comparison.members.items(), 1):
        tag = f"[{index}/{total}] {member}"
        action, why = plans[member]
        run_dir = Path(cfg.out_dir) / cfg.name
        if action == "reuse":
            log(f"{tag}: reusing {run_dir} ({why})")
        else:
            log(f"{tag}: {'resuming' if action == 'resume' else 'training'} {cfg.model} {cfg.strategy} on "
                f"{cfg.dataset}, {cfg.epochs} epochs ({why}) -> {run_dir}")
            started = time.perf_counter()
            result = train(cfg, resume=action == "resume", overwrite=action == "train")
            extra = result.wall_time - result.train_time
            log(f"{tag}: trained {result.epochs} epoch(s) in {result.train_time:.1f} s (+{extra:.1f} s sampling, "
                f"evaluation and plots; {time.perf_counter() - started:.1f} s in all)")
        metrics, computed = _evaluation(run_dir, request, force=force or action != "reuse",
                                        log=lambda line: log(f"{tag}: {line}"))
        row = _row(member, metrics, trained=action != "reuse", run_dir=run_dir, out_dir=comparison.out_dir)
        log(f"{tag}: {'' if computed else 'reused metrics.json: '}FID {_fmt(row['fid'])} "
            f"(floor {_fmt(row['fid_floor'])}), "
            f"KID {_fmt(row['kid_mean'])} +- {_fmt(row['kid_std'])}, {_fmt(row['s_per_epoch'])} s/epoch, "
            f"evaluation overhead {_fmt(100 * row['eval_overhead'] if row['eval_overhead'] is not None else None)} %")
        rows.append(row)
        members[member] = metrics
    out_dir = comparison.out_dir
    write_csv_atomic(out_dir / "comparison.csv", rows, CSV_COLUMNS + PROTOCOL_COLUMNS)
    from .compare_plots import write_comparison_plots

    run_dirs = {m: Path(c.out_dir) / c.name for m, c in comparison.members.items()}
    figures = write_comparison_plots(out_dir, rows, run_dirs, title=comparison.name)
    result = {"name": comparison.name, "description": comparison.description, "source": paths.portable(comparison.source),
              "out_dir": paths.portable(out_dir), "columns": list(CSV_COLUMNS + PROTOCOL_COLUMNS), "rows": rows,
              "members": members, "figures": [p.name for p in figures],
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    write_json_atomic(out_dir / "comparison.json", result)
    log(f"wrote {out_dir}/comparison.csv, comparison.json and {', '.join(p.name for p in figures)}")
    return result


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.4g}"
