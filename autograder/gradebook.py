"""nbgrader integration: the gradebook, autograded notebooks and feedback, from our verdicts.

Project Jupyter et al. 2019, "nbgrader: A Tool for Creating and Grading Assignments in the
Jupyter Notebook", JOSE 2(11) 32, https://doi.org/10.21105/jose.00032 (version 0.9.6 here).

nbgrader's own machinery does the bookkeeping, in a working nbgrader course directory
(``grading_dir``: ``source/``, ``release/``, ``submitted/``, ``autograded/``,
``gradebook.db``, ``feedback/``), but never executes student code:

1. :meth:`NbgraderCourse.prepare` copies the source notebook to ``source/<id>/`` and runs
   ``generate_assignment`` (gradebook entries, ``release/<id>/<id>.ipynb``);
2. :meth:`NbgraderCourse.record` clears the student's previous grades (a failed regrade can
   never keep a stale score), copies a repaired copy of the submission to
   ``submitted/<student>/<id>/`` (:mod:`autograder.repair`: every nbgrader cell present and in place, so a deleted test
   cell cannot become "needs manual grade"), runs ``autograde`` with nbgrader's Execute
   preprocessor replaced by :class:`WriteVerdicts` -- which writes the grader's verdicts as
   the test cells' outputs, so SaveAutoGrades stores exactly our scores and OverwriteCells
   restores the locked cells -- and ``generate_feedback`` with ClearHiddenTests added, so
   feedback never shows the hidden tests.

Student content never becomes active HTML (:mod:`autograder.safe_html`): the copy in
``submitted/`` has no outputs, no foreign metadata and only passive markdown, and the
feedback page's body goes through nh3. Text in the student's cells that looks like nbgrader's
hidden-test delimiters is defused in that copy (it would make ClearHiddenTests fail). When
feedback generation fails anyway, the grades stay in the gradebook, the student gets the
grader's own short feedback page, and :class:`FeedbackError` lets the batch add the
``feedback_error`` note to the status.

Every gradebook access holds an exclusive lock file next to the database, so parallel
workers never write it at the same time. nbgrader's ``NbGraderAPI`` does not read
``nbgrader_config.py``; everything is configured with a :class:`traitlets.config.Config`.
"""

from __future__ import annotations

import contextlib
import fcntl
import html
import logging
import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import Iterator, Sequence

from traitlets import Dict

from gan_course.atomic import write_text_atomic
from gan_course.course.contract import nbgrader_metadata

from .course import SourceNotebook
from .notebook import SAFE_STUDENT_ID
from .repair import repair_submission
from .safe_html import clean_feedback_html
from .verdict import Verdict, bounded_text

LOG_NAME = "autograder.nbgrader"


class NbgraderError(Exception):
    """An nbgrader step failed; the message holds its log."""


class FeedbackError(NbgraderError):
    """Grades are recorded, but nbgrader's feedback could not be generated (the grader's own
    short page was written instead)."""


def _nbgrader_preprocessor_base():
    from nbgrader.preprocessors import NbGraderPreprocessor

    return NbGraderPreprocessor


class _LogCapture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):  # noqa: D102 - logging API
        self.lines.append(self.format(record))


def _logger() -> logging.Logger:
    logger = logging.getLogger(LOG_NAME)
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    return logger


def alembic_head() -> str:
    """The gradebook schema's alembic revision, read in this process.

    nbgrader asks for it when it creates a gradebook by running ``alembic heads`` in a
    subprocess, which costs seconds of start-up on every batch; the answer is the head of
    nbgrader's own migration scripts, which alembic's API reads directly.
    """
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import _temp_alembic_ini

    with _temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:  # the URL nbgrader uses for this query
        return ScriptDirectory.from_config(AlembicConfig(ini)).get_current_head()


@contextlib.contextmanager
def _scripts_on_path() -> Iterator[None]:
    """nbgrader runs the ``alembic`` script for migrations: find ours; the schema head it
    needs for a new gradebook comes from :func:`alembic_head` instead of a subprocess."""
    import nbgrader.api

    scripts = os.path.dirname(sys.executable)
    old, old_version = os.environ.get("PATH", ""), nbgrader.api.get_alembic_version
    os.environ["PATH"] = scripts + os.pathsep + old
    nbgrader.api.get_alembic_version = alembic_head
    try:
        yield
    finally:
        os.environ["PATH"] = old
        nbgrader.api.get_alembic_version = old_version


