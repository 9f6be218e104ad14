"""Does the validation FID run on the epochs it should, pick checkpoints/best.pt, record its time,
and leave the training itself untouched?"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from gan_course.data import synthetic_like, to_float
from gan_course.errors import ConfigError
from gan_course.metrics.stats_cache import select_images
from gan_course.train import TrainConfig, load_checkpoint, resolve, train
from gan_course.train.validation import VALIDATION_SEED, ValidationFID


@pytest.fixture
def image_config(tmp_path):
    """A tiny conditional GAN on 64 synthetic Fashion-MNIST-shaped images."""

    def make(**overrides) -> TrainConfig:
        values = dict(out_dir=str(tmp_path / "runs"), name="val", model="cgan", dataset="fashion-mnist",
                      batch_size=16, epochs=3, width=8, latent_dim=8, progress=False, log_every=1,
                      sample_every=100, threads=1, fid_every=2, fid_samples=32)
        values.update(overrides)
        return TrainConfig(**values)

    return make


@pytest.fixture
def images():
    return synthetic_like("fashion-mnist", n=64, seed=0)


def test_the_fid_runs_every_k_epochs_and_after_the_last_and_its_time_is_recorded(image_config, images, no_plots):
    result = train(image_config(), data=images)
    epochs = result.history.epochs
    assert [v is not None for v in epochs["val_fid"]] == [False, True, True]  # epoch 2 (every 2nd) and 3 (last)
    assert all(math.isfinite(v) and v > 0 for v in epochs["val_fid"] if v is not None)
    assert all(t > 0 for t in epochs["eval_time"])
    assert result.best_by == "val_fid"


def test_the_lowest_validation_fid_picks_the_best_checkpoint(image_config, images, no_plots):
    result = train(image_config(epochs=4, fid_every=1), data=images)
    scores = result.history.epochs["val_fid"]
    best = min(range(len(scores)), key=lambda i: scores[i]) + 1
    assert result.best_epoch == best and result.best_metric == min(scores)
    assert load_checkpoint(result.run_dir / "checkpoints" / "best.pt")["epoch"] == best


def test_validation_leaves_the_trained_weights_bit_identical(image_config, images, no_plots, tmp_path):
    with_fid = train(image_config(epochs=2, fid_every=1), data=images)
    without = train(image_config(epochs=2, fid_every=None, out_dir=str(tmp_path / "other")), data=images)
    a = load_checkpoint(with_fid.run_dir / "checkpoints" / "latest.pt")["generator"]
    b = load_checkpoint(without.run_dir / "checkpoints" / "latest.pt")["generator"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert without.best_by == "sliced_wasserstein"


class Replay(nn.Module):
    """A 'generator' that returns fixed images, whatever z is."""

    def __init__(self, images: torch.Tensor, latent_dim: int):
        super().__init__()
        self.latent_dim = latent_dim
        self.register_buffer("images", images)
        self.anchor = nn.Parameter(torch.zeros(1))  # so that it has a device

    def forward(self, z, labels=None):
        return self.images[: len(z)]


def test_a_generator_replaying_the_validation_images_scores_zero_and_noise_scores_high(image_config, images):
    config = resolve(image_config(fid_samples=40))
    val = ValidationFID(config, images, latent_dim=8, device=torch.device("cpu"))
    real = to_float(select_images(images.data, n=40, seed=VALIDATION_SEED))  # the real side it draws
    assert val(Replay(real, 8)) == pytest.approx(0.0, abs=1e-4)
    noise = torch.rand(40, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert val(Replay(noise, 8)) > 10.0


def test_fid_every_on_the_ring_is_a_config_error(tiny_config):
    with pytest.raises(ConfigError, match="fid_every"):
        resolve(tiny_config(fid_every=1))


def test_fid_every_below_one_is_a_config_error(image_config):
    with pytest.raises(ConfigError, match="fid_every"):
        resolve(image_config(fid_every=0))
