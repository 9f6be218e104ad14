"""Do FID and KID (torchmetrics in a pluggable feature space) match their closed forms, and does
every result carry its protocol?"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch
from torch import nn

from gan_course.errors import ConfigError
from gan_course.metrics.features import FeatureNetwork, load_feature_network
from gan_course.metrics.fid import (
    KID_SUBSETS, FIDResult, KIDResult, compute_fid, compute_kid, fid_floor,
)
from gan_course.metrics.stats_cache import stats_from_features


def identity_network(d: int) -> FeatureNetwork:
    """Features = the flattened input, so 'images' (N, d, 1, 1) carry known feature vectors."""
    return FeatureNetwork(nn.Flatten(), d, name="identity")


def as_images(features: torch.Tensor) -> torch.Tensor:
    return features.reshape(len(features), -1, 1, 1)  # (N, d) -> (N, d, 1, 1)


def frechet_reference(x: np.ndarray, y: np.ndarray) -> float:
    """||mu_x - mu_y||^2 + Tr(Sx + Sy - 2 sqrtm(Sx Sy)) from sample statistics, with scipy."""
    mx, my = x.mean(0), y.mean(0)
    sx, sy = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    root = scipy.linalg.sqrtm(sx @ sy).real
    return float(((mx - my) ** 2).sum() + np.trace(sx + sy - 2 * root))


def kid_reference(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 with k(a, b) = (a.b / d + 1)^3 (COURSE.md's kernel_inception_distance)."""
    d = x.shape[1]
    kxx, kyy, kxy = ((x @ x.T) / d + 1) ** 3, ((y @ y.T) / d + 1) ** 3, ((x @ y.T) / d + 1) ** 3
    m, n = len(x), len(y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                 - 2 * kxy.mean())


def gaussian(n: int, mean, std, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, len(mean), generator=g) * torch.tensor(std) + torch.tensor(mean)  # (n, d)


def test_fid_of_a_set_against_itself_is_zero():
    x = gaussian(500, [0.0, 1.0, -2.0, 3.0], [1.0, 2.0, 0.5, 1.0], seed=0)
    result = compute_fid(as_images(x), as_images(x), feature=identity_network(4))
    assert result.value == pytest.approx(0.0, abs=1e-6)


def test_fid_matches_the_frechet_distance_of_the_sample_statistics():
    """With identity features, torchmetrics' FID equals scipy's closed form on the same samples."""
    x = gaussian(400, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0], seed=1)
    y = gaussian(300, [1.0, -0.5, 0.0], [2.0, 0.5, 1.0], seed=2)
    y = y @ torch.tensor([[1.0, 0.3, 0.0], [0.0, 1.0, 0.2], [0.0, 0.0, 1.0]])  # correlated covariance
    expected = frechet_reference(x.double().numpy(), y.double().numpy())
    result = compute_fid(as_images(x), as_images(y), feature=identity_network(3), batch_size=64)
    assert result.value == pytest.approx(expected, rel=1e-5)


def test_fid_of_two_large_gaussian_samples_approaches_the_population_closed_form():
    """Diagonal Gaussians: FID = |mu1 - mu2|^2 + sum (s1 + s2 - 2 sqrt(s1 s2)) = sum dmu^2 + sum (sd1 - sd2)^2."""
    mean1, std1, mean2, std2 = [0.0, 0.0, 0.0], [1.0, 1.0, 3.0], [1.0, 0.0, 0.0], [2.0, 1.0, 1.0]
    closed = sum((a - b) ** 2 for a, b in zip(mean1, mean2)) + sum((a - b) ** 2 for a, b in zip(std1, std2))
    assert closed == pytest.approx(6.0)
    # sampling error of the estimate: about 2 |dmu| sd / sqrt(n) + 2 |dsd| sd / sqrt(2n) = 0.03 for n = 1e5
    x, y = gaussian(100_000, mean1, std1, seed=3), gaussian(100_000, mean2, std2, seed=4)
    result = compute_fid(as_images(x), as_images(y), feature=identity_network(3), batch_size=25_000)
    assert result.value == pytest.approx(closed, abs=0.15)