@contextlib.contextmanager
def _captured_log() -> Iterator[_LogCapture]:
    handler = _LogCapture()
    logger = _logger()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def verdict_outputs(verdict: Verdict) -> list[dict]:
    """The outputs a test cell gets: the success text, or an error with the teaching message."""
    from nbformat.v4 import new_output

    if verdict.passed:
        return [new_output("stream", name="stdout", text=verdict.message.rstrip() + "\n")]
    return [new_output("error", ename=verdict.status, evalue=verdict.message, traceback=[f"{verdict.status}: {verdict.message}"])]


def make_write_verdicts():
    """The WriteVerdicts preprocessor class (built lazily: nbgrader is imported on demand)."""
    base = _nbgrader_preprocessor_base()

    class WriteVerdicts(base):
        """Replaces nbgrader's Execute: writes precomputed verdicts as test-cell outputs."""

        verdicts = Dict(help="grade_id -> list of output dicts").tag(config=True)

        def preprocess_cell(self, cell, resources, index):
            grade_id = nbgrader_metadata(cell).get("grade_id")
            if cell.cell_type == "code" and grade_id in self.verdicts:
                from nbformat import from_dict

                cell.outputs = [from_dict(o) for o in self.verdicts[grade_id]]
                cell.execution_count = None
            return cell, resources

    return WriteVerdicts


