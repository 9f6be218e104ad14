"""What the gradebook recorded, per student: the notebook's hash and the verdicts.

Two small tables beside nbgrader's own in the same SQLite gradebook (so they can never
outlive it): ``autograder_records`` holds, per (assignment, student), the SHA-256 of the
notebook that was graded, a hash of the grading settings (hidden checks and library code,
the source notebook, limits, probe salt), the batch that recorded it and the verdicts as
JSON; ``autograder_batches`` holds each batch's settings and whether it finished.

A row is written only after nbgrader recorded the submission (gradebook and feedback), and
deleted before a submission is recorded again, so a row always describes a complete record.
That makes two things cheap:

- ``--only-changed``: a submission whose notebook and settings are those of its row is not
  graded again; its stored verdicts go into the CSV;
- resuming: when the last batch of the assignment did not finish (the Dask scheduler went
  away, the command was interrupted) and the settings are the same, running the command
  again grades only what that batch had not recorded yet.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import platform
import sqlite3
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .verdict import GRADER_ERROR, Verdict

SCHEMA = """
CREATE TABLE IF NOT EXISTS autograder_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    assignment TEXT NOT NULL,
    settings TEXT NOT NULL,
    started REAL NOT NULL,
    finished REAL
);
CREATE TABLE IF NOT EXISTS autograder_records (
    assignment TEXT NOT NULL,
    student TEXT NOT NULL,
    notebook_sha256 TEXT NOT NULL,
    settings TEXT NOT NULL,
    batch INTEGER NOT NULL,
    verdicts TEXT NOT NULL,
    recorded REAL NOT NULL,
    PRIMARY KEY (assignment, student)
);
"""


def file_sha256(path: Path | None, *, problem: str | None = None, detail: str = "") -> str:
    """The SHA-256 of a submitted notebook; for a submission without one, of what was found."""
    if path is None:
        return hashlib.sha256(f"no notebook\0{problem}\0{detail}".encode()).hexdigest()
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=None)
def code_fingerprint() -> str:
    """The SHA-256 of the code that decides verdicts on this machine: every ``.py`` file of the
    grader (hidden checks, harness, sandbox) and of the ``gan_course`` library (reference
    implementations), with the versions of Python, torch and numpy. Two machines grade alike
    only when their fingerprints are equal (the Dask preflight compares them)."""
    import numpy
    import torch

    import autograder
    import gan_course

    digest = hashlib.sha256()
    for package in (autograder, gan_course):
        root = Path(package.__file__).resolve().parent
        for path in sorted(root.rglob("*.py")):
            if any(not (folder / "__init__.py").is_file() for folder in path.parents if folder != root and root in folder.parents):
                continue  # not part of the package (build/, caches)
            digest.update(f"{package.__name__}/{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    digest.update(f"python {platform.python_version()} torch {torch.__version__} numpy {numpy.__version__}".encode())
    return digest.hexdigest()


def settings_hash(*parts: object) -> str:
    """One hash of everything (besides the notebook) that decides a submission's verdicts."""
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()


def verdicts_to_json(verdicts: Sequence[Verdict]) -> str:
    return json.dumps([asdict(v) for v in verdicts])


def verdicts_from_json(text: str) -> list[Verdict]:
    return [Verdict(**{**item, "notes": tuple(item["notes"])}) for item in json.loads(text)]


def reusable(verdicts: Iterable[Verdict]) -> bool:
    """Verdicts worth keeping: a grader error or a failed gradebook step is graded again."""
    return not any(v.status == GRADER_ERROR or {"gradebook_error", "feedback_error"} & set(v.notes) for v in verdicts)


@dataclass(frozen=True)
class Record:
    student: str
    notebook_sha256: str
    settings: str
    batch: int
    verdicts: list[Verdict]


class Ledger:
    """The records of one assignment in one gradebook file."""

    def __init__(self, gradebook: Path, assignment: str):
        self.path = Path(gradebook)
        self.assignment = assignment
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=60)
        try:
            with db:  # one transaction, committed on success
                yield db
        finally:
            db.close()

    def records(self) -> dict[str, Record]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT student, notebook_sha256, settings, batch, verdicts FROM autograder_records WHERE assignment = ?",
                (self.assignment,),
            ).fetchall()
        return {r[0]: Record(r[0], r[1], r[2], r[3], verdicts_from_json(r[4])) for r in rows}

    def unfinished_batch(self, settings: str) -> tuple[int, float] | None:
        """The last batch of this assignment when it did not finish and used ``settings``."""
        with self._connect() as db:
            row = db.execute(
                "SELECT id, settings, started, finished FROM autograder_batches WHERE assignment = ? ORDER BY id DESC LIMIT 1",
                (self.assignment,),
            ).fetchone()
        if row is None or row[3] is not None or row[1] != settings:
            return None
        return row[0], row[2]

    def start_batch(self, settings: str) -> int:
        with self._connect() as db:
            return db.execute(
                "INSERT INTO autograder_batches (assignment, settings, started) VALUES (?, ?, ?)",
                (self.assignment, settings, time.time()),
            ).lastrowid

    def finish_batch(self, batch: int) -> None:
        with self._connect() as db:
            db.execute("UPDATE autograder_batches SET finished = ? WHERE id = ?", (time.time(), batch))

    def forget(self, student: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM autograder_records WHERE assignment = ? AND student = ?", (self.assignment, student))

    def forget_many(self, students: Sequence[str]) -> None:
        with self._connect() as db:
            db.executemany("DELETE FROM autograder_records WHERE assignment = ? AND student = ?", [(self.assignment, s) for s in students])

    def store(self, student: str, notebook_sha256: str, settings: str, batch: int, verdicts: Sequence[Verdict]) -> None:
        """Remember a complete record; forgets the student instead when it is not reusable."""
        if not reusable(verdicts):
            self.forget(student)
            return
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO autograder_records VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.assignment, student, notebook_sha256, settings, batch, verdicts_to_json(verdicts), time.time()),
            )
