"""Every filesystem location the package uses, from one place.

Each location is an environment variable first, then a default. Nothing here (or anywhere
in the package) depends on the current working directory.

| variable            | meaning                               | default                         |
|---------------------|---------------------------------------|---------------------------------|
| ``GAN_COURSE_HOME`` | root of the defaults below            | the source checkout if the      |
|                     |                                       | package runs from one, else     |
|                     |                                       | ``~/.gan-course``               |
| ``GAN_COURSE_DATA`` | datasets (torchvision layout)         | ``$GAN_COURSE_HOME/data``       |
| ``GAN_COURSE_RUNS`` | training runs (``runs/<name>/``)      | ``$GAN_COURSE_HOME/runs``       |
| ``GAN_COURSE_CACHE``| caches (e.g. real-data statistics)    | ``$GAN_COURSE_HOME/cache``      |
| ``GAN_COURSE_OFFLINE`` | ``1`` forbids any download         | unset (downloads allowed)       |
| ``GAN_COURSE_COURSE`` | the course: ``solutions/``,         | the source checkout if the      |
|                     | ``assignments/``, ``autograder/``     | package runs from one, else     |
|                     |                                       | ``$GAN_COURSE_HOME``            |
| ``GAN_COURSE_GRADING`` | the autograder's nbgrader course   | ``$GAN_COURSE_HOME/grading``    |
|                     | directory (gradebook, feedback)       |                                 |
| ``GAN_COURSE_BOOK`` | the course book's sources (``book/``) | ``$GAN_COURSE_COURSE/book``     |
| ``GAN_COURSE_BOOK_RESULTS`` | the book's stored results     | ``$GAN_COURSE_BOOK/results``    |
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

# Where Debian's `dataset-fashion-mnist` package installs the four gzip IDX files
# (`dpkg -L dataset-fashion-mnist`).
DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")


def source_checkout() -> Path | None:
    """The repository root when the package runs from a source checkout, else None."""
    root = PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").is_file() else None


def _from_env(variable: str, default: Path) -> Path:
    value = os.environ.get(variable, "").strip()
    return Path(value).expanduser().resolve() if value else default


def home() -> Path:
    """Root of every default location: ``$GAN_COURSE_HOME``, the checkout, or ``~/.gan-course``."""
    return _from_env("GAN_COURSE_HOME", source_checkout() or Path.home() / ".gan-course")


def data_dir() -> Path:
    """Dataset root (``$GAN_COURSE_DATA``); torchvision's layout below it."""
    return _from_env("GAN_COURSE_DATA", home() / "data")


def runs_dir() -> Path:
    """Where ``gan-course train`` writes ``<name>/`` run directories (``$GAN_COURSE_RUNS``)."""
    return _from_env("GAN_COURSE_RUNS", home() / "runs")


def cache_dir() -> Path:
    """Caches that are safe to delete (``$GAN_COURSE_CACHE``)."""
    return _from_env("GAN_COURSE_CACHE", home() / "cache")


def offline() -> bool:
    """True when ``$GAN_COURSE_OFFLINE`` forbids downloads (tests and the autograder set it)."""
    return os.environ.get("GAN_COURSE_OFFLINE", "").strip().lower() in {"1", "true", "yes"}


def course_dir() -> Path:
    """The course (``$GAN_COURSE_COURSE``): ``solutions/<id>/``, ``assignments/<id>/`` and
    ``autograder/`` live here; the source checkout by default."""
    return _from_env("GAN_COURSE_COURSE", source_checkout() or home())


def grading_dir() -> Path:
    """The autograder's working nbgrader course directory (``$GAN_COURSE_GRADING``): a copy of
    the sources, ``gradebook.db``, ``submitted/``, ``autograded/`` and ``feedback/``."""
    return _from_env("GAN_COURSE_GRADING", home() / "grading")


def book_dir() -> Path:
    """The course book's sources (``$GAN_COURSE_BOOK``): ``_config.yml``, chapters, ``reproduce.py``."""
    return _from_env("GAN_COURSE_BOOK", course_dir() / "book")


def portable(path: str | os.PathLike, start: str | os.PathLike | None = None) -> str:
    """``path`` as recorded in a stored result: never an absolute path of this machine.

    Relative to ``start`` when ``path`` lies below it, else relative to the source checkout
    (or ``$GAN_COURSE_HOME``) when it lies there, else only its final component. Always
    POSIX separators, so a result made on one machine reads the same on every other.
    A relative ``path`` is returned as it is.
    """
    path = Path(path)
    if not path.is_absolute():
        return path.as_posix()
    path = path.resolve()
    bases = [Path(start).resolve()] if start is not None else []
    bases += [b.resolve() for b in (source_checkout(), home()) if b is not None]
    for base in bases:
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix() or "."
    return path.name


def book_results_dir() -> Path:
    """The small artefacts the book's chapters read (``$GAN_COURSE_BOOK_RESULTS``), one folder per
    result, written by ``book/reproduce.py``."""
    return _from_env("GAN_COURSE_BOOK_RESULTS", book_dir() / "results")
