"""The course machinery: one grading contract, the notebook build, the hidden checks and the
student's self-check.

- :mod:`gan_course.course.contract`: the grading contract of COURSE.md, defined once (assignment
  ids, notebook layout, cell roles, hidden-test markers, the reference-use rule, ``to_python``,
  the grader's budget variable). Everything else imports it.
- :mod:`gan_course.course.build`: ``course/<id>.py`` -> ``solutions/`` and ``assignments/``.
- :mod:`gan_course.course.checks`: the hidden checks (judges): fresh random probes per function,
  judged against the reference implementations of the library.
- :mod:`gan_course.course.harness`: the probe side, the only part that runs next to student code
  (in the grader's sandbox, or in the student's own process under ``gan-course check``). It is
  self-contained: it imports only the standard library, torch and numpy, never ``gan_course``.
- :mod:`gan_course.course.selfcheck`: ``gan-course check``, the same checks in the student's
  process.

The sandboxing autograder (nbgrader, batches, CSV) is instructor-side code in ``autograder/``; it
imports the contract and the checks from here.

Importing this package is cheap: it imports nothing but the contract.
"""

from .contract import ASSIGNMENTS

__all__ = ["ASSIGNMENTS"]
