"""A comparison file (``gan_course/configs/compare-*.yaml``, or a path): its members, each a
training configuration, its optional training seeds and its evaluation request, read and checked.

The format and what a comparison does with it: :mod:`gan_course.experiments.compare`; the seeds:
:mod:`gan_course.experiments.seeds` (Lucic et al. 2018: rank losses over several seeds).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import paths
from ..errors import ConfigError
from .seeds import parse_seeds, seed_run_name

COMPARISON_KEYS = ("name", "description", "common", "seeds", "evaluate", "members")
EVALUATE_KEYS = ("samples", "split", "feature", "seed", "per_class")


@dataclass
class Comparison:
    """A loaded comparison: ``members`` maps a member name to its resolved TrainConfig; ``seeds``
    lists the training seeds (None: each member runs once, with its own seed)."""

    name: str
    description: str
    source: Path
    out_dir: Path
    members: dict
    evaluate: dict
    seeds: list[int] | None = None

    def runs(self) -> list[tuple[str, int | None, object]]:
        """``(member, seed, config)`` of every run, member by member: one per member (seed None,
        run directory ``<out>/<member>/``), or one per member and seed (``<out>/<member>/seed-<s>/``)."""
        if self.seeds is None:
            return [(member, None, config) for member, config in self.members.items()]
        return [(member, seed, dataclasses.replace(config, seed=seed, name=seed_run_name(seed),
                                                   out_dir=str(self.out_dir / member)))
                for member, config in self.members.items() for seed in self.seeds]


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
                    samples: int | None = None, seeds=None) -> Comparison:
    """Read and resolve a comparison file (a path, or a shipped name such as ``compare-cgan-fashion``).

    out: the output directory (default ``<runs>/compare-<name>/``); epochs: override every
    member's epochs; samples: override the evaluation's sample count; seeds: override the
    file's ``seeds`` (a list of ints). Raises ConfigError naming the fix for unknown keys, bad
    member names, bad seeds and invalid member configurations.
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
    seeds = (parse_seeds(seeds, source="--seeds") if seeds is not None
             else parse_seeds(data.get("seeds"), source=str(source)))
    if seeds is not None:
        _check_no_member_seed(data, source)
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
                      members=members, evaluate=evaluate, seeds=seeds)


def _check_no_member_seed(data: dict, source: Path) -> None:
    """With ``seeds``, a ``seed`` in ``common`` or a member's overrides would be silently replaced: refuse it."""
    places = ["common"] if "seed" in (data.get("common") or {}) else []
    places += [f"member {m}" for m, spec in data["members"].items() if isinstance(spec, dict) and "seed" in spec]
    if places:
        raise ConfigError(f"{source} sets seed in {', '.join(places)} and also lists seeds; every member runs once per "
                          "seed of 'seeds', so remove 'seed' there (or drop 'seeds' to run each member once)")


