"""gan-course: a teaching package for a university course on Generative Adversarial Networks.

The library behind the course notebooks, the autograder and the course book:
datasets (:mod:`gan_course.data`), models (:mod:`gan_course.models`), losses as pure
functions on logits (:mod:`gan_course.losses`), one trainer for every variant
(:mod:`gan_course.train`), metrics (:mod:`gan_course.metrics`), plotting helpers
(:mod:`gan_course.plotting`) and the ``gan-course`` command line (:mod:`gan_course.cli`).

Goodfellow et al. 2014, "Generative Adversarial Nets", https://arxiv.org/abs/1406.2661
"""

__version__ = "0.1.0"
