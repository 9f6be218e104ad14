"""Are the library's layers acyclic, lazy (function-level) imports included?

``gan_course``'s top-level units (each subpackage, each top-level module) and the grader
``autograder`` form the layers of ``docs/ARCHITECTURE.md``: every import, at module level or
inside a function, and every ``importlib.import_module("...")`` with a constant name, points to
the same unit or to a lower layer, so the import graph between units has no cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import gan_course

REPO = Path(gan_course.__file__).parent.parent

LAYERS = [  # bottom first; an import may only point to its own layer's units (no cycle) or lower ones
    {"gan_course", "errors", "paths", "atomic", "budget", "latent", "gda", "weights", "configs"},
    {"run_dir", "data", "models", "losses", "plotting"},
    {"metrics"},
    {"train"},
    {"sampling", "experiments", "reports", "game", "course"},
    {"cli", "__main__"},
    {"autograder"},
]
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


def unit_of(module: str, units: set[str]) -> str | None:
    """The layer unit of a dotted module name (None outside gan_course and autograder); a name
    that is not one of gan_course's ``units`` (``from gan_course import __version__``) is the package's."""
    parts = module.split(".")
    if parts[0] == "autograder":
        return "autograder"
    if parts[0] != "gan_course":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in units else "gan_course"


def imports_of(path: Path, root: Path) -> list[tuple[str, int]]:
    """``(module, line)`` of every import in the file ``path`` (of the tree under ``root``),
    module level or lazy, relative ones resolved; ``from a import b`` yields ``a.b``."""
    package = list(path.relative_to(root).with_suffix("").parts)
    package = package[:-1]  # the package the file is in (its __init__ or its folder)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found += [(f"{module}.{alias.name}", node.lineno) for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called in {"import_module", "__import__"}:
                found.append((node.args[0].value, node.lineno))
    return found


def unit_graph(root: Path) -> dict[tuple[str, str], list[str]]:
    """``{(importer unit, imported unit): ["file:line", ...]}`` over gan_course/ and autograder/ under ``root``."""
    library = root / "gan_course"
    units = {p.stem for p in library.iterdir() if p.suffix == ".py" or (p / "__init__.py").is_file()} - {"__init__"}
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for top in ("gan_course", "autograder"):
        for path in sorted((root / top).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            source = unit_of(".".join(parts[:-1] if parts[-1] == "__init__" else parts), units)
            for module, line in imports_of(path, root):
                target = unit_of(module, units)
                if target and target != source:
                    edges[(source, target)].append(f"{path.relative_to(root)}:{line}")
    return dict(edges)


def cycles(edges) -> list[list[str]]:
    """Every elementary cycle's units, found from each edge whose target reaches back to its source."""
    graph = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)

    def path_between(start: str, goal: str) -> list[str] | None:
        stack, seen = [(start, [start])], {start}
        while stack:
            node, trail = stack.pop()
            if node == goal:
                return trail
            for nxt in sorted(graph[node] - seen):
                seen.add(nxt)
                stack.append((nxt, trail + [nxt]))
        return None

    found = []
    for source, target in sorted(edges):
        back = path_between(target, source)
        if back is not None:
            found.append([source, *back])
    return found


def test_the_scanner_sees_lazy_relative_and_dynamic_imports(tmp_path):
    """Can the test fail: does the scanner find a cycle made of a function-level import, a
    relative import and an ``importlib.import_module`` call?"""
    lib = tmp_path / "gan_course"
    (lib / "train").mkdir(parents=True)
    (lib / "plotting").mkdir()
    (lib / "__init__.py").write_text("")
    (lib / "train" / "__init__.py").write_text("def draw():\n    from ..plotting import figure\n")
    (lib / "plotting" / "__init__.py").write_text("import importlib\nREADER = importlib.import_module('gan_course.train.history')\n")
    (tmp_path / "autograder").mkdir()
    edges = unit_graph(tmp_path)
    assert edges == {("train", "plotting"): ["gan_course/train/__init__.py:2"],
                     ("plotting", "train"): ["gan_course/plotting/__init__.py:2"]}
    assert cycles(edges) == [["plotting", "train", "plotting"], ["train", "plotting", "train"]]


def test_no_import_cycle_between_the_top_level_units():
    edges = unit_graph(REPO)
    found = cycles(edges)
    assert not found, "\n".join(
        f"{' -> '.join(cycle)}: " + "; ".join(edges[(a, b)][0] for a, b in zip(cycle, cycle[1:])) for cycle in found)


def test_every_import_points_to_the_same_layer_or_a_lower_one():
    edges = unit_graph(REPO)
    units = {unit for edge in edges for unit in edge}
    assert units <= set(RANK), f"units without a layer (add them to LAYERS and docs/ARCHITECTURE.md): {units - set(RANK)}"
    upward = {edge: where for edge, where in edges.items() if RANK[edge[0]] < RANK[edge[1]]}
    assert not upward, upward
