"""The course autograder: hidden checks, the sandbox that runs student code, and the
pipeline behind ``gan-course autograde``.

Instructor-side code: it is not part of the ``gan_course`` wheel that students install.

- :mod:`autograder.harness` is the only part that runs next to student code (inside the
  sandbox): it calls a student's function on plain inputs and returns plain outputs
  (tensors, numbers, strings, lists, dicts). It imports nothing but the standard library,
  torch and numpy, and knows no expected answer.
- :mod:`autograder.checks` runs in the grader's own process: it draws fresh inputs
  (probes), and judges the outputs against the reference implementations of
  :mod:`gan_course`. Student code never sees it.
"""
