"""Does each weakness of the red team's second round (issue #10) stay closed?

One test per weakness, written from the report's description (the exact cases are kept
outside the project), numbered as in the issue; the root policy last. Tests that need the
sandbox run the fixture course's real checks in real bubblewrap.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import torch

from autograder import worker
from gan_course.course.checks import checks_for
from autograder.course import parse_source, read_source
from autograder.grading import GradingOptions, grade_notebook, grade_submission
from autograder.notebook import MAX_CELLS, find_submissions, read_submission
from autograder.report import render_csv
from autograder.sandbox import Sandbox, bwrap_path
from autograder.verdict import MAX_MESSAGE, Verdict

from . import attack_fixture as attacks
from .course_fixture import ASSIGNMENT, CORRECT, TARGET, source_notebook, student_version, with_target, write_course


ASSIGNMENT_02 = "02_ring_gan"


@pytest.fixture()
def _bwrap():
    if bwrap_path() is None:
        pytest.fail("bubblewrap is not installed: `apt-get install bubblewrap` (the autograder's sandbox needs it)")


def _grade(target_code: str, **options):
    """Verdicts of the fixture course's full solution with ``target_code`` as TARGET's cell."""
    source = parse_source(source_notebook(), assignment=ASSIGNMENT, path=Path("fixture.ipynb"))
    options = GradingOptions(**{"cell_timeout": 20, **options})
    verdicts, session = grade_notebook(source, with_target(source_notebook(), target_code), student="mallory", checks=checks_for(ASSIGNMENT), options=options)
    return {v.grade_id: v for v in verdicts}


# --- 1. the grader's environment -------------------------------------------------------------


def test_1_the_sandbox_sees_none_of_the_graders_environment(_bwrap, monkeypatch):
    """Student code reads /proc/1/environ (bubblewrap itself) and its own environment: no
    variable of the grader's may be there, only the sandbox's fixed set."""
    from autograder.bwrap import SCRATCH, sandbox_environment
    from gan_course.course.checks.base import Probe
    from autograder.sandbox import BWRAP_ENVIRONMENT

    monkeypatch.setenv("GRADER_API_TOKEN", "s3cr3t-value-that-must-not-leak")
    reader = "def environ(path):\n    return open(path, 'rb').read().decode('latin-1')"
    with Sandbox() as sandbox:
        assert sandbox.execute("reader", reader, timeout=30) == {"ok": True}
        probes = [Probe("common.call", {"args": [path]}) for path in ("/proc/1/environ", "/proc/self/environ")]
        results = sandbox.probe("environ", probes, timeout=30)
    texts = [result["value"]["result"]["python"] for result in results]
    assert all(texts), "the environments were not read at all: the test would prove nothing"
    for text in texts:
        assert "s3cr3t" not in text and "GRADER_API_TOKEN" not in text
    names = [{entry.split("=", 1)[0] for entry in text.split("\0") if entry} for text in texts]
    assert names[0] == set(BWRAP_ENVIRONMENT)
    assert names[1] - {"PWD"} == set(sandbox_environment(SCRATCH))  # bwrap sets PWD for --chdir


# --- 2. symlinks, 3. a folder called `submitted` ----------------------------------------------


def test_2_symlinks_and_special_files_are_invalid_submissions_never_read(tmp_path):
    course = write_course(tmp_path / "course")
    solution = course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    root = tmp_path / "class"
    attacks.write_notebook(root / "bob", nbformat.read(solution, as_version=4))
    for name, target in (("to_solutions", solution), ("to_bob", root / "bob" / f"{ASSIGNMENT}.ipynb")):
        (root / name).mkdir()
        os.symlink(target, root / name / f"{ASSIGNMENT}.ipynb")
    (root / "nested").mkdir()
    os.symlink(solution.parent, root / "nested" / ASSIGNMENT)  # nbgrader's <student>/<id>/ layout, linked
    os.symlink(root / "bob", root / "folder_link")
    (root / "fifo").mkdir()
    os.mkfifo(root / "fifo" / f"{ASSIGNMENT}.ipynb")  # reading it would block the grader
    (root / "hardlink").mkdir()
    os.link(solution, root / "hardlink" / f"{ASSIGNMENT}.ipynb")  # the instructor's file under a second name
    found = {s.student: s for s in find_submissions(root, ASSIGNMENT)}
    assert found["bob"].problem is None and found["bob"].path == root / "bob" / f"{ASSIGNMENT}.ipynb"
    for name in ("to_solutions", "to_bob", "nested", "folder_link", "fifo", "hardlink"):
        assert found[name].problem == "invalid_submission" and found[name].path is None, name
    assert "symbolic link" in found["to_solutions"].detail and "FIFO" in found["fifo"].detail
    graded = grade_submission(read_source(course, ASSIGNMENT), found["to_solutions"], checks={}, options=GradingOptions())
    assert {v.status for v in graded.verdicts} == {"invalid_submission"} and {v.score for v in graded.verdicts} == {0.0}
    assert "symbolic link" in graded.verdicts[0].message and "Model answer" not in graded.verdicts[0].message


def test_3_a_student_folder_named_submitted_is_one_student_like_the_others(tmp_path):
    root = tmp_path / "class"
    full = nbformat.writes(source_notebook())
    for student in ("alice", "bob"):
        (root / student).mkdir(parents=True)
        (root / student / f"{ASSIGNMENT}.ipynb").write_text(full)
    (root / "submitted" / "alice" / ASSIGNMENT).mkdir(parents=True)  # claims alice in nbgrader's layout
    (root / "submitted" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").write_text("{}")
    found = {s.student: s for s in find_submissions(root, ASSIGNMENT)}
    assert set(found) == {"alice", "bob", "submitted"}
    assert found["alice"].path == root / "alice" / f"{ASSIGNMENT}.ipynb" and found["bob"].path is not None
    assert found["submitted"].problem == "missing_notebook"
    # a real nbgrader course directory is still read from its submitted/ folder
    course = tmp_path / "nbgrader_course"
    (course / "submitted" / "carol" / ASSIGNMENT).mkdir(parents=True)
    (course / "submitted" / "carol" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").write_text(full)
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    assert [s.student for s in find_submissions(course, ASSIGNMENT)] == ["carol"]


# --- 4. student HTML in the feedback -----------------------------------------------------------


@pytest.fixture(scope="module")
def recorded_html_attack(tmp_path_factory):
    """The HTML attacks (with the hidden-test delimiter in the student's code) recorded in a
    real nbgrader gradebook with fabricated passing verdicts; the paths the tests read."""
    from autograder.gradebook import NbgraderCourse

    root = tmp_path_factory.mktemp("html_attack")
    course_dir = write_course(root / "course")
    source = read_source(course_dir, ASSIGNMENT)
    course = NbgraderCourse(root / "grading", ASSIGNMENT)
    course.prepare(source)
    full = nbformat.read(source.path, as_version=4)
    notebook = with_target(attacks.html_attacks(full), attacks.HIDDEN_DELIMITER)
    course.record("mallory", notebook, _passing_verdicts(source))
    return {"course": course, "source": source}


def _passing_verdicts(source) -> list[Verdict]:
    return [Verdict(c.grade_id, "manual" if c.manual else "passed", None if c.manual else c.points, c.points,
                    "graded by hand" if c.manual else f"{c.function}: all hidden checks passed", manual=c.manual)
            for c in source.graded_cells]


ACTIVE_TAGS = {"script", "iframe", "frame", "object", "embed", "svg", "math", "style", "link", "meta", "base", "form", "template"}


def _active_parts(page: str) -> list[str]:
    """Tags that run or load code, ``on*`` handlers and script URLs in the body of ``page``,
    as a browser's parser sees them (text that merely shows such code is fine)."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ACTIVE_TAGS:
                found.append(f"<{tag}>")
            for name, value in attrs:
                compact = "".join(ch for ch in (value or "") if ord(ch) > 0x20).lower()
                if name.startswith("on") or name == "srcdoc" or compact.startswith(("javascript:", "vbscript:", "data:text")):
                    found.append(f"{tag} {name}={value!r}")

    Parser().feed(page[page.lower().index("<body"):])
    return found


def test_4_no_student_html_or_script_survives_in_the_autograded_notebook_or_the_feedback(recorded_html_attack):
    course = recorded_html_attack["course"]
    autograded = nbformat.read(course.root / "autograded" / "mallory" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    for cell in autograded.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type == "code" and not grade_id.startswith("test_"):
            assert cell.outputs == [], "a student output survived"
        if cell.cell_type == "markdown" and any(marker in cell.source for marker in ("<script", "onerror", "<svg")):
            assert cell.source.startswith("*The grader shows this cell as text"), cell.source[:80]
    assert "widgets" not in autograded.metadata
    feedback = course.feedback_path("mallory").read_text(encoding="utf-8")
    assert _active_parts(feedback) == []
    assert "My answer." in feedback and "all hidden checks passed" in feedback  # the content itself is there
    assert _active_parts(f"<body>{attacks.ANSWER_ATTACK}{attacks.IMG_ONERROR}") != []  # the detector sees raw attacks


def test_4_headless_chromium_runs_no_student_script_from_the_feedback(recorded_html_attack, tmp_path):
    """Open the feedback page, and the autograded notebook rendered by nbconvert as
    formgrader shows it, in Debian's headless Chromium: no student script may run."""
    import shutil

    from nbconvert import HTMLExporter
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("the browser test needs Debian's chromium: apt-get install -y chromium (.ci/run installs it)")
    course = recorded_html_attack["course"]
    autograded = course.root / "autograded" / "mallory" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    rendered = tmp_path / "autograded.html"
    rendered.write_text(HTMLExporter().from_filename(str(autograded))[0], encoding="utf-8")
    flags = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=chromium, headless=True, args=flags)
        try:
            page = context.pages[0] if context.pages else context.new_page()
            for path in (course.feedback_path("mallory"), rendered):
                page.goto(path.as_uri(), wait_until="load", timeout=30_000)
                page.wait_for_timeout(300)  # let onerror and ontoggle handlers fire
                assert page.evaluate(f"typeof {attacks.PWNED}") == "undefined", (path.name, page.evaluate(attacks.PWNED))
            # positive control: the same browser does run a script that is really there
            page.set_content(f"<script>{attacks.PWNED} = 'control'</script>")
            assert page.evaluate(attacks.PWNED) == "control"
        finally:
            context.close()


# --- 5. unbounded text ------------------------------------------------------------------------


def test_5_an_exception_named_with_millions_of_characters_gives_a_bounded_verdict(_bwrap):
    verdict = _grade(attacks.HUGE_EXCEPTION)[f"test_{TARGET}"]
    assert verdict.status == "error"
    assert "EEEE" in verdict.message and len(verdict.message) <= MAX_MESSAGE
    assert len(Verdict("x", "failed", 0.0, 1.0, "y" * 5_000_000, notes=("n" * 10_000,)).csv_status) < 200


# --- 6. decoding replies ------------------------------------------------------------------------


@pytest.mark.parametrize("attack", ["PICKLE_PADDED", "JSON_PADDED"])
def test_6_a_reply_padded_with_megabytes_is_refused_quickly_and_earns_nothing(_bwrap, attack):
    start = time.monotonic()
    verdicts = _grade(getattr(attacks, attack))
    assert verdicts[f"test_{TARGET}"].status == "unreadable_result"
    assert time.monotonic() - start < 60  # two sandboxes on a loaded machine; 33 s for one function before


def test_6_decoding_is_bounded_in_size_and_time():
    padded = worker.REPLY_MAGIC + worker.HEADER.pack(30_000_000) + b" " * 30_000_000
    start = time.monotonic()
    with pytest.raises(worker.ReplyError, match="structure"):
        worker.decode_reply(padded)
    many = json.dumps({"results": [0] * 200_000}).encode()
    with pytest.raises(worker.ReplyError, match="too long"):
        worker.decode_reply(worker.REPLY_MAGIC + worker.HEADER.pack(len(many)) + many, deadline=time.monotonic() - 1)
    with pytest.raises(worker.ReplyError, match="not a reply"):
        worker.decode_reply(b"\x80\x04" + b"N0" * 1000 + b"N.")  # a pickle is never unpickled
    assert time.monotonic() - start < 2.0
    honest = worker.encode_reply({"value": torch.arange(6.0).reshape(2, 3), "\x00t": 1, "ok": True})
    decoded = worker.decode_reply(honest[worker.HEADER.size:])
    assert torch.equal(decoded["value"], torch.arange(6.0).reshape(2, 3)) and decoded["\x00t"] == 1


# --- 7. tiny replies, big allocations ------------------------------------------------------------


@pytest.mark.parametrize("attack", ["STRIDE_ZERO", "ALIASED"])
def test_7_a_forged_tiny_reply_cannot_claim_millions_of_elements(_bwrap, attack):
    assert _grade(getattr(attacks, attack))[f"test_{TARGET}"].status == "unreadable_result"


def test_7_the_judge_refuses_to_materialise_a_huge_view():
    from gan_course.course.checks.base import CheckFailure, expect_close

    view = torch.zeros(1).expand(150_000_000)  # 4 bytes of storage, 1.2 GB as float64
    with pytest.raises(CheckFailure, match="wrong"):
        expect_close(view, torch.zeros(3), "wrong")
    expect_close(torch.zeros(1).expand(3), torch.zeros(3), "a small view is judged as usual")


def test_7_decoding_forged_replies_keeps_the_graders_memory_flat():
    """In a fresh interpreter: decode the forged replies (150 million elements on 1 byte, and
    one byte aliased by 5,000 tensors); the peak resident memory may not grow by 64 MiB."""
    script = (
        "import resource, torch, sys\n"
        "from autograder import worker\n"
        "def reply(tree, blob):\n"
        "    import json\n"
        "    j = json.dumps(tree).encode()\n"
        "    return worker.REPLY_MAGIC + worker.HEADER.pack(len(j)) + j + blob\n"
        "T = worker.TENSOR_KEY\n"
        "forged = [reply({T: ['float32', [150_000_000], 0, 1]}, b'x'),\n"
        "          reply([{T: ['bool', [1000], 0, 1000]}] * 5000, bytes(1000)),\n"
        "          reply({T: ['float64', [10**12, 10**12], 0, 8]}, bytes(8))]\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for body in forged:\n"
        "    try:\n"
        "        worker.decode_reply(body)\n"
        "    except worker.ReplyError:\n"
        "        pass\n"
        "    else:\n"
        "        sys.exit('a forged reply was decoded')\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=Path(__file__).parents[2])
    assert run.returncode == 0, run.stderr[-2000:]
    assert int(run.stdout.strip()) < 64 * 1024  # KiB


# --- 8. assignment 02's networks, judged on weights the grader sets -----------------------------


def _zeroed_mlp(sizes, *, relu: bool, dropout: float, in_forward: bool = False):
    """An MLP with the contract's Linear sizes; ReLU or LeakyReLU(0.2), optional Dropout; every
    weight zero (at construction, or again at every forward call)."""
    from torch import nn

    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU() if relu else nn.LeakyReLU(0.2))
            if dropout:
                layers.append(nn.Dropout(dropout))
    net = nn.Sequential(*layers)
    for parameter in net.parameters():
        nn.init.zeros_(parameter)
    if in_forward:
        net.register_forward_pre_hook(lambda module, inputs: [nn.init.zeros_(p) for p in module.parameters()] and None)
    return net


@pytest.mark.parametrize("function", ["make_generator", "make_discriminator"])
def test_8_a_wrong_network_with_zero_weights_earns_nothing(function):
    from gan_course.course.checks import CheckFailure, check
    from gan_course.models.mlp import RING_DISCRIMINATOR_HIDDEN, RING_GENERATOR_HIDDEN

    def sizes(latent_dim=100):
        return [latent_dim, *RING_GENERATOR_HIDDEN, 2] if function == "make_generator" else [2, *RING_DISCRIMINATOR_HIDDEN, 1]

    def relu_no_dropout(latent_dim=100):
        return _zeroed_mlp(sizes(latent_dim), relu=True, dropout=0.0)

    def zeroed_in_forward(latent_dim=100):
        return _zeroed_mlp(sizes(latent_dim), relu=True, dropout=0.0, in_forward=True)

    def right_but_zeroed(latent_dim=100):  # the contract's architecture: zero weights are the grader's to replace
        return _zeroed_mlp(sizes(latent_dim), relu=False, dropout=0.3 if function == "make_discriminator" else 0.0)

    for wrong, message in ((relu_no_dropout, "LeakyReLU"), (zeroed_in_forward, "other weights")):
        impl = wrong if function == "make_generator" else (lambda: wrong())
        with pytest.raises(CheckFailure, match=message):
            check(ASSIGNMENT_02, function, {function: impl})
    check(ASSIGNMENT_02, function, {function: right_but_zeroed if function == "make_generator" else (lambda: right_but_zeroed())})


# --- 9. a notebook of 100,000 cells, 10. timeouts that multiply --------------------------------


def test_9_a_notebook_of_100000_cells_is_refused_in_bounded_time(tmp_path):
    path = attacks.write_notebook(tmp_path / "cells", attacks.huge_notebook_json())
    start = time.monotonic()
    from autograder.notebook import InvalidNotebook

    with pytest.raises(InvalidNotebook, match=f"100000 cells \\(at most {MAX_CELLS}\\)"):
        read_submission(path)
    assert time.monotonic() - start < 10  # 146 s of grader time before


def test_10_timeouts_never_take_longer_than_the_submission_deadline(_bwrap):
    """Both solution cells sleep, both functions' probes hang: every timeout restarts the
    sandbox and re-runs the sleeping cells. The whole submission stops at its deadline."""
    slow_generator = "import time\ntime.sleep(2)\ndef generator_loss(fake_logits):\n    while True:\n        pass"
    source = parse_source(source_notebook(), assignment=ASSIGNMENT, path=Path("fixture.ipynb"))
    notebook = with_target(source_notebook(), attacks.SLEEPER.format(seconds=2))
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "generator_loss":
            cell.source = slow_generator
    deadline = 12.0
    start = time.monotonic()
    verdicts, session = grade_notebook(source, notebook, student="mallory", checks=checks_for(ASSIGNMENT),
                                       options=GradingOptions(cell_timeout=3, submission_timeout=deadline))
    elapsed = time.monotonic() - start
    statuses = {v.grade_id: v.status for v in verdicts}
    assert statuses[f"test_{TARGET}"] in {"timeout", "submission_timeout"}
    assert statuses["test_generator_loss"] == "submission_timeout"
    assert "submission" in {v.grade_id: v for v in verdicts}["test_generator_loss"].message
    # the deadline, plus at most one sandbox start that was under way when it passed
    assert elapsed < deadline + 30, elapsed


# --- 11. spreadsheet formulas in student ids ----------------------------------------------------


def test_11_student_ids_a_spreadsheet_would_evaluate_are_refused_and_escaped(tmp_path):
    root = tmp_path / "class"
    names = ["=2+5", "+1-1", "@SUM(1+1)", "-2", "alice"]
    for name in names:
        attacks.write_notebook(root / name, source_notebook())
    found = {s.student: s for s in find_submissions(root, ASSIGNMENT)}
    assert {name: found[name].problem for name in names} == {
        "=2+5": "invalid_student_id", "+1-1": "invalid_student_id", "@SUM(1+1)": "invalid_student_id",
        "-2": "invalid_student_id", "alice": None,
    }
    text = render_csv([("=2+5", ASSIGNMENT, "test_f", "", "2", "invalid_student_id"), ("\tx", "a", "\rb", "1", "2", "@c")])
    lines = text.splitlines()
    assert lines[1].startswith("'=2+5,") and lines[1].endswith(",,2,invalid_student_id")
    assert lines[2] == "'\ufffdx,a,'\ufffdb,1,2,'@c" and len(lines) == 3


# --- 12. feedback failure ----------------------------------------------------------------------


def test_12_hidden_test_delimiters_in_student_code_keep_the_grade_and_the_feedback(recorded_html_attack):
    from nbgrader.api import Gradebook

    course = recorded_html_attack["course"]
    with Gradebook(course.db_url) as gradebook:
        assert gradebook.find_grade("test_discriminator_loss", ASSIGNMENT, ASSIGNMENT, "mallory").auto_score == 2.0
    page = course.feedback_path("mallory").read_text(encoding="utf-8")
    assert "BEGIN HIDDEN TESTS" not in page and "check(" not in page  # the instructor's hidden tests stay hidden
    assert "students can type this too" in page


def test_12_when_feedback_fails_the_grades_stay_and_the_status_says_so(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook
    from nbgrader.converters import GenerateFeedback

    from autograder import batch
    from autograder.batch import BatchPaths

    course_dir = write_course(tmp_path / "course")
    full = nbformat.read(course_dir / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    attacks.write_notebook(tmp_path / "class" / "alice", full)

    def broken(self):
        raise RuntimeError("No end hidden tests statement found")

    monkeypatch.setattr(GenerateFeedback, "start", broken)
    paths = BatchPaths(course_dir=course_dir, submissions=tmp_path / "class", out=tmp_path / "grades.csv", grading_dir=tmp_path / "grading")
    result = batch.grade_class(ASSIGNMENT, paths, options=GradingOptions(allow_root=True, cell_timeout=20), progress=lambda line: None)
    statuses = {row[2]: row[5] for row in result.rows}
    assert statuses["test_discriminator_loss"] == "passed+feedback_error"
    assert "2,2,passed+feedback_error" in (tmp_path / "grades.csv").read_text()
    with Gradebook(f"sqlite:///{tmp_path / 'grading' / 'gradebook.db'}") as gradebook:
        assert gradebook.find_grade("test_discriminator_loss", ASSIGNMENT, ASSIGNMENT, "alice").auto_score == 2.0
    page = (tmp_path / "grading" / "feedback" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "all hidden checks passed" in page and "passed" in page


# --- root ------------------------------------------------------------------------------------------


def test_grading_as_root_is_refused_unless_told(monkeypatch, tmp_path):
    from autograder.batch import ALLOW_ROOT_VARIABLE, BatchPaths, RootRefused, grade_class, require_unprivileged

    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.delenv(ALLOW_ROOT_VARIABLE, raising=False)
    course_dir = write_course(tmp_path / "course")
    paths = BatchPaths(course_dir=course_dir, submissions=tmp_path / "class", out=tmp_path / "g.csv", grading_dir=tmp_path / "grading")
    with pytest.raises(RootRefused, match="--allow-root"):
        grade_class(ASSIGNMENT, paths, progress=lambda line: None)
    assert not (tmp_path / "g.csv").exists() and not (tmp_path / "grading").exists()
    require_unprivileged(allow_root=True)
    monkeypatch.setenv(ALLOW_ROOT_VARIABLE, "1")
    require_unprivileged()
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.delenv(ALLOW_ROOT_VARIABLE)
    require_unprivileged()
