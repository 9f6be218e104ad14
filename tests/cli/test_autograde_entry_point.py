"""Is the arrow from the library into the grader cut?

``gan_course`` never imports the instructor-only ``autograder``; ``gan-course autograde`` finds
the grader through its ``gan_course.commands`` entry point and forwards the arguments, and
without the grader installed it is a one-line error that names the install command.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import gan_course
from gan_course.cli import autograde, main

LIBRARY = Path(gan_course.__file__).parent
REPO = LIBRARY.parent


def _grader_imports(path: Path) -> list[str]:
    """Every ``import autograder...`` / ``from autograder... import`` and every
    ``import_module("autograder...")`` / ``__import__("autograder...")`` in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called in {"import_module", "__import__"}:
                names = [node.args[0].value]
        found += [f"{path.relative_to(REPO)}:{node.lineno}: {name}" for name in names if name.split(".")[0] == "autograder"]
    return found


def test_the_scanner_finds_every_kind_of_grader_import(tmp_path):
    probe = REPO / "gan_course" / "_probe_for_the_scanner.py"
    try:
        probe.write_text("import autograder.batch\nfrom autograder import cli\nimport importlib\nimportlib.import_module('autograder')\n"
                         "from .autograder import x\nimport autograders\n")
        assert [line.split(": ")[1] for line in _grader_imports(probe)] == ["autograder.batch", "autograder", "autograder"]
    finally:
        probe.unlink()


def test_the_library_never_imports_the_grader():
    offenders = [hit for path in sorted(LIBRARY.rglob("*.py")) for hit in _grader_imports(path)]
    assert offenders == []


def test_building_the_cli_loads_no_grader_module():
    code = "import sys, gan_course.cli as c; c.build_parser(); print(sorted(m for m in sys.modules if m.split('.')[0] == 'autograder'))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", timeout=120, check=True)
    assert result.stdout.strip() == "[]"


def test_the_student_wheel_holds_only_the_library_and_the_grader_registers_the_entry_point():
    library = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert library["tool"]["setuptools"]["packages"]["find"]["include"] == ["gan_course*"]
    grader = tomllib.loads((REPO / "autograder" / "pyproject.toml").read_text())
    assert grader["project"]["entry-points"][autograde.ENTRY_POINT_GROUP] == {autograde.VERB: "autograder.cli:main"}
    assert "gan-course[course]" in grader["project"]["dependencies"]


def test_without_the_grader_the_command_is_one_line_naming_the_install(monkeypatch, capsys):
    monkeypatch.setattr(autograde, "entry_points", lambda **_: [])
    assert main(["autograde", "01_vanilla_dcgan", "class", "--out", "g.csv"]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and autograde.INSTALL_COMMAND in lines[0] and "not installed" in lines[0]


def test_the_arguments_reach_the_grader_unchanged(monkeypatch):
    received = []

    class EntryPoint:
        def load(self):
            return lambda argv, prog: received.append((argv, prog)) or 7

    monkeypatch.setattr(autograde, "entry_points", lambda **_: [EntryPoint()])
    argv = ["01_vanilla_dcgan", "class", "--out", "g.csv", "--workers", "2", "--help"]
    assert main(["autograde", *argv]) == 7
    assert received == [(argv, "gan-course autograde")]


def test_the_installed_grader_answers_help_under_the_instructors_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["autograde", "--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("usage: gan-course autograde ")
