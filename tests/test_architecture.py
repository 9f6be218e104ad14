"""Is ``docs/ARCHITECTURE.md`` a true map: does every module it names exist, and does it name
every module of ``gan_course/`` and ``autograder/``?"""

from __future__ import annotations

import re
from pathlib import Path

import gan_course

REPO = Path(gan_course.__file__).parent.parent
DOC = REPO / "docs" / "ARCHITECTURE.md"
PY = re.compile(r"[\w./-]*\w\.py\b")  # a file name such as gradebook.py or gan_course/run_dir.py


def tree_entries(text: str) -> list[str]:
    """The repo-relative path of every ``*.py`` named in the doc's first code block, the tree:
    a name ending in ``/`` at some indentation opens a folder for the deeper lines below it."""
    block = text.split("```", 2)[1]
    folders: list[tuple[int, str]] = []  # (indentation, path)
    found = []
    for line in block.splitlines()[1:]:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        while folders and folders[-1][0] >= indent:
            folders.pop()
        here = folders[-1][1] if folders else ""
        names = re.split(r"\s{2,}", line.strip())[0].split()  # the names column, before the description
        for name in names:
            if name.endswith("/") and not any(c in name for c in "<*"):
                folders.append((indent, here + name))
        for name in PY.findall(line):
            if "<" not in name and "*" not in name:
                found.append(name if "/" in name else here + name)
    return found


def prose_paths(text: str) -> list[str]:
    """Every ``*.py`` with a folder in it quoted in backticks outside the tree."""
    rest = text.split("```", 2)[2]
    return [name for quoted in re.findall(r"`([^`]+)`", rest) for name in PY.findall(quoted) if "/" in name and "<" not in name]


def exists(name: str) -> bool:
    return (REPO / name).is_file() or (REPO / "gan_course" / name).is_file()


def test_the_parser_resolves_nested_folders():
    text = "```\npkg/   the package\n  sub/     a folder\n    a.py b.py   two modules\n  c.py     back up\n```\n`pkg/d.py`"
    assert tree_entries(text) == ["pkg/sub/a.py", "pkg/sub/b.py", "pkg/c.py"]
    assert prose_paths(text) == ["pkg/d.py"]


def test_every_module_the_map_names_exists():
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in tree_entries(text) + prose_paths(text) if not exists(name)]
    assert not missing, f"docs/ARCHITECTURE.md names modules that do not exist: {missing}"


def test_the_map_names_every_module():
    named = set(tree_entries(DOC.read_text(encoding="utf-8")))
    modules = {str(p.relative_to(REPO)) for top in ("gan_course", "autograder") for p in (REPO / top).rglob("*.py")
               if p.name != "__init__.py"}
    unnamed = sorted(modules - named)
    assert not unnamed, f"add these modules to the tree in docs/ARCHITECTURE.md: {unnamed}"
