"""Does ``gan-course check`` give the grader's status and diagnosis for every graded function?"""

from __future__ import annotations

import json

import pytest

from gan_course.cli import main
from gan_course.course.contract import release_path, solution_path
from gan_course.course.selfcheck import plan, run_check
from gan_course.paths import course_dir

ASSIGNMENT = "01_vanilla_dcgan"
BCE_ON_PROBABILITIES = '''def discriminator_loss(real_logits, fake_logits, real_label=1.0):
    p_real, p_fake = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
    return (F.binary_cross_entropy(p_real, torch.full_like(p_real, real_label))
            + F.binary_cross_entropy(p_fake, torch.zeros_like(p_fake)))
'''
NUMPY_SCORES = '''def discriminator_scores(real_logits, fake_logits):
    import numpy as np
    return np.mean(torch.sigmoid(real_logits).detach().double().numpy()), np.mean(torch.sigmoid(fake_logits).detach().double().numpy())
'''
USES_LIBRARY = "from gan_course.losses import g_bce as generator_loss\n"
SYNTAX_ERROR = "def minimax_generator_loss(fake_logits)\n    return 0\n"
EXITS = "import os\nos._exit(3)\n"


def _notebook(tmp_path, replacements: dict[str, str], *, solutions: bool = True):
    path = (solution_path if solutions else release_path)(course_dir(), ASSIGNMENT)
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in replacements:
            cell["source"] = replacements[grade_id]
    out = tmp_path / f"{ASSIGNMENT}.ipynb"
    out.write_text(json.dumps(notebook), encoding="utf-8")
    return out


def test_the_plan_runs_setup_and_solution_cells_and_skips_library_users(tmp_path):
    request = plan(json.loads(_notebook(tmp_path, {"generator_loss": USES_LIBRARY}).read_text()), ASSIGNMENT)
    names = [c["name"] for c in request["cells"]]
    assert "generator_loss" not in names and request["delegating"] == ["generator_loss"]
    assert {"discriminator_loss", "discriminator_scores", "dcgan_weights_init"} <= set(names)
    assert not any("HIDDEN" in code for code in request["tests"].values())


def test_the_solution_passes_and_exits_zero(tmp_path, capsys):
    assert main(["check", ASSIGNMENT, str(_notebook(tmp_path, {}))]) == 0
    output = capsys.readouterr().out
    assert "  PASS   discriminator_loss" in output
    assert "5 of 5 graded functions pass" in output


def test_the_released_notebook_is_todo_everywhere(tmp_path, capsys):
    assert main(["check", ASSIGNMENT, str(_notebook(tmp_path, {}, solutions=False))]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert len(lines) == 5 and all(line.startswith("  TODO   ") and "[not_implemented]" in line for line in lines)


def test_mistakes_get_the_graders_status_and_diagnosis(tmp_path):
    notebook = _notebook(tmp_path, {
        "discriminator_loss": BCE_ON_PROBABILITIES,  # passed the old visible tests
        "generator_loss": USES_LIBRARY,
        "minimax_generator_loss": SYNTAX_ERROR,
        "discriminator_scores": NUMPY_SCORES,  # correct: numpy.float64 is a float
    })
    results = {r.function: r for r in run_check(notebook, ASSIGNMENT, seed=5)}
    assert (results["discriminator_loss"].status, results["discriminator_loss"].label) == ("failed", "FAIL")
    assert "magnitude 100" in results["discriminator_loss"].message
    assert results["generator_loss"].status == "reference_delegation"
    assert results["minimax_generator_loss"].status == "syntax_error" and "line 1" in results["minimax_generator_loss"].message
    assert results["discriminator_scores"].status == "passed", results["discriminator_scores"].message
    assert results["dcgan_weights_init"].status == "passed"


def test_a_cell_that_kills_the_process_is_excluded_and_the_rest_is_graded(tmp_path):
    results = {r.function: r for r in run_check(_notebook(tmp_path, {"generator_loss": EXITS}), ASSIGNMENT, seed=1)}
    assert results["generator_loss"].status == "crashed"
    assert "exited with status 3" in results["generator_loss"].message
    assert results["discriminator_loss"].status == "passed" and results["dcgan_weights_init"].status == "passed"


def test_an_infinite_loop_gets_the_cell_time_limit(tmp_path):
    loop = "while True:\n    pass\n"
    results = {r.function: r for r in run_check(_notebook(tmp_path, {"discriminator_loss": loop}), ASSIGNMENT, seed=1,
                                                cell_timeout=2)}
    assert results["discriminator_loss"].status == "timeout" and results["discriminator_loss"].label == "ERROR"
    assert results["generator_loss"].status == "passed"


def test_a_file_that_is_not_a_notebook_is_a_one_line_error(tmp_path, capsys):
    broken = tmp_path / f"{ASSIGNMENT}.ipynb"
    broken.write_text("{ nope")
    assert main(["check", ASSIGNMENT, str(broken)]) == 2
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.parametrize("assignment", ["01_vanilla_dcgan"])
def test_dry_run_lists_the_cells(assignment, capsys):
    assert main(["check", assignment, "--dry-run"]) == 0
    assert "would run" in capsys.readouterr().out
