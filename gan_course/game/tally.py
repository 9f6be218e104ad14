"""The game's running human fool rate per checkpoint: ``RUN_DIR/game/tally.json``.

A GAN "fools" a person when they take a generated image for a real one; the fraction of
fakes not spotted is the human analogue of the discriminator's error, the judgement that
human evaluations of GAN samples collect (Salimans et al. 2016, "Improved Techniques for
Training GANs", https://arxiv.org/abs/1606.03498, section 4; Zhou et al. 2019, "HYPE: A
Benchmark for Human eYe Perceptual Evaluation of Generative Models",
https://arxiv.org/abs/1904.01121). Format::

    {"checkpoints": {"best-epoch0003": {"checkpoint": "best", "epoch": 3, "step": 2811,
                     "rounds": 4, "images_shown": 48, "images_correct": 39,
                     "fakes_shown": 25, "fakes_missed": 6, "reals_shown": 23, "reals_flagged": 3,
                     "fool_rate": 0.24}}}

Several players (threads of one server, or several servers on one run) may finish rounds at
once. Every update is a read-modify-write under an exclusive ``fcntl.flock`` on
``tally.json.lock`` (POSIX), and the new file is written to a temporary name, fsync-ed and
renamed over the old one, so no update is lost and a reader never sees half a file. A file
that is not valid JSON is moved aside (``tally.json.corrupt-<time>``), never overwritten.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from ..atomic import atomic_write

logger = logging.getLogger(__name__)

TALLY_MODE = 0o644
COUNTERS = ("rounds", "images_shown", "images_correct", "fakes_shown", "fakes_missed", "reals_shown", "reals_flagged")


def fool_rate(entry: dict) -> float | None:
    """Fakes taken for real / fakes shown; None before any fake was shown."""
    return entry["fakes_missed"] / entry["fakes_shown"] if entry.get("fakes_shown") else None


class Tally:
    """The tally file of one run; :meth:`add` is safe across threads and processes."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._thread_lock = threading.Lock()

    def read(self) -> dict:
        """The whole tally (``{"checkpoints": {}}`` when nothing was played yet)."""
        data = self._load()
        return data if data is not None and not data.get("corrupt") else {"checkpoints": {}}

    def _load(self) -> dict | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
            if isinstance(data, dict) and isinstance(data.get("checkpoints"), dict):
                return data
        except json.JSONDecodeError:
            pass
        return {"corrupt": True}

    @contextmanager
    def _locked(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(self.lock_path, "a+") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def add(self, key: str, *, info: dict, **counts: int) -> dict:
        """Add ``counts`` (names from :data:`COUNTERS`) to the entry ``key`` and return the entry.

        info: fields stored as they are (``checkpoint``, ``epoch``, ``step``).
        """
        unknown = set(counts) - set(COUNTERS)
        if unknown:
            raise ValueError(f"unknown tally counters {sorted(unknown)}; use {', '.join(COUNTERS)}")
        with self._locked():
            data = self._load()
            if data is not None and data.get("corrupt"):
                backup = self.path.with_name(f"{self.path.name}.corrupt-{time.time_ns()}")
                os.replace(self.path, backup)
                logger.warning("%s was not a valid tally; moved it to %s and started a new one", self.path, backup)
                data = None
            data = data or {"checkpoints": {}}
            entry = data["checkpoints"].setdefault(key, {name: 0 for name in COUNTERS})
            entry.update(info)
            for name in COUNTERS:
                entry[name] = int(entry.get(name, 0)) + int(counts.get(name, 0))
            entry["fool_rate"] = fool_rate(entry)
            self._write(data)
        return dict(entry)

    def _write(self, data: dict) -> None:
        with atomic_write(self.path, permissions=TALLY_MODE) as handle:  # readable like the run's other files
            json.dump(data, handle, indent=1, sort_keys=True)
