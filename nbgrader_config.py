"""nbgrader configuration of the course, for instructors who run plain ``nbgrader`` here.

``gan-course autograde`` does not read this file: it configures nbgrader itself (see
``autograder/gradebook.py``) and runs student code only in its sandbox. Plain
``nbgrader autograde`` executes student code in an ordinary kernel with your permissions;
use it for your own notebooks, and ``gan-course autograde`` for students' submissions.

The settings below defuse the known traps of nbgrader 0.9.6 (measured on this course):
a stderr warning in a test cell scoring 0, a deleted test cell becoming "needs manual grade",
and feedback that shows the hidden tests.
"""

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

# The course layout: sources in solutions/<id>/, student versions in assignments/<id>/
# (`nbgrader generate_assignment 01_vanilla_dcgan` writes assignments/01_vanilla_dcgan/).
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"

# Test cells whose only stderr output is a (torch) warning must not score 0.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"Warning|warn\("

# A deleted test cell is put back from the gradebook and graded, not left for manual grading.
c.OverwriteCells.add_missing_cells = True

# Each cell may run this long; COURSE.md bounds a whole notebook by 60 s under the grader,
# which needs the small training budget: run `GAN_COURSE_BUDGET=grader nbgrader autograde ...`
# (gan_course.budget).
c.ExecutePreprocessor.timeout = 60

# Feedback must never show the hidden tests.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
]
