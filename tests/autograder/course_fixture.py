"""A tiny nbgrader course for the autograder's tests, and the class of submissions graded in
the end-to-end test.

:func:`write_course` writes ``solutions/01_vanilla_dcgan/01_vanilla_dcgan.ipynb`` (built here
with nbformat: a ``grader-setup`` cell, the graded ``discriminator_loss`` and
``generator_loss`` with visible and hidden tests, a manually graded answer and an ungraded
training cell) and its student version under ``assignments/``. Pass ``source=`` (e.g. the
real ``solutions/01_vanilla_dcgan/01_vanilla_dcgan.ipynb``) to build the class from another
source notebook instead: every variant only rewrites the solution cell of
:data:`TARGET` and keeps the other cells of the full solution.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ASSIGNMENT = "01_vanilla_dcgan"
TARGET = "discriminator_loss"  # the function the failure and tampering variants rewrite

SETUP = "import math\nimport torch\nimport torch.nn.functional as F"

DISCRIMINATOR_SOLUTION = '''def discriminator_loss(real_logits, fake_logits, real_label=1.0):
    """Mean BCE of the real logits against real_label plus mean BCE of the fake ones against 0."""
    ### BEGIN SOLUTION
    real = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real + fake
    ### END SOLUTION'''

GENERATOR_SOLUTION = '''def generator_loss(fake_logits):
    """Non-saturating generator loss: mean BCE of the fake logits against 1."""
    ### BEGIN SOLUTION
    return F.softplus(-fake_logits).mean()
    ### END SOLUTION'''


def _test(function: str, visible: str) -> str:
    return (
        f"{visible}\n### BEGIN HIDDEN TESTS\nfrom gan_course.course.checks import check\n"
        f'check("{ASSIGNMENT}", "{function}", globals())\n### END HIDDEN TESTS'
    )


DISCRIMINATOR_TEST = _test(
    "discriminator_loss",
    "zeros = torch.zeros(4)\n"
    "assert abs(discriminator_loss(zeros, zeros).item() - 2 * math.log(2)) < 1e-6, "
    '"with D(x) = D(G(z)) = 1/2 each BCE term is log 2"',
)
GENERATOR_TEST = _test(
    "generator_loss",
    'assert abs(generator_loss(torch.zeros(4)).item() - math.log(2)) < 1e-6, "BCE of a zero logit against 1 is log 2"',
)


def _meta(**nbgrader) -> dict:
    return {"nbgrader": {"schema_version": 3, "locked": False, "solution": False, "grade": False, **nbgrader}}


def source_notebook():
    """The fixture's nbgrader source notebook (schema 3 metadata)."""
    setup = new_code_cell(SETUP, metadata={**_meta(grade_id="setup_imports", locked=True), "tags": ["grader-setup"]})
    cells = [
        new_markdown_cell("# 01: the vanilla GAN losses (test fixture)"),
        setup,
        new_code_cell(DISCRIMINATOR_SOLUTION, metadata=_meta(grade_id="discriminator_loss", solution=True)),
        new_code_cell(DISCRIMINATOR_TEST, metadata=_meta(grade_id="test_discriminator_loss", grade=True, locked=True, points=2)),
        new_code_cell(GENERATOR_SOLUTION, metadata=_meta(grade_id="generator_loss", solution=True)),
        new_code_cell(GENERATOR_TEST, metadata=_meta(grade_id="test_generator_loss", grade=True, locked=True, points=1)),
        new_code_cell("raise RuntimeError('the training cell must never run under the grader')"),
        new_markdown_cell("YOUR ANSWER HERE", metadata=_meta(grade_id="loss_curves_answer", solution=True, grade=True, points=2)),
    ]
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def student_version(source):
    """nbgrader's student version of ``source`` (solutions and hidden tests removed), made
    with nbgrader's own preprocessors and no database."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions, ComputeChecksums, LockCells

    notebook, resources = copy.deepcopy(source), {}
    for preprocessor in (LockCells(), ClearSolutions(), ClearOutput(), ComputeChecksums(), ClearHiddenTests(), ComputeChecksums()):
        notebook, resources = preprocessor.preprocess(notebook, resources)
    return notebook


def write_course(root: Path, *, source: Path | None = None) -> Path:
    """Write ``solutions/`` and ``assignments/`` of the fixture course under ``root``."""
    solution_path = Path(root) / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    released_path = Path(root) / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    solution_path.parent.mkdir(parents=True, exist_ok=True)
    released_path.parent.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.read(source, as_version=4) if source is not None else source_notebook()
    nbformat.write(notebook, solution_path)
    nbformat.write(student_version(notebook), released_path)
    return Path(root)


# --- the class ---------------------------------------------------------------------------------


def _cell_index(notebook, grade_id: str) -> int:
    for index, cell in enumerate(notebook.cells):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return index
    raise KeyError(grade_id)


def with_target(notebook, code: str):
    """A copy of ``notebook`` whose TARGET solution cell holds ``code``."""
    changed = copy.deepcopy(notebook)
    changed.cells[_cell_index(changed, TARGET)].source = code
    return changed


NOT_IMPLEMENTED = f"def {TARGET}(real_logits, fake_logits, real_label=1.0):\n    raise NotImplementedError()"
CORRECT = (
    f"def {TARGET}(real_logits, fake_logits, real_label=1.0):\n"
    "    real = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label))\n"
    "    return real + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))"
)
SUMMED = (
    f"def {TARGET}(real_logits, fake_logits, real_label=1.0):\n"
    "    real = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label), reduction='sum')\n"
    "    return real + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits), reduction='sum')"
)


def snooping_code(secrets: list[str], writes: list[str]) -> str:
    """A cell that earns the points only if it can read any secret or write outside its scratch."""
    return (
        "import os\nleaked = False\n"
        f"for path in {secrets!r}:\n"
        "    try:\n        open(path, 'rb').read(1); leaked = True\n    except OSError:\n        pass\n"
        f"for path in {writes!r}:\n"
        "    try:\n        open(path, 'w').write('pwned'); leaked = True\n    except OSError:\n        pass\n"
        "if leaked:\n" + "\n".join("    " + line for line in CORRECT.split("\n")) + "\nelse:\n"
        + "\n".join("    " + line for line in NOT_IMPLEMENTED.split("\n"))
    )


TAMPERING = (
    "# an input transformer that turns every later cell into `pass`, and redefined test helpers\n"
    "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n"
)
REDEFINITIONS = (
    "import torch\n"
    "def check(*args, **kwargs):\n    print('all hidden checks passed')\n"
    "class CheckFailure(Exception):\n    pass\n"
    "torch.allclose = lambda *args, **kwargs: True\n"
    "torch.isclose = lambda a, b, *args, **kwargs: torch.ones_like(a, dtype=torch.bool)\n"
)


def class_submissions(source_path: Path, released_path: Path, *, secrets: list[str], writes: list[str], other: str) -> dict[str, object]:
    """The class: student id -> a notebook, raw bytes, a folder layout, or None (no notebook).

    ``secrets`` are files student code must not read, ``writes`` paths it must not create,
    ``other`` the path of another student's notebook as seen from inside the sandbox.
    """
    full = nbformat.read(source_path, as_version=4)
    blank = nbformat.read(released_path, as_version=4)
    test_index = _cell_index(full, f"test_{TARGET}")
    no_test = copy.deepcopy(full)
    del no_test.cells[test_index]
    edited = with_target(full, SUMMED)
    edited.cells[test_index].source = "pass  # the visible test is in my way"
    reordered = copy.deepcopy(full)
    reordered.cells.insert(_cell_index(reordered, TARGET), reordered.cells.pop(test_index))
    no_solution = copy.deepcopy(full)
    del no_solution.cells[_cell_index(no_solution, TARGET)]
    return {
        "blank": blank,
        "crash_exit": with_target(full, "import os\nos._exit(3)\n" + CORRECT),
        "delegation_dynamic": with_target(
            full,
            f"import importlib\ndef {TARGET}(real_logits, fake_logits, real_label=1.0):\n"
            "    return importlib.import_module('gan' + '_course.losses').d_bce(real_logits, fake_logits, real_label)",
        ),
        "delegation_static": with_target(full, f"from gan_course.losses import d_bce as {TARGET}"),
        "deleted_solution_cell": no_solution,
        "deleted_test_cell": no_test,
        "edited_test_cell": edited,
        "exception": with_target(full, f"def {TARGET}(real_logits, fake_logits, real_label=1.0):\n    return 1 / 0"),
        "full": full,
        "huge_output": with_target(full, "import sys\nfor _ in range(1024):\n    sys.stdout.write('x' * 2**20)\n" + CORRECT),
        "infinite_loop": with_target(full, "while True:\n    pass\n" + CORRECT),
        "invalid_json": b'{"cells": [ this is not json',
        "memory_bomb": with_target(full, "hog = torch.ones(2**31)\n" + CORRECT),
        "misnamed": ("submission.ipynb", full),
        "missing": None,
        "reordered_test_cell": (f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb", reordered),  # nbgrader's submitted/ layout
        "snooping": with_target(full, snooping_code(secrets + [other], writes)),
        "syntax_error": with_target(full, f"def {TARGET}(real_logits, fake_logits real_label=1.0):\n    return 0"),
        "tampering": with_target(full, TAMPERING + REDEFINITIONS + SUMMED),
        "wrong_sum": with_target(full, SUMMED),
    }


# status of test_<TARGET> per student; other autograded cells keep the full solution's
# "passed", the manual answer is "manual" -- except for the notebook-level problems.
EXPECTED_TARGET_STATUS = {
    "blank": "not_implemented",
    "crash_exit": "crashed",
    "delegation_dynamic": "reference_delegation",
    "delegation_static": "reference_delegation",
    "deleted_solution_cell": "missing_cell",
    "deleted_test_cell": "passed+test_cell_deleted",
    "edited_test_cell": "failed+test_cell_edited",
    "exception": "error",
    "full": "passed",
    "huge_output": "passed",
    "infinite_loop": "timeout",
    "memory_bomb": "memory_limit",
    "reordered_test_cell": "passed+test_cells_reordered",
    "snooping": "not_implemented",
    "syntax_error": "syntax_error",
    "tampering": "failed",
    "wrong_sum": "failed",
}
NOTEBOOK_PROBLEMS = {"invalid_json": "invalid_notebook", "misnamed": "misnamed_notebook", "missing": "missing_notebook"}


def write_class(folder: Path, submissions: dict[str, object]) -> Path:
    """Write the class to ``folder/<student>/...``."""
    for student, content in submissions.items():
        directory = Path(folder) / student
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{ASSIGNMENT}.ipynb"
        if isinstance(content, tuple):
            name, content = content
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            continue
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            nbformat.write(content, target)
    return Path(folder)


def expected_csv(graded_cells, blank_students=("blank",)) -> str:
    """The exact CSV the class must produce, from the source's graded cells
    (``(grade_id, points, function)`` in notebook order)."""
    lines = ["student,assignment,grade_id,score,max_score,status"]
    students = sorted(set(EXPECTED_TARGET_STATUS) | set(NOTEBOOK_PROBLEMS))

    def points(value: float) -> str:
        return str(int(value)) if float(value).is_integer() else f"{value:.10g}"

    for student in students:
        for grade_id, max_score, function in graded_cells:
            if student in NOTEBOOK_PROBLEMS:
                status, score = NOTEBOOK_PROBLEMS[student], "0"
            elif function is None:
                status, score = "manual", ""
            elif function == TARGET:
                status = EXPECTED_TARGET_STATUS[student]
                score = points(max_score) if status.split("+")[0] == "passed" else "0"
            elif student in blank_students:
                status, score = "not_implemented", "0"
            else:
                status, score = "passed", points(max_score)
            lines.append(f"{student},{ASSIGNMENT},{grade_id},{score},{points(max_score)},{status}")
    return "\n".join(lines) + "\n"


def tree_hash(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (to prove the grader changed nothing)."""
    import hashlib

    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(root).rglob("*")) if p.is_file()}


__all__ = [
    "ASSIGNMENT",
    "EXPECTED_TARGET_STATUS",
    "NOTEBOOK_PROBLEMS",
    "class_submissions",
    "expected_csv",
    "source_notebook",
    "student_version",
    "tree_hash",
    "write_class",
    "write_course",
]
