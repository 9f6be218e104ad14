"""Is the per-epoch metric the documented distance, fixed across epochs and runs, and free of
side effects on the training random streams and module modes?"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_course.data import load_dataset, sample_ring, synthetic_like
from gan_course.metrics import energy_distance, sliced_wasserstein
from gan_course.train.epoch_metric import EVAL_POINTS, EpochMetric, FixedRealEnergyDistance, generate


@pytest.mark.parametrize("scale", [1.0, 1.05, 0.5])
def test_fast_energy_distance_agrees_with_the_float64_reference(scale):
    real = sample_ring(2000, generator=torch.Generator().manual_seed(0))
    fake = sample_ring(2000, generator=torch.Generator().manual_seed(1)) * scale
    assert FixedRealEnergyDistance(real)(fake) == pytest.approx(energy_distance(fake, real), abs=1e-4)


def test_fast_energy_distance_of_the_real_set_itself_is_zero():
    real = sample_ring(500, generator=torch.Generator().manual_seed(0))
    assert FixedRealEnergyDistance(real)(real.clone()) == pytest.approx(0.0, abs=1e-5)


class Shift(nn.Module):
    """A 'generator' z (B, 2) -> z + offset, with dropout to check that eval mode is used."""

    latent_dim = 2

    def __init__(self, offset: float):
        super().__init__()
        self.offset = offset
        self.drop = nn.Dropout(0.5)

    def forward(self, z, labels=None):
        return self.drop(z) + self.offset


def test_points_metric_uses_fixed_real_points_and_noise():
    data = load_dataset("ring", n_points=3000)
    metric, again = EpochMetric(data, 2, torch.device("cpu")), EpochMetric(data, 2, torch.device("cpu"))
    assert metric.name == "energy_distance" and len(metric.real) == EVAL_POINTS
    assert torch.equal(metric.real, again.real) and torch.equal(metric.z, again.z)
    generator = Shift(3.0).train()
    fake = metric.samples(generator)
    assert torch.equal(fake, metric.z + 3.0)  # dropout was off: eval mode
    assert generator.training and generator.drop.training  # ... and the modes are restored
    assert metric(generator) == pytest.approx(energy_distance(metric.z + 3.0, metric.real), abs=1e-4)


def test_metric_does_not_touch_the_global_rng():
    data = load_dataset("ring", n_points=500)
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    metric = EpochMetric(data, 2, torch.device("cpu"))
    metric(Shift(0.0))
    assert torch.equal(torch.rand(3), expected)


def test_image_metric_is_the_sliced_wasserstein_distance():
    data = synthetic_like("fashion-mnist", n=32)
    metric = EpochMetric(data, 4, torch.device("cpu"))
    assert metric.name == "sliced_wasserstein" and metric.real.shape == (32, 1, 28, 28)
    assert metric.labels is not None and len(metric.labels) == 32
    fake = torch.zeros(32, 1, 28, 28)
    assert metric(None, fake) == pytest.approx(sliced_wasserstein(fake, metric.real))


def test_generate_runs_in_chunks_with_labels():
    calls = []

    class Echo(nn.Module):
        def forward(self, z, labels=None):
            calls.append(len(z))
            return z + labels.unsqueeze(1)

    z, labels = torch.zeros(5, 2), torch.arange(5)
    out = generate(Echo(), z, labels, chunk=2)
    assert calls == [2, 2, 1] and torch.equal(out[:, 0], labels.float())
