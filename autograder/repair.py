"""The copy of a student's submission that nbgrader stores: always gradable, always safe to render.

nbgrader (Project Jupyter et al. 2019, JOSE 2(11) 32) autogrades what it finds in
``submitted/<student>/<id>/``; a student may have deleted, duplicated or retyped its cells.
:func:`repair_submission` rebuilds every nbgrader cell from the released notebook, strips
outputs, foreign metadata and active HTML (:mod:`autograder.safe_html`), and defuses text that
looks like nbgrader's hidden-test delimiters (:func:`defuse_delimiters`), so ClearHiddenTests
cannot fail on it. :mod:`autograder.gradebook` stores the result.
"""

from __future__ import annotations

import copy
import re

from gan_course.course.contract import HIDDEN_BEGIN, HIDDEN_END, nbgrader_metadata

from .safe_html import safe_notebook_cells

DEFUSED = {delimiter: delimiter.replace(" ", "\u200b ", 1) for delimiter in (HIDDEN_BEGIN, HIDDEN_END)}  # looks the same


def defuse_delimiters(source: str) -> str:
    """``source`` with nbgrader's hidden-test delimiters changed invisibly (a zero-width space)."""
    for delimiter, defused in DEFUSED.items():
        source = source.replace(delimiter, defused)
    return source


def repair_submission(notebook, release) -> object:
    """A copy of ``notebook`` that nbgrader can always autograde and that renders safely:
    nbgrader metadata taken from the released notebook, unknown or duplicated grade ids
    stripped, deleted nbgrader cells restored from the released notebook after their
    predecessor, cell ids unique; the notebook's metadata is the release's, and every cell
    loses its outputs and foreign metadata, markdown with active HTML is shown as text
    (:func:`autograder.safe_html.safe_notebook_cells`), hidden-test delimiters are defused."""
    repaired = copy.deepcopy(notebook)
    for cell in repaired.cells:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(map(str, cell["source"]))
        if isinstance(cell.get("source"), str):
            cell["source"] = defuse_delimiters(cell["source"])
    wanted = {nbgrader_metadata(c).get("grade_id"): c for c in release.cells if nbgrader_metadata(c).get("grade_id")}
    seen: set[str] = set()
    cells = []
    for cell in repaired.cells:
        metadata = cell.setdefault("metadata", {})
        grade_id = nbgrader_metadata(cell).get("grade_id")
        if "nbgrader" in metadata and (grade_id not in wanted or grade_id in seen):
            del metadata["nbgrader"]
        elif grade_id in wanted:
            seen.add(grade_id)
            metadata["nbgrader"] = copy.deepcopy(wanted[grade_id].metadata["nbgrader"])
            cell.cell_type = wanted[grade_id].cell_type
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            else:
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
        cells.append(cell)
    order = list(wanted)
    for position, grade_id in enumerate(order):
        if grade_id in seen:
            continue
        before = [g for g in order[:position] if g in seen]
        at = 0
        if before:
            at = 1 + max(i for i, c in enumerate(cells) if nbgrader_metadata(c).get("grade_id") == before[-1])
        restored = copy.deepcopy(wanted[grade_id])
        restored["id"] = f"restored-{grade_id}"[:64]
        cells.insert(at, restored)
        seen.add(grade_id)
    used: set[str] = set()
    for number, cell in enumerate(cells):
        cell_id = str(cell.get("id") or "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", cell_id) or cell_id in used:
            cell["id"] = f"cell-{number}"
        used.add(cell["id"])
    repaired.cells = cells
    safe_notebook_cells(repaired)
    repaired.metadata = copy.deepcopy(release.metadata)
    repaired.nbformat, repaired.nbformat_minor = 4, 5
    return repaired


__all__ = ["DEFUSED", "defuse_delimiters", "repair_submission"]
