"""Does ``gan-course check`` give every implementation of the catalogues the grader's verdict?

Every correct and every wrong implementation of ``tests/autograder``'s catalogues goes through
both judging paths on the same probes (one seed):

- check's: :func:`gan_course.course.selfcheck.judge_in_process`, the code ``gan-course check``
  runs in the student's process (probes, the reply codec and its bounds, the judging rule);
- the grader's: :func:`autograder.grading.judge_function` with the sandbox replaced by a
  stand-in that runs the worker's own probe command (:func:`autograder.worker.probe`) in this
  process and hands its reply through the encoding and the bounded decoding the grader applies
  to what comes out of the sandbox (:class:`autograder.sandbox.SandboxLimits`' defaults).

Both must give the same status and the same message; every correct implementation passes both,
and its notebook's visible tests too (``gan-course check`` runs them after the hidden checks, so a
visible test that rejects a correct implementation would make check disagree with the grader).
"""

from __future__ import annotations

import pytest

from autograder import worker
from autograder.grading import GradingOptions, judge_function
from autograder.sandbox import SandboxCrash, SandboxLimits
from gan_course.course.checks import DEFAULT_SEED, checks_for
from gan_course.course.contract import ASSIGNMENTS, PASSED, solution_path
from gan_course.course.harness import cells
from gan_course.course.harness import reply as replies
from gan_course.course.selfcheck import judge_in_process, plan, read_notebook
from gan_course.paths import course_dir

from .cases import CATALOGUES

SEED = DEFAULT_SEED


CASES = [(c.assignment, c.function, c.name, c.impl, c.correct, dict(catalogue.helpers))
         for catalogue in CATALOGUES.values() for c in catalogue.cases]  # (assignment, function, name, impl, correct, helpers)


class InProcessSandbox:
    """The sandbox as the grader sees it, minus the process: the worker's probe command runs
    here, and its reply reaches the grader through the same encoding and bounded decoding."""

    def __init__(self, namespace: dict, limits: SandboxLimits):
        self.namespace, self.limits = namespace, limits

    def probe(self, function: str, probes, *, timeout: float) -> list[dict]:
        reply = worker.probe(self.namespace, function, [(p.harness, p.payload) for p in probes])
        try:
            body = replies.encode_reply(reply)[replies.HEADER.size:]
        except Exception:  # noqa: BLE001 - the worker then replies "unreadable": no results
            raise SandboxCrash("unreadable", f"`{function}` returned something the grader cannot read.") from None
        try:
            decoded = replies.read_reply(body, max_bytes=self.limits.max_reply_bytes, max_elements=self.limits.max_reply_elements)
        except replies.ReplyError as error:
            raise SandboxCrash("unreadable", f"the reply holds something other than plain data ({error})") from None
        results = replies.probe_results(decoded, len(probes))
        if results is None:
            raise SandboxCrash("unreadable", f"`{function}` returned something the grader cannot read.")
        return results


class InProcessSession:
    """What :func:`autograder.grading.judge_function` needs of a grading session."""

    def __init__(self, sandbox: InProcessSandbox):
        self.sandbox, self.outcomes = sandbox, {}

    def ready(self) -> InProcessSandbox:
        return self.sandbox

    def budget(self, limit: float) -> tuple[float, bool]:
        return limit, False

    def discard(self) -> None:
        pass


def both_verdicts(assignment: str, function: str, impl, helpers: dict) -> tuple[tuple[str, str], tuple[str, str]]:
    """(check's verdict, the grader's verdict) on ``impl`` as ``function``, on the same probes."""
    check = checks_for(assignment)[function]
    options = GradingOptions()
    grader = judge_function(check, function, InProcessSession(InProcessSandbox({**helpers, function: impl}, options.limits)),
                            seed=SEED, options=options)
    selfcheck = judge_in_process(check, function, {**helpers, function: impl}, seed=SEED, cell_outcome=None,
                                 cell_timeout=options.cell_timeout)
    return selfcheck, grader


def test_the_catalogues_cover_every_graded_function_with_correct_and_wrong_implementations():
    for assignment in ASSIGNMENTS:
        functions = {f for a, f, *_ in CASES if a == assignment}
        assert functions == set(checks_for(assignment)), assignment
        for function in functions:
            kinds = {correct for a, f, _, _, correct, _ in CASES if (a, f) == (assignment, function)}
            assert kinds == {True, False}, (assignment, function)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_check_and_the_grader_agree_on_every_implementation(assignment):
    """Every wrong implementation gets the same status and message from both (and fails);
    every correct one passes both."""
    disagreements, wrong_passing, correct_failing = [], [], []
    for _, function, name, impl, correct, helpers in (c for c in CASES if c[0] == assignment):
        selfcheck, grader = both_verdicts(assignment, function, impl, helpers)
        if selfcheck != grader:
            disagreements.append((function, name, selfcheck, grader))
        if correct and (selfcheck[0], grader[0]) != (PASSED, PASSED):
            correct_failing.append((function, name, selfcheck, grader))
        if not correct and PASSED in (selfcheck[0], grader[0]):
            wrong_passing.append((function, name, selfcheck, grader))
    assert not disagreements, disagreements
    assert not correct_failing, correct_failing
    assert not wrong_passing, wrong_passing


def test_a_result_the_grader_cannot_read_is_unreadable_in_check_too():
    """A function whose probe results exceed the grader's reply bounds (here: a huge tensor)
    gets ``unreadable_result`` from check, as from the grader, not a judged failure."""

    def bigger(real_logits, fake_logits, real_label=1.0):
        import torch

        return torch.zeros(replies.MAX_REPLY_ELEMENTS + 1)

    selfcheck, grader = both_verdicts("01_vanilla_dcgan", "discriminator_loss", bigger, {})
    assert selfcheck == grader
    assert selfcheck[0] == "unreadable_result" and "cannot read" in selfcheck[1]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_correct_implementation_passes_the_visible_tests(assignment, capsys):
    """The notebook's visible test cells (as check runs them: after the grader-setup and the
    solution cells) accept every correct implementation of the catalogue."""
    request = plan(read_notebook(solution_path(course_dir(), assignment)), assignment)
    notebook = cells.new_namespace()
    for cell in request["cells"]:
        assert cells.execute(notebook, cell["name"], cell["code"])["ok"], cell["name"]
    rejected = []
    for _, function, name, impl, correct, helpers in (c for c in CASES if c[0] == assignment and c[4]):
        outcome = cells.execute({**notebook, **helpers, function: impl}, f"test_{function}", request["tests"][function])
        if not outcome["ok"]:
            rejected.append((function, name, outcome.get("type"), outcome.get("message")))
    capsys.readouterr()  # the cells print "visible tests passed"
    assert not rejected, rejected
