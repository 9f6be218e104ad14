"""The run directory: the one owner of a training run's file names and of finding runs and checkpoints.

``gan-course train`` writes one folder per run (``docs/ARCHITECTURE.md``)::

    runs/<name>/config.yaml  history.json  history.csv  history_steps.csv  metrics.json
                samples/epoch_XXXX.png  samples/sample_seed<S>.png  samples/interpolation_<method>.png
                checkpoints/latest.pt  checkpoints/best.pt
                plots/losses.png  plots/scores.png  (2D: plots/scatter.png  plots/critic.png)
                tensorboard/  (event files)  game/tally.json

Every reader and writer names these files through :class:`RunDir`: the trainer, ``evaluate``,
``compare``, ``monitor``, ``sample`` / ``interpolate``, the game, the book's stored results.
It only names and finds files; it reads nothing but ``history.json`` (:func:`read_history`, the
one reader of it, used by :class:`gan_course.train.history.History`, the plots, ``evaluate`` and
the book's stored results) and writes nothing. It sits in the library's bottom layer, beside
:mod:`gan_course.paths`, because every layer above reads runs (``docs/ARCHITECTURE.md``).

    run = RunDir.locate("ring-mlp-gan")       # a path, or a bare name under $GAN_COURSE_RUNS
    run.history, run.best, run.epoch_samples(3)
    path, which = run.find_checkpoint("best")  # best.pt, else latest.pt
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .errors import CheckpointError, ConfigError, HistoryError

CONFIG_FILE = "config.yaml"  # written when a run starts: what marks a run directory
HISTORY_FILE = "history.json"
HISTORY_CSV = "history.csv"  # the epoch table, for spreadsheets
HISTORY_STEPS_CSV = "history_steps.csv"
METRICS_FILE = "metrics.json"  # written by gan-course evaluate
CHECKPOINT_DIR = "checkpoints"
LATEST = "latest.pt"
BEST = "best.pt"
SAMPLES_DIR = "samples"
PLOTS_DIR = "plots"
TENSORBOARD_DIR = "tensorboard"
GAME_DIR = "game"  # gan-course game's tally of one run
TALLY_FILE = "tally.json"
CHECKPOINT_CHOICES = ("best", "latest")  # what --checkpoint accepts besides a .pt path
EPOCH_GRID = re.compile(r"epoch_(\d+)\.png$")  # samples/epoch_XXXX.png


@dataclass(frozen=True)
class RunDir:
    """The folder of one training run and the name of every file in it (nothing is read or written here)."""

    path: Path

    def __post_init__(self):
        object.__setattr__(self, "path", Path(self.path))

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    # -- finding a run -------------------------------------------------------------------------

    @classmethod
    def locate(cls, path_or_name: str | os.PathLike) -> RunDir:
        """``path_or_name`` itself when it exists (or is absolute), else ``$GAN_COURSE_RUNS/<name>``.

        Raises :class:`~gan_course.errors.CheckpointError` when neither is a directory holding
        ``config.yaml``.
        """
        given = Path(path_or_name).expanduser()
        path = given if given.exists() or given.is_absolute() else paths.runs_dir() / given
        if not path.is_dir():
            nor = "" if path == given else f", nor {path}"
            raise CheckpointError(f"{path_or_name} is not a run directory (no such directory{nor}); "
                                  "pass a directory written by 'gan-course train', e.g. runs/ring")
        run = cls(path)
        if not run.config.is_file():
            raise CheckpointError(f"{path} is not a run directory (no {CONFIG_FILE}); pass a directory written by "
                                  "'gan-course train', e.g. runs/ring")
        return run

    @classmethod
    def of(cls, path: str | os.PathLike) -> RunDir:
        """The run a path belongs to: a directory is the run itself; a file is ``checkpoints/<name>.pt``
        of the run two levels up (what ``gan-course sample RUN_OR_CHECKPOINT`` writes beside)."""
        path = Path(path)
        return cls(path if path.is_dir() else path.resolve().parent.parent)

    def is_run(self) -> bool:
        """Whether this looks like a run directory (``config.yaml`` or ``checkpoints/``)."""
        return self.config.is_file() or self.checkpoints.is_dir()

    # -- the files -------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def config(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def history(self) -> Path:
        return self.path / HISTORY_FILE

    @property
    def history_csv(self) -> Path:
        return self.path / HISTORY_CSV

    @property
    def history_steps_csv(self) -> Path:
        return self.path / HISTORY_STEPS_CSV

    @property
    def metrics(self) -> Path:
        return self.path / METRICS_FILE

    @property
    def checkpoints(self) -> Path:
        return self.path / CHECKPOINT_DIR

    @property
    def latest(self) -> Path:
        return self.checkpoints / LATEST

    @property
    def best(self) -> Path:
        return self.checkpoints / BEST

    @property
    def samples(self) -> Path:
        return self.path / SAMPLES_DIR

    @property
    def plots(self) -> Path:
        return self.path / PLOTS_DIR

    @property
    def tensorboard(self) -> Path:
        return self.path / TENSORBOARD_DIR

    @property
    def tally(self) -> Path:
        """``game/tally.json``: how often the run's checkpoints fooled people (:mod:`gan_course.game.tally`)."""
        return self.path / GAME_DIR / TALLY_FILE

    def checkpoint(self, stem: str) -> Path:
        """``checkpoints/<stem>.pt`` (``best``, ``latest`` or another stem)."""
        return self.checkpoints / f"{stem}.pt"

    def epoch_samples(self, epoch: int) -> Path:
        """``samples/epoch_XXXX.png``: the fixed-noise samples after ``epoch``."""
        return self.samples / f"epoch_{epoch:04d}.png"

    def sample_file(self, name: str) -> Path:
        """``samples/<name>`` (``sample_seed0.png``, ``interpolation_slerp.png``)."""
        return self.samples / name

    def plot(self, name: str) -> Path:
        """``plots/<name>`` (``losses.png``, ``scores.png``, ``scatter.png``, ``critic.png``)."""
        return self.plots / name

    # -- what is there -------------------------------------------------------------------------

    def epoch_grids(self) -> dict[int, Path]:
        """``{epoch: path}`` of the per-epoch sample grids present, sorted by epoch."""
        found = {int(m.group(1)): p for p in self.samples.glob("epoch_*.png") if (m := EPOCH_GRID.search(p.name))}
        return dict(sorted(found.items()))

    def checkpoint_stems(self, pattern: re.Pattern | None = None) -> list[str]:
        """Sorted stems of the ``checkpoints/*.pt`` files present (those matching ``pattern``, when given)."""
        if not self.checkpoints.is_dir():
            return []
        return sorted(p.stem for p in self.checkpoints.glob("*.pt")
                      if p.is_file() and (pattern is None or pattern.match(p.stem)))

    def find_checkpoint(self, which: str | os.PathLike = "best") -> tuple[Path, str]:
        """The checkpoint file ``which`` names, and what it is (``best``, ``latest`` or ``file``).

        ``best`` falls back to ``latest`` when the run has no ``best.pt`` (no finite metric yet);
        any other value is a ``.pt`` path (absolute, as given, or relative to the run). Raises
        ConfigError when this is not a run directory, CheckpointError when the file is missing.
        """
        if not self.path.is_dir():
            raise ConfigError(f"{self.path} is not a directory; pass a run directory written by gan-course train "
                              "(e.g. runs/fashion-mnist-dcgan-gan)")
        if not self.is_run():
            raise ConfigError(f"{self.path} is not a run directory (no {CHECKPOINT_DIR}/ and no {CONFIG_FILE}); pass "
                              "the directory gan-course train wrote, e.g. runs/<name>")
        if which not in CHECKPOINT_CHOICES:
            path = Path(which).expanduser()
            path = path if path.is_absolute() or path.is_file() else self.path / path
            if not path.is_file():
                raise CheckpointError(f"no checkpoint file {path}; pass --checkpoint best, latest or an existing .pt file")
            return path, "file"
        order = (BEST, LATEST) if which == "best" else (LATEST,)
        for name in order:
            if (self.checkpoints / name).is_file():
                return self.checkpoints / name, name.removesuffix(".pt")
        raise CheckpointError(f"no {' or '.join(order)} in {self.checkpoints}: the run has not finished an epoch; "
                              "train it first (gan-course train --config ...) or resume it with --resume")

    def read_history(self) -> dict:
        """``history.json`` as a dict (:func:`read_history`)."""
        return read_history(self.history)


