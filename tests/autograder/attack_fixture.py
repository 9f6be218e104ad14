"""Crafted submissions of the red team's second round (issue #10), written from its report.

Each builder returns a notebook (or writes a folder) for the fixture course of
:mod:`tests.autograder.course_fixture`; :func:`write_attack_class` writes a whole class that
mixes them with honest students, for the bounded-time test.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output, new_raw_cell

from .course_fixture import ASSIGNMENT, CORRECT, TARGET, with_target

PWNED = "window.__pwned"  # every script attack sets it; the browser test reads it back

# 5: an exception whose type name and message are millions of characters long
HUGE_EXCEPTION = (
    f"def {TARGET}(real_logits, fake_logits, real_label=1.0):\n"
    "    Huge = type('E' * 5_000_000, (Exception,), {})\n"
    "    raise Huge('m' * 5_000_000)"
)


def patched_reply(body_expression: str) -> str:
    """A solution cell that replaces the reply encoder the worker uses (the harness's
    ``course_harness.reply``; the worker is ``sys.modules['__main__']`` inside the sandbox) for
    probe replies only, with ``body_expression`` (which may use ``W``, the worker module) as the
    reply body; the function itself is correct."""
    return (
        "import sys\n"
        "W = sys.modules['__main__']\n"
        "R = W._harness('reply')\n"
        "_original_encode = R.encode_reply\n"
        "def _forged(obj):\n"
        "    if isinstance(obj, dict) and 'results' in obj:\n"
        f"        body = {body_expression}\n"
        "        return W.HEADER.pack(len(body)) + body\n"
        "    return _original_encode(obj)\n"
        "R.encode_reply = _forged\n" + CORRECT
    )


# 6: a reply padded with 30 MB of no-op pickle instructions (under the byte cap, a pickle)
PICKLE_PADDED = patched_reply("b'\\x80\\x04' + b'N0' * 15_000_000 + b'N.'")
# 6: the same padding as JSON whitespace behind a genuine reply header
JSON_PADDED = patched_reply("W.REPLY_MAGIC + W.HEADER.pack(30_000_000) + b' ' * 29_999_999 + b'0'")
# 7: a tensor of 150 million elements backed by one byte (what stride 0 gave torch.save)
STRIDE_ZERO = patched_reply(
    "(lambda j: W.REPLY_MAGIC + W.HEADER.pack(len(j)) + j + b'\\x00')("
    "('{\"results\":[{\"ok\":true,\"value\":{\"\\\\u0000t\":[\"float32\",[150000000],0,1]}}]}').encode())"
)
# 7: the same one byte referenced by many tensors, each small, together past the element cap
ALIASED = patched_reply(
    "(lambda j: W.REPLY_MAGIC + W.HEADER.pack(len(j)) + j + b'\\x00' * 1000)("
    "('{\"results\":[{\"ok\":true,\"value\":[' + ','.join(['{\"\\\\u0000t\":[\"bool\",[1000],0,1000]}'] * 5000) + ']}]}').encode())"
)
# 12: nbgrader's hidden-test delimiter in the student's own code
HIDDEN_DELIMITER = "# ### BEGIN HIDDEN TESTS  (students can type this too)\n" + CORRECT
# 10: a solution cell that sleeps just under the cell limit, then a function that never returns
SLEEPER = "import time\ntime.sleep({seconds})\n" + f"def {TARGET}(real_logits, fake_logits, real_label=1.0):\n    while True:\n        pass"

SCRIPT_MARKDOWN = f"<script>{PWNED} = 'markdown script'</script>Nothing to see."
IMG_ONERROR = f"<img src='does-not-exist.png' onerror=\"{PWNED} = 'img onerror'\">"
ANSWER_ATTACK = (
    f"My answer. <svg onload=\"{PWNED} = 'svg onload'\"></svg> <iframe srcdoc=\"<script>parent.{PWNED}='iframe'</script>\"></iframe> "
    f"[click me](javascript:{PWNED}='javascript link') <details open ontoggle=\"{PWNED} = 'ontoggle'\">x</details>"
)


def html_attacks(full):
    """The full solution plus student HTML in every place the red team found: a markdown cell,
    an ``<img onerror>``, the written-answer cell, a ``text/html`` and a JavaScript output, a
    raw HTML cell, and widget state in the notebook metadata."""
    notebook = copy.deepcopy(full)
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "loss_curves_answer":
            cell.source = ANSWER_ATTACK
    html_output = new_output("display_data", data={"text/html": f"<script>{PWNED} = 'html output'</script><b>plot</b>"})
    js_output = new_output("display_data", data={"application/javascript": f"{PWNED} = 'javascript output'"})
    raw = new_raw_cell(f"<script>{PWNED} = 'raw cell'</script>", metadata={"format": "text/html", "raw_mimetype": "text/html"})
    notebook.cells += [
        new_markdown_cell(SCRIPT_MARKDOWN),
        new_markdown_cell(IMG_ONERROR),
        new_code_cell("plot()", outputs=[html_output, js_output]),
        raw,
    ]
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2, "version_minor": 0}}
    return notebook


def huge_notebook_json(cells: int = 100_000) -> str:
    """A notebook of ``cells`` tiny code cells as nbformat 4.5 JSON (about 12 MB), built as
    plain data: nbformat's own constructors validate every cell and take minutes."""
    import json

    code = [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None, "outputs": [], "source": f"x = {i}"}
            for i in range(cells)]
    return json.dumps({"cells": code, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def write_notebook(folder: Path, notebook) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ASSIGNMENT}.ipynb"
    if isinstance(notebook, str):
        path.write_text(notebook, encoding="utf-8")
    else:
        nbformat.write(notebook, path)
    return path


HONEST = ("ada", "blank_bo", "cy")  # two full solutions and one blank notebook: their grades must not move


def write_attack_class(root: Path, *, solution: Path, full, blank) -> dict[str, str]:
    """The fixture class with a mix of the attacks and three honest students under ``root``;
    returns student -> the expected status of the TARGET test cell (its first word)."""
    expected: dict[str, str] = {}

    def student(name: str, notebook, status: str) -> Path:
        expected[name] = status
        return write_notebook(root / name, notebook)

    student("ada", full, "passed")
    student("blank_bo", blank, "not_implemented")
    student("cy", full, "passed")
    # 2: symlinks to the instructor's solution and to another student's notebook; a FIFO
    (root / "sym_solution").mkdir()
    os.symlink(solution, root / "sym_solution" / f"{ASSIGNMENT}.ipynb")
    expected["sym_solution"] = "invalid_submission"
    (root / "sym_other").mkdir()
    os.symlink(root / "ada" / f"{ASSIGNMENT}.ipynb", root / "sym_other" / f"{ASSIGNMENT}.ipynb")
    expected["sym_other"] = "invalid_submission"
    os.symlink(root / "ada", root / "sym_folder")
    expected["sym_folder"] = "invalid_submission"
    (root / "fifo").mkdir()
    os.mkfifo(root / "fifo" / f"{ASSIGNMENT}.ipynb")
    expected["fifo"] = "invalid_submission"
    # 3: a student folder called `submitted` holding an nbgrader-like tree that claims "ada"
    write_notebook(root / "submitted" / "ada" / ASSIGNMENT, with_target(full, HUGE_EXCEPTION))
    expected["submitted"] = "missing_notebook"
    # 4 and 12: active HTML everywhere, and the hidden-test delimiter in the student's code
    student("html", with_target(html_attacks(full), HIDDEN_DELIMITER), "passed")
    # 5, 6, 7: bounded texts, padded and forged replies
    student("huge_name", with_target(full, HUGE_EXCEPTION), "error")
    student("padded", with_target(full, PICKLE_PADDED), "unreadable_result")
    student("stride", with_target(full, STRIDE_ZERO), "unreadable_result")
    # 9: 100,000 cells
    student("cells", huge_notebook_json(), "invalid_notebook")
    # 10: sleeping cells and hanging probes
    student("sleeper", with_target(full, SLEEPER.format(seconds=2)), "timeout")
    # 11: ids a spreadsheet would evaluate
    for name in ("=2+5", "+1-1", "@SUM(1+1)"):
        student(name, full, "invalid_student_id")
    return expected
