"""Compare training runs that differ in one choice (the loss strategy, a learning-rate schedule):
train or reuse each, evaluate each with the full protocol, and write one table and its figures.

A comparison is a YAML file (shipped ones: ``gan_course/configs/compare-*.yaml``)::

    # what the comparison is for
    name: cgan-fashion                      # output: <runs>/compare-cgan-fashion/
    common: {epochs: 10, fid_every: 1}      # overrides for every member (optional)
    seeds: [0, 1, 2]                        # train every member once per seed (optional)
    evaluate: {samples: 10000, split: test} # evaluate_run arguments (optional)
    members:
      bce: cgan-fashion-bce                 # a shipped config name or a YAML path
      constant-lr: {config: dcgan-fashion-two-stage, lr_schedule: none}   # config + overrides

Each member's configuration is its config file, then ``common``, then its own overrides, then
``--epochs``; its run directory is ``<out>/<member>/``, or with ``seeds`` one per seed,
``<out>/<member>/seed-<s>/`` (:mod:`gan_course.experiments.seeds`). A finished run whose stored config
equals the member's is reused, an unfinished one is resumed, a different one is refused unless
``force`` retrains it. The evaluation (:func:`gan_course.experiments.evaluate.evaluate_run`) is reused too
when the run's ``metrics.json`` was computed for the same checkpoint and the same request.

The output directory gets ``comparison.csv`` (columns :data:`CSV_COLUMNS`, then
:data:`PROTOCOL_COLUMNS`), ``comparison.json`` (the same rows with every protocol),
``fid.png`` (with the real-vs-real floor), ``kid.png`` (std as error bars), ``time.png``,
``class_acc.png`` (conditional members), ``losses.png`` (D and G losses overlaid) and
``class_grids.png`` (samples per class, side by side). With ``seeds``, ``comparison.csv`` holds
each member's mean and standard deviation over its seeds (:data:`~gan_course.experiments.seeds.SUMMARY_COLUMNS`),
``comparison_seeds.csv`` one row per member and seed, ``comparison.json`` both (``rows`` and
``seed_rows``) and ``seeds``, and the bar charts show the means with the std over seeds as error
bars (losses and sample grids: each member's first seed).
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
from pathlib import Path
from typing import Callable

from .. import paths
from ..errors import CheckpointError, ConfigError
from ..atomic import write_json_atomic, write_text_atomic
from ..run_dir import RunDir
from .comparison_file import Comparison, load_comparison, shipped_comparisons
from .evaluate import evaluate_run, file_sha256
from .seeds import SEEDS_CSV, SUMMARY_COLUMNS, SUMMARY_PROTOCOL_COLUMNS, seed_columns, summarise

# class_acc: the shipped classifier's accuracy on generated images per requested class (conditional runs)
CSV_COLUMNS = ("strategy", "fid", "kid_mean", "kid_std", "fid_floor", "class_acc", "train_time_s", "s_per_epoch",
               "best_epoch", "eval_overhead")
PROTOCOL_COLUMNS = ("feature", "n_generated", "n_real", "split", "epochs", "checkpoint_epoch", "trained", "run_dir")
# config fields that do not change what a run computes: a stored run differing only in them is reused
IGNORED_FOR_REUSE = ("progress", "device", "out_dir", "name", "threads", "tensorboard")
__all__ = ["CSV_COLUMNS", "IGNORED_FOR_REUSE", "PROTOCOL_COLUMNS", "Comparison", "compare", "load_comparison",
           "plan_member", "shipped_comparisons", "write_csv_atomic"]


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


def _row(member: str, metrics: dict, *, trained: bool, run_dir: Path, out_dir: Path, seed: int | None = None) -> dict:
    values, training = metrics["metrics"], metrics.get("training") or {}
    protocol = metrics["protocols"].get("fid", {})
    seed_column = {} if seed is None else {"seed": seed}
    return {"strategy": member, **seed_column, "fid": values.get("fid"), "kid_mean": values.get("kid_mean"),
            "kid_std": values.get("kid_std"), "fid_floor": values.get("fid_floor"),
            "class_acc": values.get("class_accuracy"),
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

def _label(member: str, seed: int | None, config) -> str:
    """A run's name in logs and plans: the member, or ``<member>/seed-<s>`` (its folder in the output)."""
    return member if seed is None else f"{member}/{config.name}"


