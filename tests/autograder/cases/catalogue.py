"""What a catalogue of implementations is: plain data that the tests of the hidden checks
(``tests/autograder/test_checks.py``), the check/grader parity test and anyone else iterate over.

A :class:`Catalogue` holds, for one assignment, named :class:`Case` s: correct implementations
of each graded function (the grader must say ``passed`` for each, at every seed of
``Catalogue.seeds``) and realistic wrong ones, each with the status the grader must give
(``failed``, or ``error`` when the function raises on some probe) and, where the mistake has its
own diagnosis, words the failure message must contain. The first correct case of a function is
the clean, idiomatic one the solution notebook reuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from gan_course.course.checks import DEFAULT_SEED
from gan_course.course.contract import ERROR, FAILED, PASSED


@dataclass(frozen=True)
class Case:
    """One implementation of one graded function and the verdict the grader must give it."""

    assignment: str
    function: str
    name: str  # the implementation's name (correct) or the mistake it makes (wrong)
    impl: Callable
    status: str = PASSED  # PASSED for a correct implementation; FAILED or ERROR for a wrong one
    diagnosis: str = ""  # words the failure message must contain ("" when none is asserted)

    @property
    def correct(self) -> bool:
        return self.status == PASSED

    @property
    def id(self) -> str:
        return f"{self.assignment}-{self.function}-{self.name}"


@dataclass(frozen=True)
class Catalogue:
    """Every case of one assignment, and what its tests need besides the cases."""

    assignment: str
    harness: str  # the sandbox-side module gan_course.course.harness.<harness>
    cases: tuple[Case, ...]
    helpers: Mapping[str, Callable] = field(default_factory=dict)  # what the notebook defines beside them
    seeds: tuple[int, ...] = (DEFAULT_SEED, 1, 2)  # every correct case passes at each
    wrong_seeds: tuple[int, ...] = (DEFAULT_SEED,)  # every wrong case fails (status, diagnosis) at each
    quotable: frozenset[float] = frozenset()  # constants COURSE.md states that a failure message may print
    references: Mapping[str, str] = field(default_factory=dict)  # function -> "module:name" of the library's own

    @property
    def functions(self) -> list[str]:
        return list(dict.fromkeys(case.function for case in self.cases))

    def correct(self, function: str | None = None) -> list[Case]:
        return [c for c in self.cases if c.correct and function in (None, c.function)]

    def wrong(self, function: str | None = None) -> list[Case]:
        return [c for c in self.cases if not c.correct and function in (None, c.function)]

    def clean(self, function: str) -> Callable:
        """The clean implementation of ``function`` (its first correct case)."""
        return self.correct(function)[0].impl


def catalogue(assignment: str, *, harness: str, correct: Mapping[str, list[Callable]], wrong: Mapping[str, list[tuple]],
              **options) -> Catalogue:
    """Build a :class:`Catalogue` from ``correct[function] = [impl, ...]`` and
    ``wrong[function] = [(mistake, impl[, diagnosis[, status]]), ...]`` (status FAILED unless given)."""
    cases = [Case(assignment, function, impl.__name__, impl) for function, impls in correct.items() for impl in impls]
    for function, entries in wrong.items():
        for mistake, impl, *rest in entries:
            diagnosis = rest[0] if rest else ""
            status = rest[1] if len(rest) > 1 else FAILED
            cases.append(Case(assignment, function, mistake, impl, status, diagnosis))
    return Catalogue(assignment, harness, tuple(cases), **options)


__all__ = ["Case", "Catalogue", "ERROR", "FAILED", "PASSED", "catalogue"]
