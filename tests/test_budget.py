"""Does the compute budget follow GAN_COURSE_BUDGET?"""

import pytest

from gan_course import budget


def test_the_default_budget_is_full(monkeypatch):
    monkeypatch.delenv("GAN_COURSE_BUDGET", raising=False)
    assert budget.current() == "full"
    assert budget.pick(full=30, grader=1) == 30


def test_the_grader_budget_shrinks_training(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_BUDGET", " Grader ")
    assert budget.is_grader()
    assert budget.pick(full=30, grader=1) == 1


def test_an_unknown_budget_names_the_choices(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_BUDGET", "tiny")
    with pytest.raises(ValueError, match="full, grader"):
        budget.current()
