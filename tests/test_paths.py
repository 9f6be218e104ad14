"""Where the package reads and writes, and how stored results record paths."""

from __future__ import annotations

import re
from pathlib import Path

from gan_course import paths

ABSOLUTE = re.compile(r"(?<![\w.])/(tmp|work|root|home|Users|var|private)/[\w.-]")


def test_portable_is_relative_to_start_when_the_path_lies_below_it(tmp_path):
    """Is a member run recorded relative to its comparison folder?"""
    assert paths.portable(tmp_path / "compare" / "bce", tmp_path / "compare") == "bce"
    assert paths.portable(tmp_path / "compare", tmp_path / "compare") == "."


def test_portable_is_relative_to_the_checkout_inside_it():
    """Is a path inside the checkout recorded relative to it, with POSIX separators?"""
    root = paths.source_checkout()
    assert root is not None
    assert paths.portable(root / "book" / "configs" / "x.yaml") == "book/configs/x.yaml"


def test_portable_keeps_only_the_name_outside_every_base(tmp_path, monkeypatch):
    """Does a path outside the checkout and the start lose its machine-specific parents?"""
    monkeypatch.setenv("GAN_COURSE_HOME", str(tmp_path / "home"))
    assert paths.portable("/opt/elsewhere/runs/ring") == "ring"
    assert paths.portable("runs/ring") == "runs/ring"  # already relative: unchanged


def test_no_stored_book_result_names_an_absolute_path_of_a_machine():
    """Do the book's stored results (run.json argv, comparison tables, metrics, configs) record
    every path relative to the repository or the run?"""
    results = paths.source_checkout() / "book" / "results"
    offenders = [str(p.relative_to(results)) for p in results.rglob("*")
                 if p.suffix in {".json", ".csv", ".yaml"} and ABSOLUTE.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
