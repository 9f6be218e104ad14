"""Comparisons over several training seeds: the ``seeds`` of a comparison file, where each seed's run
lives, and each member's mean and standard deviation over its seeds.

A GAN's score moves with its training seed (initialisation, data order, noise). Lucic et al. 2018
("Are GANs Created Equal? A Large-Scale Study", https://arxiv.org/abs/1711.10337) found that the
spread over seeds is often as large as the gap between losses, so a ranking of losses must rest
on several seeds and report their spread. A comparison with ``seeds: [0, 1, 2]`` trains every
member once per seed, into ``<out>/<member>/seed-<s>/``, and reports per member:

- :data:`SUMMARY_COLUMNS` (``comparison.csv``): the number of seeds, and the mean and sample
  standard deviation (``ddof=1``; None with one seed) over seeds of FID, KID (each seed's KID mean
  over subsets) and, for conditional models, the class accuracy of the shipped classifier on the
  generated images per requested class; the real-vs-real floor and the mean training time;
- :data:`SEED_COLUMNS` (``comparison_seeds.csv``): one row per member and seed, the columns of a
  comparison without seeds plus ``seed``.

Without ``seeds`` a comparison runs each member once, with its config's own seed, in
``<out>/<member>/`` (the layout of :mod:`gan_course.experiments.compare`).
"""

from __future__ import annotations

import math
import statistics
from typing import Iterable

from ..errors import ConfigError

SEED_DIR = "seed-{seed}"  # a seed's run directory inside its member's folder
SEEDS_CSV = "comparison_seeds.csv"  # the per-seed rows, beside comparison.csv (the means)
# the scores averaged over seeds: (row key of one run, summary prefix)
SCORES = (("fid", "fid"), ("kid_mean", "kid"), ("class_acc", "class_acc"), ("train_time_s", "train_time_s"))
SUMMARY_COLUMNS = ("strategy", "n_seeds", "seeds", "fid_mean", "fid_std", "kid_mean", "kid_std", "class_acc_mean",
                   "class_acc_std", "fid_floor", "train_time_s_mean", "train_time_s_std", "s_per_epoch_mean",
                   "eval_overhead_mean")
SUMMARY_PROTOCOL_COLUMNS = ("feature", "n_generated", "n_real", "split", "epochs", "run_dir")


def seed_columns(csv_columns: Iterable[str], protocol_columns: Iterable[str]) -> tuple[str, ...]:
    """The per-seed CSV's columns: a comparison's columns with ``seed`` after ``strategy``."""
    columns = tuple(csv_columns)
    return (columns[0], "seed", *columns[1:], *protocol_columns)


def seed_run_name(seed: int) -> str:
    """The folder of one seed's run inside its member's folder: ``seed-0``."""
    return SEED_DIR.format(seed=seed)


def parse_seeds(value, *, source: str) -> list[int] | None:
    """The seeds of a comparison (YAML ``seeds:`` or ``--seeds``) as a list of distinct
    non-negative ints; None when ``value`` is None (each member runs once, with its own seed).

    Accepts ints and integer strings (``"2"`` from the command line). Raises ConfigError naming
    the fix for an empty list, a non-integer, a negative seed or a repeated seed.
    """
    if value is None:
        return None
    example = "e.g. seeds: [0, 1, 2] (or --seeds 0 1 2)"
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise ConfigError(f"seeds in {source} must be a non-empty list of integers, got {value!r}; {example}")
    seeds = []
    for item in value:
        seed = item
        if isinstance(item, str) and item.strip().lstrip("-").isdigit():
            seed = int(item.strip())
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ConfigError(f"seed {item!r} in {source} is not an integer; give whole numbers, {example}")
        if seed < 0:
            raise ConfigError(f"seed {seed} in {source} is negative; give seeds >= 0, {example}")
        seeds.append(seed)
    repeated = sorted({s for s in seeds if seeds.count(s) > 1})
    if repeated:
        raise ConfigError(f"seed(s) {', '.join(map(str, repeated))} appear more than once in {source}; each seed "
                          f"must be listed once (a repeated seed repeats the same run), {example}")
    return seeds


def mean_std(values: Iterable) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation (``ddof=1``) of the finite numbers in ``values``:
    ``(None, None)`` when there is none, ``(mean, None)`` when there is one."""
    numbers = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not numbers:
        return None, None
    return statistics.fmean(numbers), (statistics.stdev(numbers) if len(numbers) > 1 else None)


def summarise(member: str, rows: list[dict]) -> dict:
    """One member's summary row (:data:`SUMMARY_COLUMNS` and :data:`SUMMARY_PROTOCOL_COLUMNS`) from
    its per-seed rows (each with ``seed`` and the columns of one run, ``run_dir`` ``<member>/seed-<s>``)."""
    if not rows:
        raise ValueError(f"member {member!r} has no per-seed rows to summarise")
    summary: dict = {"strategy": member, "n_seeds": len(rows), "seeds": " ".join(str(r["seed"]) for r in rows)}
    for key, prefix in SCORES:
        summary[f"{prefix}_mean"], summary[f"{prefix}_std"] = mean_std(r.get(key) for r in rows)
    summary["fid_floor"] = mean_std(r.get("fid_floor") for r in rows)[0]  # one protocol: the same for every seed
    summary["s_per_epoch_mean"] = mean_std(r.get("s_per_epoch") for r in rows)[0]
    summary["eval_overhead_mean"] = mean_std(r.get("eval_overhead") for r in rows)[0]
    first = rows[0]
    for key in ("feature", "n_generated", "n_real", "split", "epochs"):
        summary[key] = first.get(key)
    summary["run_dir"] = first["run_dir"].rsplit("/", 1)[0]  # the member's folder, relative to the comparison
    return summary


def interval(row: dict, score: str) -> tuple[float, float] | None:
    """A summary row's ``score`` (``fid``, ``kid``, ``class_acc``) as ``(mean - std, mean + std)``:
    the error bar of the figures (a point with one seed); None when the row has no mean."""
    mean, std = row.get(f"{score}_mean"), row.get(f"{score}_std")
    if mean is None:
        return None
    return (mean - (std or 0.0), mean + (std or 0.0))


def overlapping(rows: list[dict], score: str, member: str) -> list[str]:
    """The other members whose mean +- std interval of ``score`` overlaps ``member``'s, in the
    rows' order: the members these seeds do not separate from it."""
    by_name = {row["strategy"]: row for row in rows}
    if member not in by_name:
        raise ValueError(f"no member {member!r} in the rows; members: {', '.join(by_name)}")
    own = interval(by_name[member], score)
    if own is None:
        return []
    found = []
    for name, row in by_name.items():
        other = interval(row, score)
        if name != member and other is not None and other[0] <= own[1] and own[0] <= other[1]:
            found.append(name)
    return found
