"""Does assembling a run pick the device the configuration asks for, and refuse one that is
not there with the fix?"""

from __future__ import annotations

import pytest

from gan_course.errors import ConfigError


def test_auto_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    from gan_course.train import pick_device

    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    monkeypatch.setattr("torch.backends.mps.is_available", lambda: False)
    assert pick_device("auto").type == "cpu"
    monkeypatch.setattr("torch.backends.mps.is_available", lambda: True)
    assert pick_device("auto").type == "mps"
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    assert pick_device("auto").type == "cuda"
    assert pick_device("cpu").type == "cpu"


def test_asking_for_cuda_without_cuda_names_the_fix(monkeypatch):
    from gan_course.train import pick_device

    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    with pytest.raises(ConfigError, match="--device auto or cpu"):
        pick_device("cuda")