def find_checkpoint(path: str | os.PathLike) -> Path:
    """A ``.pt`` file as is; a run directory -> its ``checkpoints/best.pt``, else ``latest.pt``
    (a folder holding ``best.pt`` / ``latest.pt`` directly is accepted too)."""
    path = Path(path)
    if path.is_dir():
        for directory in (path / CHECKPOINT_DIR, path):
            for name in (BEST, LATEST):
                if (directory / name).is_file():
                    return directory / name
        raise CheckpointError(
            f"no {BEST} or {LATEST} in {path / CHECKPOINT_DIR}: is {path} a run directory? "
            "Train first (gan-course train ...) or pass a .pt file")
    return path


def read_history(path: str | os.PathLike) -> dict:
    """The one reader of ``history.json``: the JSON document as a dict (columns as written).

    path: the file, or a run directory (its ``history.json``). Raises
    :class:`~gan_course.errors.HistoryError` naming the fix when the file is missing, is not
    JSON, or does not hold a JSON object.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        path = RunDir(path).history
    if not path.is_file():
        raise HistoryError(
            f"no training history at {path}; pass a run's history.json (runs/<name>/history.json) or its run directory")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise HistoryError(f"{path} is not a valid history.json ({error}); re-run training or restore the file") from None
    if not isinstance(data, Mapping):
        raise HistoryError(f"{path} holds a JSON {type(data).__name__}, not a history object; pass a run's history.json")
    return dict(data)