def _dry_run(comparison: Comparison, plans: dict, log: Callable[[str], None]) -> dict:
    from ..data import synthetic_like
    from ..train import train

    with tempfile.TemporaryDirectory(prefix="gan-course-dry-run-") as tmp:
        checked = set()
        for member, seed, config in comparison.runs():
            label = _label(member, seed, config)
            if member not in checked:  # the seeds of a member differ only in their seed: check one
                data = synthetic_like(config.dataset, n=2 * config.batch_size, image_size=config.image_size,
                                      seed=config.seed)
                train(dataclasses.replace(config, out_dir=tmp, epochs=1, max_steps=2, progress=False), data=data)
                log(f"dry run: {member}: config valid, 2 steps on synthetic data ran")
                checked.add(member)
            log(f"dry run: {label}: would {plans[label][0]} ({plans[label][1]}) in {Path(config.out_dir) / config.name}")
    extra = f", {SEEDS_CSV}" if comparison.seeds is not None else ""
    log(f"dry run: would write {comparison.out_dir}/comparison.csv{extra}, comparison.json, fid.png, kid.png, "
        "time.png, class_acc.png (conditional members), losses.png, class_grids.png")
    return {"name": comparison.name, "out_dir": str(comparison.out_dir), "dry_run": True, "seeds": comparison.seeds,
            "plans": {m: list(p) for m, p in plans.items()}}


def _cache_validation_stats(comparison, plans: dict, log) -> None:
    """Real statistics for the members' validation FID, computed once before any member trains
    (shared by all of them, so no member's evaluation overhead pays for it)."""
    from ..train.validation import cache_validation_stats

    done = set()
    for member, seed, cfg in comparison.runs():
        key = (cfg.dataset, cfg.fid_samples)
        if plans[_label(member, seed, cfg)][0] != "reuse" and key not in done and cache_validation_stats(cfg):
            log(f"validation FID: real statistics of {cfg.fid_samples} {cfg.dataset} training images cached")
            done.add(key)


def _train_and_evaluate(cfg, *, tag: str, plan: tuple[str, str], request: dict, force: bool, log) -> tuple[dict, bool]:
    """Train, resume or reuse one run, then evaluate it (or reuse its metrics.json): ``(metrics, trained)``."""
    from ..train import train

    action, why = plan
    run_dir = Path(cfg.out_dir) / cfg.name
    if action == "reuse":
        log(f"{tag}: reusing {run_dir} ({why})")
    else:
        log(f"{tag}: {'resuming' if action == 'resume' else 'training'} {cfg.model} {cfg.strategy} on "
            f"{cfg.dataset}, {cfg.epochs} epochs, seed {cfg.seed} ({why}) -> {run_dir}")
        started = time.perf_counter()
        result = train(cfg, resume=action == "resume", overwrite=action == "train")
        extra = result.wall_time - result.train_time
        log(f"{tag}: trained {result.epochs} epoch(s) in {result.train_time:.1f} s (+{extra:.1f} s sampling, "
            f"evaluation and plots; {time.perf_counter() - started:.1f} s in all)")
    metrics, computed = _evaluation(run_dir, request, force=force or action != "reuse",
                                    log=lambda line: log(f"{tag}: {line}"))
    values = metrics["metrics"]
    accuracy = values.get("class_accuracy")
    log(f"{tag}: {'' if computed else 'reused metrics.json: '}FID {_fmt(values.get('fid'))} "
        f"(floor {_fmt(values.get('fid_floor'))}), KID {_fmt(values.get('kid_mean'))} +- {_fmt(values.get('kid_std'))}"
        + (f", class accuracy {_fmt(accuracy)}" if accuracy is not None else "")
        + f", {_fmt((metrics.get('training') or {}).get('s_per_epoch'))} s/epoch")
    return metrics, action != "reuse"


