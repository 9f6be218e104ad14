"""The course autograder: the sandbox that runs student code, and the pipeline behind
``gan-course autograde`` (nbgrader, batches, the CSV).

Instructor-side code: it is not part of the ``gan_course`` wheel that students install. The
grading contract, the hidden checks and the probe harness are part of the library
(:mod:`gan_course.course`), so that ``gan-course check`` gives students the same verdicts:

- :mod:`gan_course.course.harness` is the only part that runs next to student code (inside the
  sandbox, bound as ``/grader/course_harness``): it calls a student's function on plain inputs
  and returns plain outputs (tensors, numbers, strings, lists, dicts). It imports nothing but
  the standard library, torch and numpy, and knows no expected answer.
- :mod:`gan_course.course.checks` runs in the grader's own process: it draws fresh inputs
  (probes), and judges the outputs against the reference implementations of
  :mod:`gan_course`. Inside the sandbox the library is hidden.
"""
