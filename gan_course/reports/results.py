"""Stored results of the course book: small artefacts copied out of run directories, and their
reading back.

A run directory (``runs/<name>/``, see ``docs/ARCHITECTURE.md``) holds checkpoints of tens of
megabytes; the book needs only what a report shows. :func:`collect_run` copies those small
files into ``book/results/<name>/`` and :func:`collect_comparison` does the same for a
``gan-course compare`` output and its members. Checkpoints and TensorBoard event files are never
copied. :func:`load_result` reads a stored result back for a chapter.

Layout of one stored run (every file optional except ``history.json``)::

    config.yaml  history.json (steps and epochs)  history.csv (epochs)  metrics.json
    plots/*.png  samples/epoch_XXXX.png (a selection)  samples/interpolation_*.png

A stored comparison adds ``comparison.csv``, ``comparison.json``, its figures, one stored run
per member in ``<member>/``, and ``run.json`` (:mod:`gan_course.reports.provenance`). A
comparison over several seeds (:mod:`gan_course.experiments.seeds`) also has
``comparison_seeds.csv`` and stores one run per member and seed in ``<member>/seed-<s>/``;
its ``comparison.csv`` holds each member's mean and std over seeds.
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import yaml

from .. import paths
from ..atomic import copy_atomic, write_text_atomic
from ..errors import ResultError
from ..experiments.seeds import SEEDS_CSV, seed_run_name
from ..run_dir import (CHECKPOINT_DIR, CONFIG_FILE, HISTORY_CSV, HISTORY_FILE, METRICS_FILE, TENSORBOARD_DIR, RunDir,
                       read_history)
from .provenance import read_run_record

RUN_FILES = (CONFIG_FILE, HISTORY_FILE, HISTORY_CSV, METRICS_FILE)  # history_steps.csv: in history.json
COMPARISON_FILES = ("comparison.csv", "comparison.json")
OPTIONAL_COMPARISON_FILES = (SEEDS_CSV,)  # only a comparison over seeds has them
NEVER_COPIED = (CHECKPOINT_DIR, TENSORBOARD_DIR)  # large or binary: not results


def _copy(source: Path, dest: Path) -> Path:
    return copy_atomic(source, dest)


def _portable_out_dir(config: Path) -> None:
    """A stored ``config.yaml`` records its ``out_dir`` relative to the checkout (or only its
    name), never as an absolute path of the machine that ran it; every other line stays as is."""
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("out_dir:"):
            value = yaml.safe_load(line).get("out_dir")
            if value is not None:
                lines[i] = yaml.safe_dump({"out_dir": paths.portable(value)}, default_flow_style=False)
    write_text_atomic(config, "".join(lines))


def epoch_grids(run_dir: str | os.PathLike) -> dict[int, Path]:
    """``{epoch: path}`` of a run's per-epoch sample grids (``samples/epoch_XXXX.png``), sorted."""
    return RunDir(run_dir).epoch_grids()


def collect_run(run_dir: str | os.PathLike, dest: str | os.PathLike, *, grids: str | int = "last") -> list[Path]:
    """Copy the small artefacts of ``run_dir`` into ``dest``; returns the files written.

    grids: which per-epoch sample grids to keep: ``"last"``, ``"all"``, or an int k (every
    k-th epoch, plus the first and the last). Interpolation strips (``samples/interpolation_*``)
    and every plot are kept. Raises ResultError when ``run_dir`` has no ``history.json``.
    """
    run, copy = RunDir(run_dir), RunDir(dest)
    if not run.history.is_file():
        raise ResultError(f"{run.path} holds no {HISTORY_FILE}; train it first (gan-course train) or check the path")
    written = [_copy(run.path / name, copy.path / name) for name in RUN_FILES if (run.path / name).is_file()]
    if copy.config.is_file():
        _portable_out_dir(copy.config)
    written += [_copy(p, copy.plot(p.name)) for p in sorted(run.plots.glob("*.png"))]
    written += [_copy(p, copy.sample_file(p.name)) for p in sorted(run.samples.glob("interpolation_*.png"))]
    for epoch, path in _select_grids(run.epoch_grids(), grids).items():
        written.append(_copy(path, copy.sample_file(path.name)))
    return written


