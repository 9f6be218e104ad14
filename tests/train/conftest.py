"""Tiny data and configurations shared by the trainer tests."""

from __future__ import annotations

import pytest
import torch

from gan_course.data import load_dataset, synthetic_like
from gan_course.train import TrainConfig


@pytest.fixture
def ring_data():
    """256 ring points: 4 batches of 64 per epoch."""
    return load_dataset("ring", n_points=256)


@pytest.fixture
def fashion_data():
    """16 synthetic labelled 28x28 images shaped like Fashion-MNIST."""
    return synthetic_like("fashion-mnist", n=16)


@pytest.fixture
def tiny_config(tmp_path):
    """A ring configuration that trains in a fraction of a second per epoch."""

    def make(**overrides) -> TrainConfig:
        values = dict(out_dir=str(tmp_path / "runs"), name="tiny", n_points=256, batch_size=64, epochs=2,
                      width=16, latent_dim=8, progress=False, log_every=1, sample_every=100, threads=1)
        values.update(overrides)
        return TrainConfig(**values)

    return make


class OptimizerStepCounter:
    """Counts optimizer.step() calls through torch's step post-hooks."""

    def __init__(self, *optimizers):
        self.counts = [0] * len(optimizers)
        for index, optimizer in enumerate(optimizers):
            optimizer.register_step_post_hook(lambda *_, index=index: self._count(index))

    def _count(self, index: int) -> None:
        self.counts[index] += 1


def parameters_of(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().clone() for name, tensor in module.state_dict().items()}


@pytest.fixture
def no_plots(monkeypatch):
    """Skip the matplotlib outputs (samples, final plots) in tests of the loop itself: they cost
    about a second per run and are checked by the run-directory tests."""
    monkeypatch.setattr("gan_course.train.run_writer.save_final_plots", lambda *args, **kwargs: [])
    monkeypatch.setattr("gan_course.train.run_writer.save_samples", lambda *args, **kwargs: None)
