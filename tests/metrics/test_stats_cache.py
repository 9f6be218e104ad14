"""Is the real-statistics cache reused when valid, and rebuilt when corrupt or mismatched?"""

from __future__ import annotations

import logging
import shutil

import pytest
import torch
from torch import nn

from gan_course import paths
from gan_course.data import synthetic_images
from gan_course.errors import ConfigError
from gan_course.metrics import stats_cache
from gan_course.metrics.features import FeatureNetwork
from gan_course.metrics.stats_cache import STATS_SUBDIR, real_stats, select_images, stats_from_features


class PixelMeans(nn.Module):
    """A tiny deterministic feature extractor: the mean of each image row (H features)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(1, 3))  # (N, C, H, W) -> (N, H)


def pixel_network(sha: str = "0" * 64) -> FeatureNetwork:
    return FeatureNetwork(PixelMeans(), 8, name="row-means", sha256=sha, input_shape=(1, 8, 8))


@pytest.fixture
def data():
    return synthetic_images((1, 8, 8), n=60, num_classes=3, seed=0, name="toy")


@pytest.fixture
def extractions(monkeypatch):
    """Counts how often the feature network runs over real images."""
    calls = []
    original = stats_cache.extract_features

    def counting(feature, images, **kwargs):
        calls.append(len(images))
        return original(feature, images, **kwargs)

    monkeypatch.setattr(stats_cache, "extract_features", counting)
    return calls


def cache_files() -> list:
    folder = paths.cache_dir() / STATS_SUBDIR
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_the_second_request_reads_the_cache_instead_of_recomputing(data, extractions):
    first = real_stats(data, n=40, feature=pixel_network(), seed=1)
    second = real_stats(data, n=40, feature=pixel_network(), seed=1)
    assert extractions == [40]
    assert (first.source, second.source) == ("computed", "cache")
    assert torch.equal(first.features, second.features) and torch.equal(first.cov_sum, second.cov_sum)
    assert [p.suffix for p in cache_files()] == [".pt"]  # no temporary file left behind


def test_the_statistics_are_the_sums_torchmetrics_accumulates(data):
    stats = real_stats(data, n=None, feature=pixel_network(), cache=False)
    features = data.data.float().div(127.5).sub(1).mean(dim=(1, 3)).double()  # (60, 8)
    assert torch.allclose(stats.features_sum, features.sum(0), atol=1e-4)
    assert torch.allclose(stats.cov(), torch.cov(features.t()), atol=1e-5)
    assert stats.num_samples == 60 and cache_files() == []


def test_a_truncated_cache_file_is_rebuilt_with_a_warning(data, extractions, caplog):
    real_stats(data, n=30, feature=pixel_network())
    (path,) = cache_files()
    path.write_bytes(path.read_bytes()[:100])
    with caplog.at_level(logging.WARNING, logger=stats_cache.__name__):
        rebuilt = real_stats(data, n=30, feature=pixel_network())
    assert rebuilt.source == "computed" and extractions == [30, 30]
    assert "unreadable" in caplog.text and "rebuilding" in caplog.text
    assert real_stats(data, n=30, feature=pixel_network()).source == "cache"  # the rewrite is valid


def test_a_cache_file_with_altered_numbers_fails_its_checksum_and_is_rebuilt(data, extractions, caplog):
    original = real_stats(data, n=30, feature=pixel_network())
    (path,) = cache_files()
    payload = torch.load(path, weights_only=True)
    payload["features"][0, 0] += 1.0
    torch.save(payload, path)
    with caplog.at_level(logging.WARNING, logger=stats_cache.__name__):
        rebuilt = real_stats(data, n=30, feature=pixel_network())
    assert "checksum" in caplog.text and extractions == [30, 30]
    assert torch.equal(rebuilt.features, original.features)


def test_a_cache_file_holding_another_key_is_rebuilt(data, extractions, caplog):
    """A file copied over the name of another key (other seed) must not be trusted."""
    real_stats(data, n=30, feature=pixel_network(), seed=0)
    (seed0,) = cache_files()
    seed1 = seed0.with_name(seed0.name.replace("seed0", "seed1"))
    shutil.copy(seed0, seed1)
    with caplog.at_level(logging.WARNING, logger=stats_cache.__name__):
        stats = real_stats(data, n=30, feature=pixel_network(), seed=1)
    assert stats.source == "computed" and stats.key["seed"] == 1 and extractions == [30, 30]
    assert "differs" in caplog.text


def test_other_weights_or_counts_or_data_get_their_own_entries(data, extractions):
    real_stats(data, n=30, feature=pixel_network("a" * 64))
    real_stats(data, n=30, feature=pixel_network("b" * 64))
    real_stats(data, n=20, feature=pixel_network("a" * 64))
    other = synthetic_images((1, 8, 8), n=60, num_classes=3, seed=1, name="toy")
    real_stats(other, n=30, feature=pixel_network("a" * 64))
    assert extractions == [30, 30, 20, 30] and len(cache_files()) == 4


def test_the_subset_is_drawn_from_the_seed_without_repeats():
    images = torch.arange(50, dtype=torch.uint8).view(50, 1, 1, 1)
    a, b = select_images(images, n=20, seed=3), select_images(images, n=20, seed=3)
    assert torch.equal(a, b) and len(a.unique()) == 20
    assert not torch.equal(a, select_images(images, n=20, seed=4))
    with pytest.raises(ConfigError, match="holds 50"):
        select_images(images, n=51, seed=0)


def test_statistics_of_known_features_have_the_right_mean_and_covariance():
    features = torch.tensor([[0.0, 1.0], [2.0, 1.0], [4.0, 4.0]])
    stats = stats_from_features(features, {})
    assert torch.allclose(stats.mean(), torch.tensor([2.0, 2.0], dtype=torch.float64))
    assert torch.allclose(stats.cov(), torch.tensor([[4.0, 3.0], [3.0, 3.0]], dtype=torch.float64))