def _select_grids(grids: dict[int, Path], which: str | int) -> dict[int, Path]:
    if not grids:
        return {}
    epochs = list(grids)
    if which == "all":
        keep = epochs
    elif which == "last":
        keep = epochs[-1:]
    elif isinstance(which, int) and which >= 1:
        keep = [e for e in epochs if e % which == 0 or e in (epochs[0], epochs[-1])]
    else:
        raise ValueError(f"grids must be 'last', 'all' or a positive int, got {which!r}")
    return {e: grids[e] for e in keep}


def collect_comparison(out_dir: str | os.PathLike, dest: str | os.PathLike, *,
                       grids: str | int | dict[str, str | int] = "last") -> list[Path]:
    """Copy a ``gan-course compare`` output (tables, JSON, figures) and each run's small
    artefacts (into ``dest/<member>/``, or ``dest/<member>/seed-<s>/`` for a comparison over
    seeds; see :func:`collect_run`); returns the files written.

    grids: as in :func:`collect_run`, or a mapping member -> that value ("last" for members
    it does not name)."""
    out_dir, dest = Path(out_dir), Path(dest)
    if not (out_dir / "comparison.json").is_file():
        raise ResultError(f"{out_dir} holds no comparison.json; run gan-course compare first or check the path")
    written = [_copy(out_dir / name, dest / name) for name in COMPARISON_FILES]
    written += [_copy(out_dir / name, dest / name) for name in OPTIONAL_COMPARISON_FILES if (out_dir / name).is_file()]
    written += [_copy(p, dest / p.name) for p in sorted(out_dir.glob("*.png"))]
    comparison = json.loads((out_dir / "comparison.json").read_text(encoding="utf-8"))
    seeded = comparison.get("seeds") is not None
    for row in comparison["seed_rows"] if seeded else comparison["rows"]:
        member = row["strategy"]
        which = grids.get(member, "last") if isinstance(grids, dict) else grids
        stored = dest / member / seed_run_name(row["seed"]) if seeded else dest / member
        written += collect_run(out_dir / row["run_dir"], stored, grids=which)  # run_dir: relative to out_dir
    return written