class NbgraderCourse:
    """The grader's nbgrader course directory for one assignment."""

    def __init__(self, root: Path, assignment: str, *, gradebook: Path | None = None, feedback_dir: Path | None = None):
        self.root = Path(root).resolve()
        self.assignment = assignment
        self.gradebook = Path(gradebook).resolve() if gradebook else self.root / "gradebook.db"
        self.feedback_dir = Path(feedback_dir).resolve() if feedback_dir else self.root / "feedback"

    # paths -------------------------------------------------------------------------------

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.gradebook}"

    def feedback_path(self, student: str) -> Path:
        return self.feedback_dir / student / self.assignment / f"{self.assignment}.html"

    def release_path(self) -> Path:
        return self.root / "release" / self.assignment / f"{self.assignment}.ipynb"

    def _student_dirs(self, student: str) -> list[Path]:
        return [self.root / step / student / self.assignment for step in ("submitted", "autograded")] + [self.feedback_dir / student / self.assignment]

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive access to the gradebook (and nbgrader's files) across processes."""
        self.gradebook.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{self.gradebook}.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def config(self, *, student: str = "*"):
        from nbgrader.preprocessors import ClearHiddenTests, GetGrades
        from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
        from traitlets.config import Config

        config = Config()
        config.CourseDirectory.root = str(self.root)
        config.CourseDirectory.db_url = self.db_url
        config.CourseDirectory.assignment_id = self.assignment
        config.CourseDirectory.student_id = student
        config.CourseDirectory.feedback_directory = str(self.feedback_dir)
        config.OverwriteCells.add_missing_cells = True
        config.IgnorePattern.enabled = True
        config.IgnorePattern.pattern = r"Warning|warn\("
        config.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, ClearHiddenTests]
        return config

    def _run(self, converter_class, config, what: str) -> None:
        from nbgrader.converters.base import NbGraderException
        from nbgrader.coursedir import CourseDirectory

        with _captured_log() as captured, _scripts_on_path(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLAlchemy's autoflush chatter inside nbgrader
            coursedir = CourseDirectory(config=config, log=_logger())
            converter = converter_class(coursedir=coursedir, config=config, log=_logger())
            try:
                converter.start()
            except (NbGraderException, Exception) as error:  # noqa: BLE001 - report, never crash the batch
                log = "\n".join(captured.lines[-20:])
                raise NbgraderError(f"nbgrader {what} failed: {error}\n{log}".strip()) from None

    # steps -------------------------------------------------------------------------------

    def prepare(self, source: SourceNotebook) -> None:
        """Copy the source notebook in and (re)generate the assignment in the gradebook."""
        from nbgrader.converters import GenerateAssignment

        target = self.root / "source" / self.assignment / f"{self.assignment}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source.path, target)
        config = self.config()
        config.GenerateAssignment.force = True
        with self.locked():
            self._run(GenerateAssignment, config, "generate_assignment")

    def release(self):
        """The released (student) notebook nbgrader generated, parsed."""
        from .course import read_notebook

        return read_notebook(self.release_path())

    def clear(self, student: str) -> None:
        """Forget a student's previous grades, autograded notebook and feedback."""
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.db_url) as gradebook, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLAlchemy's autoflush chatter inside nbgrader
            try:
                gradebook.remove_submission(self.assignment, student)
            except MissingEntry:
                pass
        for directory in self._student_dirs(student):
            shutil.rmtree(directory, ignore_errors=True)

    def record(self, student: str, notebook, verdicts: Sequence[Verdict], *, release=None, timestamp: Path | None = None) -> None:
        """Store ``verdicts`` in the gradebook and write the student's feedback HTML.

        ``notebook`` is the parsed submission, or None when there was none to grade (then
        only the previous grades are cleared and a short feedback page says why).
        Raises NbgraderError when an nbgrader step failed.
        """
        import nbformat
        from nbgrader.converters import Autograde, GenerateFeedback

        if not SAFE_STUDENT_ID.match(student):  # autograder.notebook refuses such ids before grading
            raise NbgraderError(f"student id {student[:100]!r} cannot be used by nbgrader; rename the folder to letters, digits, _ . @ -")
        with self.locked():
            self.clear(student)
            if notebook is None:
                self._write_problem_feedback(student, verdicts)
                return
            submitted = self.root / "submitted" / student / self.assignment
            submitted.mkdir(parents=True, exist_ok=True)
            nbformat.write(repair_submission(notebook, release if release is not None else self.release()), submitted / f"{self.assignment}.ipynb")
            if timestamp is not None and timestamp.is_file():
                shutil.copyfile(timestamp, submitted / "timestamp.txt")
            config = self.config(student=student)
            config.Autograde.autograde_preprocessors = self._autograde_preprocessors()
            config.Autograde.sanitize_preprocessors = self._sanitize_preprocessors()
            config.WriteVerdicts.verdicts = {v.grade_id: verdict_outputs(v) for v in verdicts if not v.manual}
            config.Autograde.force = True
            try:
                self._run(Autograde, config, "autograde")
            except NbgraderError:
                self.clear(student)  # no half-recorded submission stays in the gradebook
                raise
        # Feedback only reads the gradebook and writes this student's own folder: outside the
        # lock, so another worker can record meanwhile.
        config = self.config(student=student)
        config.GenerateFeedback.force = True
        try:
            self._run(GenerateFeedback, config, "generate_feedback")
            self._clean_feedback(student)
        except Exception as error:  # noqa: BLE001 - the grades stay; the student still gets feedback
            self._write_problem_feedback(student, verdicts, title="your feedback (short form)")
            raise FeedbackError(bounded_text(str(error).splitlines()[0] if str(error) else type(error).__name__, 500)) from None

    def _clean_feedback(self, student: str) -> None:
        """Sanitise every HTML page nbgrader wrote for ``student`` (see autograder.safe_html)."""
        folder = self.feedback_path(student).parent
        for page in sorted(folder.glob("*.html")):
            write_text_atomic(page, clean_feedback_html(page.read_text(encoding="utf-8")))

    @staticmethod
    def _sanitize_preprocessors() -> list:
        # nbgrader's list without ClearOutput: the student's own outputs (plots for the written
        # answers) stay for manual grading; repair_submission cleared the nbgrader cells'.
        from nbgrader.preprocessors import CheckCellMetadata, DeduplicateIds, OverwriteCells, OverwriteKernelspec

        return [DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]

    @staticmethod
    def _autograde_preprocessors() -> list:
        # nbgrader's list with Execute replaced by WriteVerdicts: student code never runs here.
        from nbconvert.preprocessors import ClearMetadataPreprocessor
        from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades

        return [make_write_verdicts(), IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]

    def _write_problem_feedback(self, student: str, verdicts: Sequence[Verdict], *, title: str = "your submission could not be graded") -> None:
        """The grader's own feedback page: one line per graded cell, every text escaped."""
        path = self.feedback_path(student)
        shutil.rmtree(path.parent, ignore_errors=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        name = html.escape(self.assignment)
        rows = []
        for verdict in verdicts:
            score = "" if verdict.score is None else f"{verdict.score:g} / {verdict.max_score:g}"
            rows.append(
                f"<tr><td><code>{html.escape(verdict.grade_id)}</code></td><td><code>{html.escape(verdict.csv_status)}</code></td>"
                f"<td>{html.escape(score)}</td><td>{html.escape(verdict.message)}</td></tr>"
            )
        write_text_atomic(
            path,
            "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>"
            f"{name}: {html.escape(title)}</title></head><body>\n<h1>{name}: {html.escape(title)}</h1>\n"
            "<table><tr><th>cell</th><th>status</th><th>score</th><th>message</th></tr>\n" + "\n".join(rows) + "\n</table>\n</body></html>\n",
        )