def compare(config: str | os.PathLike, *, out: str | os.PathLike | None = None, epochs: int | None = None,
            samples: int | None = None, seeds=None, force: bool = False, dry_run: bool = False,
            log: Callable[[str], None] = print) -> dict:
    """Train (or reuse) every member of a comparison (once per seed with ``seeds``), evaluate each
    run, write the table and figures.

    config: a comparison YAML path or a shipped name (``compare-cgan-fashion``, ``cgan-fashion``).
    out: output directory (default ``<runs>/compare-<name>/``); epochs: every member's epochs;
    samples: evaluation samples; seeds: training seeds, overriding the file's ``seeds`` (a list
    of ints); force: retrain and re-evaluate every run; dry_run: check the members and run two
    steps of each on synthetic data, writing nothing. log: where progress lines go.

    Returns what ``comparison.json`` holds: ``rows`` (one per member: the CSV's columns; with
    seeds, the means and stds over seeds), ``columns``, each member's full ``metrics`` (with
    protocols; with seeds ``{seed: metrics}``), ``out_dir``, and with seeds ``seeds``,
    ``seed_columns`` and ``seed_rows`` (one per member and seed).
    """
    comparison = load_comparison(config, out=out, epochs=epochs, samples=samples, seeds=seeds)
    runs = comparison.runs()
    plans = {_label(m, s, c): plan_member(c, force=force) for m, s, c in runs}
    if dry_run:
        return _dry_run(comparison, plans, log)
    request = {"samples": None, "feature": None, "split": "test", "checkpoint": "best", "seed": 0, "per_class": True,
               **comparison.evaluate}
    out_dir, rows, members = comparison.out_dir, [], {}
    _cache_validation_stats(comparison, plans, log)
    for index, (member, seed, cfg) in enumerate(runs, 1):
        label = _label(member, seed, cfg)
        metrics, trained = _train_and_evaluate(cfg, tag=f"[{index}/{len(runs)}] {label}", plan=plans[label],
                                               request=request, force=force, log=log)
        rows.append(_row(member, metrics, trained=trained, run_dir=Path(cfg.out_dir) / cfg.name, out_dir=out_dir,
                         seed=seed))
        if seed is None:
            members[member] = metrics
        else:
            members.setdefault(member, {})[str(seed)] = metrics
    first_runs = {}
    for member, _, cfg in runs:
        first_runs.setdefault(member, Path(cfg.out_dir) / cfg.name)  # losses and grids: each member's first seed
    result = {"name": comparison.name, "description": comparison.description,
              "source": paths.portable(comparison.source), "out_dir": paths.portable(out_dir)}
    if comparison.seeds is None:
        columns = CSV_COLUMNS + PROTOCOL_COLUMNS
        result.update(columns=list(columns), rows=rows)
    else:
        columns = SUMMARY_COLUMNS + SUMMARY_PROTOCOL_COLUMNS
        summary = [summarise(m, [r for r in rows if r["strategy"] == m]) for m in comparison.members]
        per_seed = seed_columns(CSV_COLUMNS, PROTOCOL_COLUMNS)
        write_csv_atomic(out_dir / SEEDS_CSV, rows, per_seed)
        result.update(seeds=comparison.seeds, columns=list(columns), rows=summary, seed_columns=list(per_seed),
                      seed_rows=rows)
        for row in summary:
            log(f"{row['strategy']}: over {row['n_seeds']} seeds FID {_fmt(row['fid_mean'])} +- {_fmt(row['fid_std'])}, "
                f"KID {_fmt(row['kid_mean'])} +- {_fmt(row['kid_std'])}"
                + (f", class accuracy {_fmt(row['class_acc_mean'])} +- {_fmt(row['class_acc_std'])}"
                   if row["class_acc_mean"] is not None else ""))
    write_csv_atomic(out_dir / "comparison.csv", result["rows"], columns)
    from .compare_plots import write_comparison_plots

    figures = write_comparison_plots(out_dir, result["rows"], first_runs, title=comparison.name,
                                     seeds=comparison.seeds)
    result.update(members=members, figures=[p.name for p in figures],
                  date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
    write_json_atomic(out_dir / "comparison.json", result)
    tables = "comparison.csv" + (f", {SEEDS_CSV}" if comparison.seeds is not None else "")
    log(f"wrote {out_dir}/{tables}, comparison.json and {', '.join(p.name for p in figures)}")
    return result


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.4g}"
