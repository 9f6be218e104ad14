"""Test-wide isolation: no downloads, no writes outside a temporary home, no display."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own GAN_COURSE_HOME and runs offline; returns that home."""
    home = tmp_path_factory.mktemp("gan_course_home")
    monkeypatch.setenv("GAN_COURSE_HOME", str(home))
    for variable in ("GAN_COURSE_DATA", "GAN_COURSE_RUNS", "GAN_COURSE_CACHE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    return home


def pytest_configure(config):
    """One intra-op thread per test process: tiny models run far faster without thread
    hand-offs, and pytest-xdist workers do not oversubscribe the cores."""
    import torch

    torch.set_num_threads(1)
