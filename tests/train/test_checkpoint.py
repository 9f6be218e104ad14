"""Are checkpoints written atomically, and does loading a bad one fail with a clear message?"""

from __future__ import annotations

import os

import pytest
import torch

from gan_course.data import load_dataset
from gan_course.errors import CheckpointError
from gan_course.train import TrainConfig, load_checkpoint, load_generator, save_checkpoint, train
from gan_course.train.checkpoint import FORMAT_VERSION


def _state(value: float) -> dict:
    return {"config": {"model": "mlp"}, "generator": {"weight": torch.full((3,), value)}}


def test_round_trip_stamps_the_format(tmp_path):
    path = save_checkpoint(tmp_path / "ckpt" / "latest.pt", _state(1.5))
    state = load_checkpoint(path)
    assert state["format_version"] == FORMAT_VERSION
    assert torch.equal(state["generator"]["weight"], torch.full((3,), 1.5))


def test_crash_during_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    """A save that dies half-way must leave the old file intact and no temporary file behind."""
    path = save_checkpoint(tmp_path / "latest.pt", _state(1.0))
    real_save = torch.save

    def half_save(obj, handle, *args, **kwargs):
        handle.write(b"PK\x03\x04 half a zip file")  # bytes reach the temp file ...
        raise OSError("disk full")  # ... then the process "crashes"

    monkeypatch.setattr(torch, "save", half_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, _state(2.0))
    monkeypatch.setattr(torch, "save", real_save)
    assert torch.equal(load_checkpoint(path)["generator"]["weight"], torch.full((3,), 1.0))
    assert sorted(os.listdir(tmp_path)) == ["latest.pt"]


def test_missing_checkpoint_names_the_path(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint at .*nothing.pt"):
        load_checkpoint(tmp_path / "nothing.pt")


def test_garbage_file_is_a_checkpoint_error(tmp_path):
    path = tmp_path / "latest.pt"
    path.write_bytes(os.urandom(256))
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        load_checkpoint(path)


def test_truncated_checkpoint_is_a_checkpoint_error(tmp_path):
    path = save_checkpoint(tmp_path / "latest.pt", _state(1.0))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        load_checkpoint(path)


def test_torch_file_from_another_program_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"state_dict": {"w": torch.zeros(2)}}, path)
    with pytest.raises(CheckpointError, match="not a gan-course checkpoint"):
        load_checkpoint(path)


def test_other_format_version_is_refused(tmp_path):
    path = tmp_path / "old.pt"
    torch.save({"format_version": FORMAT_VERSION + 1, **_state(0.0)}, path)
    with pytest.raises(CheckpointError, match="checkpoint format"):
        load_checkpoint(path)


def test_checkpoint_without_the_required_keys_is_refused(tmp_path):
    path = save_checkpoint(tmp_path / "partial.pt", {"config": {}})
    with pytest.raises(CheckpointError, match="lacks generator"):
        load_checkpoint(path)


@pytest.fixture
def ring_run(tmp_path, no_plots):
    """A one-epoch ring run with an EMA, on 256 points."""
    config = TrainConfig(out_dir=str(tmp_path), name="tiny", n_points=256, batch_size=64, epochs=1,
                         ema_decay=0.9, progress=False, width=16)
    data = load_dataset("ring", n_points=256)
    return train(config, data=data)


def test_load_generator_from_a_run_directory_uses_the_ema_weights(ring_run):
    generator, config = load_generator(ring_run.run_dir)
    assert not generator.training and config.name == "tiny" and config.width == 16
    stored = load_checkpoint(ring_run.run_dir / "checkpoints" / "best.pt")
    for name, tensor in generator.state_dict().items():
        assert torch.equal(tensor, stored["ema"]["module"][name])
    raw, _ = load_generator(ring_run.run_dir / "checkpoints" / "latest.pt", use_ema=False)
    assert torch.equal(raw.state_dict()["net.0.weight"], stored["generator"]["net.0.weight"])
    assert not torch.equal(raw.state_dict()["net.0.weight"], generator.state_dict()["net.0.weight"])


def test_load_generator_with_another_architecture_names_the_mismatch(ring_run):
    other = TrainConfig(out_dir=str(ring_run.run_dir.parent), name="tiny", n_points=256, width=32)
    with pytest.raises(CheckpointError, match="shape mismatch .*net.0.weight"):
        load_generator(ring_run.run_dir, config=other)


def test_load_generator_from_a_directory_without_checkpoints(tmp_path):
    with pytest.raises(CheckpointError, match="run directory"):
        load_generator(tmp_path)