def test_cached_real_statistics_give_the_same_fid_as_real_images():
    x, y = gaussian(200, [0.0, 0.0], [1.0, 1.0], seed=5), gaussian(150, [0.5, 0.0], [1.0, 2.0], seed=6)
    net = identity_network(2)
    stats = stats_from_features(x, {"dataset": "toy", "split": "train", "feature": net.name,
                                    "feature_sha256": net.sha256})
    direct = compute_fid(as_images(x), as_images(y), feature=net)
    via_stats = compute_fid(stats, as_images(y), feature=net)
    assert via_stats.value == pytest.approx(direct.value, rel=1e-9)
    assert via_stats.value > 0.2
    kid_direct = compute_kid(as_images(x), as_images(y), feature=net, subset_size=50, subsets=5)
    kid_stats = compute_kid(stats, as_images(y), feature=net, subset_size=50, subsets=5)
    assert (kid_stats.mean, kid_stats.std) == pytest.approx((kid_direct.mean, kid_direct.std), rel=1e-6)
    assert kid_stats.mean > 0


def test_real_statistics_from_another_feature_network_are_refused():
    x = gaussian(20, [0.0, 0.0], [1.0, 1.0], seed=7)
    stats = stats_from_features(x, {"dataset": "toy", "split": "train", "feature": "other", "feature_sha256": "ab"})
    with pytest.raises(ConfigError, match="same feature network"):
        compute_fid(stats, as_images(x), feature=identity_network(2))


def test_fid_accepts_an_iterable_of_batches_and_counts_every_image():
    x, y = gaussian(90, [0.0, 0.0], [1.0, 1.0], seed=8), gaussian(70, [1.0, 0.0], [1.0, 1.0], seed=9)
    net = identity_network(2)
    whole = compute_fid(as_images(x), as_images(y), feature=net)
    streamed = compute_fid(as_images(x), (as_images(b) for b in y.split(16)), feature=net)
    assert streamed.value == pytest.approx(whole.value, rel=1e-9)
    assert (streamed.protocol.n_real, streamed.protocol.n_fake) == (90, 70)


def test_fid_with_a_single_generated_image_is_an_error():
    x = gaussian(10, [0.0, 0.0], [1.0, 1.0], seed=10)
    with pytest.raises(ConfigError, match="at least 2"):
        compute_fid(as_images(x), as_images(x[:1]), feature=identity_network(2))


def test_kid_matches_the_unbiased_mmd_with_the_cubic_kernel():
    """One subset holding every point is the plain unbiased MMD^2 estimate."""
    x, y = gaussian(60, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0], seed=11), gaussian(60, [0.5, 0.0, 1.0], [1.0, 2.0, 1.0], seed=12)
    result = compute_kid(as_images(x), as_images(y), feature=identity_network(3), subset_size=60, subsets=1)
    assert result.mean == pytest.approx(kid_reference(x.double().numpy(), y.double().numpy()), rel=1e-4)
    assert result.std == 0.0


def test_kid_is_unbiased_for_identical_distributions_on_small_samples():
    """The mean of many small-sample KIDs of one distribution lies within 3 standard errors of 0,
    while a shifted distribution lies far above."""
    net = identity_network(4)
    mean, std = [0.0, 1.0, 0.0, -1.0], [1.0, 1.0, 2.0, 1.0]
    same, shifted = [], []
    for draw in range(200):
        x, y = gaussian(20, mean, std, seed=2 * draw), gaussian(20, mean, std, seed=2 * draw + 1)
        same.append(compute_kid(as_images(x), as_images(y), feature=net, subset_size=20, subsets=1).mean)
        if draw < 50:
            z = y + torch.tensor([1.0, 0.0, 0.0, 0.0])
            shifted.append(compute_kid(as_images(x), as_images(z), feature=net, subset_size=20, subsets=1).mean)
    same = np.array(same)
    standard_error = same.std(ddof=1) / np.sqrt(len(same))
    assert abs(same.mean()) < 3 * standard_error
    assert (same < 0).any()  # unbiased, so it goes negative (a biased V-statistic never does)
    assert np.mean(shifted) > 10 * standard_error


def test_kid_subsets_are_reproducible_from_the_seed_and_leave_the_global_rng_alone():
    x, y = gaussian(100, [0.0, 0.0], [1.0, 1.0], seed=13), gaussian(100, [0.3, 0.0], [1.0, 1.0], seed=14)
    net = identity_network(2)
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = compute_kid(as_images(x), as_images(y), feature=net, subset_size=30, subsets=20, seed=5)
    after = torch.rand(1)
    b = compute_kid(as_images(x), as_images(y), feature=net, subset_size=30, subsets=20, seed=5)
    c = compute_kid(as_images(x), as_images(y), feature=net, subset_size=30, subsets=20, seed=6)
    assert (a.mean, a.std) == (b.mean, b.std)
    assert a.mean != c.mean
    assert torch.equal(before, after)
    assert a.std > 0


