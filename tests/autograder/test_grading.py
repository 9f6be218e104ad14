"""Are verdicts computed in the grader from plain outputs, whatever the sandboxed code does?"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gan_course.course.checks import checks_for
from gan_course.course.checks.base import Check, CheckFailure, Probe
from autograder.course import parse_source
from autograder.grading import GradingOptions, grade_notebook, probe_seed, to_python
from autograder.sandbox import bwrap_path

from .course_fixture import ASSIGNMENT, CORRECT, source_notebook, with_target


@pytest.fixture(autouse=True)
def _bwrap():
    if bwrap_path() is None:
        pytest.fail("bubblewrap is not installed: `apt-get install bubblewrap` (the autograder's sandbox needs it)")


def _grade(target_code: str, checks: dict):
    source = parse_source(source_notebook(), assignment=ASSIGNMENT, path=Path("fixture.ipynb"))
    verdicts, session = grade_notebook(source, with_target(source_notebook(), target_code), student="alice", checks=checks, options=GradingOptions(cell_timeout=20))
    return {v.grade_id: v for v in verdicts}, session.starts


def _double_check(timeout: float = 10.0) -> Check:
    """A stand-in check: discriminator_loss(x, x) must equal 2 * x.sum() for x = ones(3)."""

    def probes(generator):
        return [Probe("common.call", {"args": [torch.ones(3), torch.ones(3)]})]

    def judge(probes, results):
        value = results[0]["value"]["result"]["tensor"]
        if not torch.equal(value, torch.tensor(6.0)):
            raise CheckFailure("wrong")

    return Check(ASSIGNMENT, "discriminator_loss", probes, judge, timeout=timeout)


def test_a_function_that_hangs_times_out_and_the_next_function_is_still_graded():
    code = "def discriminator_loss(r, f, real_label=1.0):\n    while True:\n        pass"
    verdicts, starts = _grade(code, {"discriminator_loss": _double_check(timeout=1.0), "generator_loss": checks_for(ASSIGNMENT)["generator_loss"]})
    assert (verdicts["test_discriminator_loss"].status, verdicts["test_discriminator_loss"].score) == ("timeout", 0.0)
    assert (verdicts["test_generator_loss"].status, verdicts["test_generator_loss"].score) == ("passed", 1.0)
    assert starts == 2  # the hung sandbox was replaced for generator_loss


def test_a_tensor_subclass_that_lies_about_equality_is_judged_on_its_values():
    code = (
        "import torch\n"
        "class Liar(torch.Tensor):\n"
        "    def __eq__(self, other):\n        return True\n"
        "def discriminator_loss(r, f, real_label=1.0):\n"
        "    return torch.tensor(5.0).as_subclass(Liar)"
    )
    verdicts, _ = _grade(code, {"discriminator_loss": _double_check()})
    assert verdicts["test_discriminator_loss"].status == "failed"


def test_patching_torch_inside_the_sandbox_does_not_reach_the_judge():
    code = "import torch\ntorch.equal = lambda a, b: True\ndef discriminator_loss(r, f, real_label=1.0):\n    return (r + f).sum() - 1"
    verdicts, _ = _grade(code, {"discriminator_loss": _double_check()})
    assert verdicts["test_discriminator_loss"].status == "failed"
    assert torch.equal(torch.tensor(1.0), torch.tensor(2.0)) is False


def test_a_correct_function_passes_with_the_real_check():
    verdicts, starts = _grade(CORRECT, checks_for(ASSIGNMENT))
    assert [(v.grade_id, v.status, v.score) for v in verdicts.values()] == [
        ("test_discriminator_loss", "passed", 2.0),
        ("test_generator_loss", "passed", 1.0),
        ("loss_curves_answer", "manual", None),
    ]
    assert starts == 1


def test_probe_seeds_are_fixed_per_student_and_function():
    assert probe_seed("01", "alice", "f") == probe_seed("01", "alice", "f")
    assert len({probe_seed("01", s, f) for s in ("alice", "bob") for f in ("f", "g")}) == 4
    assert probe_seed("01", "alice", "f", salt="other") != probe_seed("01", "alice", "f")


def test_magics_become_calls_on_the_grader_shell():
    code = to_python("%matplotlib inline\n!pip install cheats\nx = 1\n")
    assert code == "get_ipython().run_line_magic('matplotlib', 'inline')\nget_ipython().system('pip install cheats')\nx = 1\n"