def folder_size(path: str | os.PathLike) -> int:
    """Bytes of every file below ``path``."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def _number(text: str) -> Any:
    """A CSV cell as a number when it is one (``""`` -> None), else the text."""
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return {"True": True, "False": False}.get(text, text)


def read_csv_rows(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The rows of a CSV file as dicts, numbers parsed (empty cells -> None)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(handle)]


@dataclass(frozen=True)
class StoredResult:
    """One folder of ``book/results/``: a run, or a comparison whose members are subfolders."""

    name: str
    path: Path

    @property
    def record(self) -> dict[str, Any]:
        """The ``run.json`` provenance (commands, seed, version, hardware, wall time)."""
        return read_run_record(self.path)

    def file(self, relative: str, member: str | None = None) -> Path:
        """Path of a stored file (``member``: inside that member's folder); ResultError if missing."""
        path = self.path / member / relative if member else self.path / relative
        if not path.is_file():
            raise ResultError(f"the stored result {self.name!r} has no {path.relative_to(self.path)}; "
                              "re-create it with book/reproduce.py")
        return path

    def json(self, relative: str, member: str | None = None) -> Any:
        return json.loads(self.file(relative, member).read_text(encoding="utf-8"))

    def run(self, member: str | None = None) -> RunDir:
        """The stored run (or the member's) with the file names of a run directory."""
        return RunDir(self.path / member if member else self.path)

    def history(self, member: str | None = None) -> dict:
        """``history.json`` (the trainer's columnar history), read by :func:`~gan_course.run_dir.read_history`."""
        return read_history(self.file(HISTORY_FILE, member))

    def metrics(self, member: str | None = None) -> dict:
        """``metrics.json`` written by ``gan-course evaluate``."""
        return self.json(METRICS_FILE, member)

    def config(self, member: str | None = None) -> dict:
        """The resolved training configuration (``config.yaml``)."""
        return yaml.safe_load(self.file(CONFIG_FILE, member).read_text(encoding="utf-8"))

    def comparison(self) -> list[dict[str, Any]]:
        """The rows of ``comparison.csv`` (one per member), numbers parsed."""
        return read_csv_rows(self.file("comparison.csv"))

    def members(self) -> list[str]:
        """Member names of a stored comparison, in the table's order."""
        return [row["strategy"] for row in self.comparison()]

    def seeds(self) -> list[int] | None:
        """The training seeds of a stored comparison over seeds; None for one run per member."""
        return self.json("comparison.json").get("seeds")

    def require_seeds(self, minimum: int = 2) -> list[int]:
        """The seeds of a comparison over seeds; ResultError naming the fix when the stored
        result has none (one run per member) or fewer than ``minimum``."""
        seeds = self.seeds()
        if seeds is None or len(seeds) < minimum:
            found = "no seeds (one run per member)" if seeds is None else f"only seeds {seeds}"
            raise ResultError(f"the stored result {self.name!r} has {found}, but a ranking over seeds needs at least "
                              f"{minimum}; re-create it with `book/reproduce.py --only {self.name}` from a comparison "
                              "file with 'seeds: [0, 1, 2]'")
        return seeds

    def require(self, *, members: Sequence[str] = (), epoch_values: Sequence[str] = ()) -> list[str]:
        """The members of a stored comparison, after checking that ``members`` are all among them
        and that every member's history holds at least one value of each per-epoch column in
        ``epoch_values`` (e.g. ``val_fid``, written only with ``fid_every``). ResultError naming
        the rerun otherwise: the stored result is older than its comparison file."""
        present = self.members()
        rerun = f"re-create it with `book/reproduce.py --only {self.name}`"
        missing = [m for m in members if m not in present]
        if missing:
            raise ResultError(f"the stored result {self.name!r} has no member(s) {', '.join(missing)} (it has "
                              f"{', '.join(present)}): it predates its comparison file; {rerun}")
        for column in epoch_values:
            empty = [m for m in present if not any(v is not None for v in self.history(m)["epochs"].get(column) or [])]
            if empty:
                raise ResultError(f"the stored result {self.name!r} has no per-epoch {column!r} values for "
                                  f"{', '.join(empty)} (trained without the setting that writes them, e.g. "
                                  f"fid_every: 1 for val_fid); {rerun}")
        return present

    def seed_rows(self) -> list[dict[str, Any]]:
        """The rows of ``comparison_seeds.csv`` (one per member and seed), numbers parsed."""
        return read_csv_rows(self.file(SEEDS_CSV))

    def runs(self) -> list[str]:
        """Every stored run of a comparison, relative to it: ``<member>``, or ``<member>/seed-<s>``
        for a comparison over seeds (pass one as ``member`` to :meth:`history`, :meth:`config` ...)."""
        if self.seeds() is None:
            return self.members()
        return [f"{row['strategy']}/{seed_run_name(row['seed'])}" for row in self.seed_rows()]

    def grids(self, member: str | None = None) -> dict[int, Path]:
        """``{epoch: path}`` of the stored per-epoch sample grids."""
        return self.run(member).epoch_grids()


def load_result(name: str, *, root: str | os.PathLike | None = None) -> StoredResult:
    """The stored result ``name`` under ``root`` (default ``gan_course.paths.book_results_dir()``)."""
    root = Path(root) if root is not None else paths.book_results_dir()
    path = root / name
    if not path.is_dir():
        present = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        raise ResultError(f"no stored result {name!r} in {root} (present: {', '.join(present) or 'none'}); "
                          "run book/reproduce.py to create it")
    return StoredResult(name=name, path=path)


def finite(value: Any) -> bool:
    """True for a real, finite number (not None, NaN or text)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