def test_kid_subset_larger_than_a_set_is_an_error_naming_the_fix():
    x = gaussian(10, [0.0, 0.0], [1.0, 1.0], seed=15)
    with pytest.raises(ConfigError, match="smaller subset_size"):
        compute_kid(as_images(x), as_images(x), feature=identity_network(2), subset_size=50)


def test_kid_default_subset_size_shrinks_to_the_smaller_set():
    x, y = gaussian(40, [0.0, 0.0], [1.0, 1.0], seed=16), gaussian(30, [0.0, 0.0], [1.0, 1.0], seed=17)
    result = compute_kid(as_images(x), as_images(y), feature=identity_network(2), subsets=3)
    assert (result.protocol.kid_subset_size, result.protocol.kid_subsets) == (30, 3)


def test_every_result_carries_its_protocol():
    x, y = gaussian(50, [0.0, 0.0], [1.0, 1.0], seed=18), gaussian(40, [0.0, 1.0], [1.0, 1.0], seed=19)
    net = identity_network(2)
    fid = compute_fid(as_images(x), as_images(y), feature=net)
    kid = compute_kid(as_images(x), as_images(y), feature=net)
    assert isinstance(fid, FIDResult) and isinstance(kid, KIDResult)
    fid_row, kid_row = fid.as_dict(), kid.as_dict()
    for row in (fid_row, kid_row):
        assert row["feature"] == "identity" and row["num_features"] == 2
        assert (row["n_real"], row["n_fake"], row["fake_source"]) == (50, 40, "generated")
        assert {"feature_sha256", "dataset", "real_split", "seed"} <= row.keys()
    assert fid_row["fid"] == float(fid) and fid_row["kid_subset_size"] is None
    assert (kid_row["kid_subset_size"], kid_row["kid_subsets"]) == (40, KID_SUBSETS)
    assert "50 real vs 40 generated" in str(fid) and "KID 100 subsets of 40" in str(kid)


def test_the_feature_network_works_as_torchmetrics_feature_directly():
    """The documented torchmetrics use: the module is called on update() and never trained."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    net = identity_network(2)
    metric = FrechetInceptionDistance(feature=net)
    metric.train()
    assert not net.training
    x = gaussian(100, [0.0, 0.0], [1.0, 1.0], seed=20)
    metric.update(as_images(x), real=True)
    metric.update(as_images(x + 1.0), real=False)
    assert float(metric.compute()) == pytest.approx(2.0, rel=1e-4)  # a pure shift by (1, 1)


# --- with the shipped Fashion-MNIST network and data -----------------------------------------

@pytest.fixture(scope="module")
def fashion_test(tmp_path_factory):
    """The first 2000 Fashion-MNIST test images, from Debian's dataset-fashion-mnist files."""
    from gan_course.data import load_dataset

    return load_dataset("fashion-mnist", split="test", root=tmp_path_factory.mktemp("data"), max_items=2000)


def test_fid_floor_is_small_and_positive_and_uses_the_cache():
    floor = fid_floor("fashion-mnist", n=300)
    again = fid_floor("fashion-mnist", n=300)
    assert again.value == floor.value
    assert floor.protocol.fake_source == "test split" and floor.protocol.real_split == "train"
    assert (floor.protocol.n_real, floor.protocol.n_fake) == (300, 300)
    assert floor.protocol.feature == "fashion-mnist-classifier"
    noise = torch.rand(300, 1, 28, 28) * 2 - 1
    far = compute_fid("fashion-mnist", noise, n_real=300)
    assert 0 < floor.value < far.value / 10
    assert far.protocol.dataset == "fashion-mnist" and far.protocol.feature_sha256 == floor.protocol.feature_sha256


def test_a_set_of_real_images_scores_lower_than_a_corrupted_copy(fashion_test):
    net = load_feature_network("fashion-mnist")
    real, other = fashion_test.data[:400], fashion_test.data[400:800]
    clean = compute_fid(real, other, feature=net)
    noisy = (other.float() + torch.randn(other.shape, generator=torch.Generator().manual_seed(0)) * 60).clamp(0, 255)
    corrupted = compute_fid(real, noisy.to(torch.uint8), feature=net)
    assert clean.value < corrupted.value
    kid_clean = compute_kid(real, other, feature=net, subset_size=200, subsets=10)
    kid_noisy = compute_kid(real, noisy.to(torch.uint8), feature=net, subset_size=200, subsets=10)
    assert kid_clean.mean < kid_noisy.mean
