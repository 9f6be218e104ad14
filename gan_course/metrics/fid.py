"""FID and KID of generated images, computed by torchmetrics in a pluggable feature space, with
the protocol attached to every number.

- FID: Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a Local
  Nash Equilibrium", https://arxiv.org/abs/1706.08500: the Frechet distance between Gaussians
  fitted to real and generated features, ||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2)).
- KID: Binkowski et al. 2018, "Demystifying MMD GANs", https://arxiv.org/abs/1801.01401: the
  unbiased MMD^2 with the kernel (x.y / d + 1)^3, averaged over random subsets (mean, std).

The arithmetic is torchmetrics' ``FrechetInceptionDistance`` / ``KernelInceptionDistance``
with a :class:`~gan_course.metrics.features.FeatureNetwork` as their ``feature`` module (by
default the package's own classifier of the dataset, offline). Generated images go through the
metric's public ``update(images, real=False)``. Real images given as tensors do too; real data
given by name come from :mod:`gan_course.metrics.stats_cache` and are written into the metric's
states (``real_features_sum``, ``real_features_cov_sum``, ``real_features_num_samples`` for FID;
``real_features`` for KID) before ``compute()``.

Both metrics are biased by the sample count (FID strongly), so every result carries a
:class:`Protocol`, and :func:`fid_floor` gives the real-vs-real floor at the same count.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import torch
from torch import Tensor

from ..errors import ConfigError
from .features import FeatureNetwork, resolve_feature_network
from .stats_cache import FEATURE_BATCH, RealStats, real_stats

KID_SUBSET_SIZE = 1000  # samples per subset (Binkowski et al. 2018, section 4)
KID_SUBSETS = 100  # subsets averaged (Binkowski et al. 2018, section 4)
DEFAULT_REAL_SAMPLES = 10_000  # real images drawn for a dataset given by name (the usual 10k protocol)
DEFAULT_FEATURE = "fashion-mnist"  # feature network when nothing names a dataset


@dataclass(frozen=True)
class Protocol:
    """How a number was measured: feature space, real data and sample counts."""

    feature: str  # feature network name, e.g. "fashion-mnist-classifier"
    feature_sha256: str  # sha256 of its weights
    num_features: int
    dataset: str | None  # the real data's dataset (None for tensors given directly)
    real_split: str | None
    n_real: int
    n_fake: int
    fake_source: str = "generated"  # what the second set is ("generated", "test split")
    seed: int | None = None  # draws of the real subset (and KID's subsets)
    kid_subset_size: int | None = None
    kid_subsets: int | None = None

    def describe(self) -> str:
        """One line, e.g. ``fashion-mnist-classifier@1a2b3c4d5e6f; 10000 real (fashion-mnist train) vs 10000 generated``."""
        sha = f"@{self.feature_sha256[:12]}" if self.feature_sha256 else ""
        real = f" ({self.dataset} {self.real_split})" if self.dataset else ""
        kid = f"; KID {self.kid_subsets} subsets of {self.kid_subset_size}" if self.kid_subset_size else ""
        return f"{self.feature}{sha}; {self.n_real} real{real} vs {self.n_fake} {self.fake_source}{kid}"


@dataclass(frozen=True)
class FIDResult:
    """An FID value and its protocol."""

    value: float
    protocol: Protocol

    def __float__(self) -> float:
        return self.value

    def as_dict(self) -> dict:
        return {"fid": self.value, **asdict(self.protocol)}

    def __str__(self) -> str:
        return f"FID {self.value:.3f} [{self.protocol.describe()}]"


@dataclass(frozen=True)
class KIDResult:
    """KID mean and std over subsets, and its protocol."""

    mean: float
    std: float
    protocol: Protocol

    def as_dict(self) -> dict:
        return {"kid_mean": self.mean, "kid_std": self.std, **asdict(self.protocol)}

    def __str__(self) -> str:
        return f"KID {self.mean:.5f} +- {self.std:.5f} [{self.protocol.describe()}]"


# --- inputs ---------------------------------------------------------------------------------

def _batches(images, batch_size: int) -> Iterable[Tensor]:
    """Batches ``(B, C, H, W)`` of a tensor, an InMemoryData (its uint8 pixels) or an iterable of batches
    (tensors, or ``(x, y)`` pairs as ``InMemoryData.batches`` yields)."""
    if isinstance(images, Tensor):
        return images.split(batch_size)
    data = getattr(images, "data", None)
    if isinstance(data, Tensor):
        return data.split(batch_size)
    if isinstance(images, Iterable):
        return images
    raise ConfigError(f"images must be a tensor (N, C, H, W), an InMemoryData or an iterable of batches, "
                      f"got {type(images).__name__}")


def _feature_for(real, feature) -> FeatureNetwork:
    """``feature``, or by default the classifier of the real data's dataset (else Fashion-MNIST's)."""
    if feature is not None:
        return resolve_feature_network(feature)
    if isinstance(real, str):
        return resolve_feature_network(real)
    if isinstance(real, RealStats):
        return resolve_feature_network(real.key["dataset"])
    return resolve_feature_network(DEFAULT_FEATURE)


def _real_stats(real, net: FeatureNetwork, *, split: str, n_real: int | None, seed: int,
                cache: bool) -> RealStats | None:
    """Cached statistics for a dataset name, the given RealStats, or None for images to run now."""
    if isinstance(real, str):
        return real_stats(real, split=split, n=n_real, feature=net, seed=seed, cache=cache)
    if isinstance(real, RealStats):
        if (real.key["feature"], real.key["feature_sha256"]) != (net.name, net.sha256):
            raise ConfigError(f"the real statistics were computed with {real.key['feature']} but the feature network "
                              f"is {net.identity}; compute them with the same feature network")
        return real
    return None


def _update(metric, images, *, real: bool, batch_size: int) -> int:
    """Feed images to ``metric.update`` in batches; returns how many went in."""
    count = 0
    with torch.no_grad():
        for batch in _batches(images, batch_size):
            if isinstance(batch, (tuple, list)):  # (x, y) from InMemoryData.batches
                batch = batch[0]
            metric.update(batch, real=real)
            count += len(batch)
    return count


def _protocol(net: FeatureNetwork, real, stats: RealStats | None, *, n_real: int, n_fake: int, **extra) -> Protocol:
    key = stats.key if stats is not None else {}
    dataset = key.get("dataset") or (getattr(real, "name", None) if not isinstance(real, Tensor) else None)
    return Protocol(feature=net.name, feature_sha256=net.sha256, num_features=net.num_features, dataset=dataset,
                    real_split=key.get("split"), n_real=n_real, n_fake=n_fake, **extra)


# --- FID ------------------------------------------------------------------------------------

def _fid_metric(net: FeatureNetwork):
    from torchmetrics.image.fid import FrechetInceptionDistance

    return FrechetInceptionDistance(feature=net, reset_real_features=False)


def _set_fid_states(metric, stats: RealStats, *, real: bool) -> None:
    """Write cached sums into the metric's states, as its ``update`` would have accumulated them."""
    side = "real" if real else "fake"
    setattr(metric, f"{side}_features_sum", stats.features_sum.clone())  # (d,) float64
    setattr(metric, f"{side}_features_cov_sum", stats.cov_sum.clone())  # (d, d) float64
    setattr(metric, f"{side}_features_num_samples", torch.tensor(stats.num_samples, dtype=torch.long))


def _fid_value(metric) -> float:
    # torchmetrics casts its float64 result to the dtype of the last features it saw (float32 here,
    # unset when every state was written directly); keep the float64 value.
    # When both sides come from the cache, update() never ran and torchmetrics warns about it.
    metric.orig_dtype = torch.float64
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*called before the ``update`` method", category=UserWarning)
        return float(metric.compute())


def compute_fid(
    real,
    fake,
    *,
    feature: str | FeatureNetwork | None = None,
    split: str = "train",
    n_real: int | None = DEFAULT_REAL_SAMPLES,
    seed: int = 0,
    batch_size: int = FEATURE_BATCH,
    cache: bool = True,
) -> FIDResult:
    """FID between real and generated images, with its protocol.

    Args:
        real: a dataset name (its ``split``: ``n_real`` images drawn from ``seed``, statistics
            cached; ``n_real=None`` takes the whole split), a :class:`RealStats`, or images:
            a tensor ``(N, C, H, W)`` (float in [-1, 1] or uint8), an InMemoryData, an iterable of batches.
        fake: generated images in any of the image forms above.
        feature: feature network (instance, classifier dataset name or ``"inception"``); by
            default the classifier of ``real``'s dataset, else Fashion-MNIST's.

    Raises ConfigError when fewer than 2 images are on either side.
    """
    net = _feature_for(real, feature)
    stats = _real_stats(real, net, split=split, n_real=n_real, seed=seed, cache=cache)
    metric = _fid_metric(net)
    if stats is not None:
        _set_fid_states(metric, stats, real=True)
        count_real = stats.num_samples
    else:
        count_real = _update(metric, real, real=True, batch_size=batch_size)
    count_fake = _update(metric, fake, real=False, batch_size=batch_size)
    if min(count_real, count_fake) < 2:
        raise ConfigError(f"FID needs at least 2 real and 2 generated images, got {count_real} and {count_fake}")
    return FIDResult(_fid_value(metric), _protocol(net, real, stats, n_real=count_real, n_fake=count_fake, seed=seed))


def fid_floor(
    dataset: str,
    *,
    n: int = DEFAULT_REAL_SAMPLES,
    feature: str | FeatureNetwork | None = None,
    seed: int = 0,
    cache: bool = True,
) -> FIDResult:
    """The real-vs-real FID floor: ``n`` train images against ``n`` test images of ``dataset``.

    A generator cannot be expected to score below this at the same sample count; report it beside
    every FID. Both sides come from the statistics cache.
    """
    net = _feature_for(dataset, feature)
    train = real_stats(dataset, split="train", n=n, feature=net, seed=seed, cache=cache)
    test = real_stats(dataset, split="test", n=n, feature=net, seed=seed, cache=cache)
    metric = _fid_metric(net)
    _set_fid_states(metric, train, real=True)
    _set_fid_states(metric, test, real=False)
    protocol = _protocol(net, dataset, train, n_real=train.num_samples, n_fake=test.num_samples,
                         fake_source="test split", seed=seed)
    return FIDResult(_fid_value(metric), protocol)


# --- KID ------------------------------------------------------------------------------------

def _kid_metric(net: FeatureNetwork, *, subset_size: int, subsets: int):
    from torchmetrics.image.kid import KernelInceptionDistance

    with warnings.catch_warnings():  # its notice that it keeps every feature in memory
        warnings.simplefilter("ignore", UserWarning)
        return KernelInceptionDistance(feature=net, subsets=subsets, subset_size=subset_size,
                                       reset_real_features=False)


def compute_kid(
    real,
    fake,
    *,
    feature: str | FeatureNetwork | None = None,
    split: str = "train",
    n_real: int | None = DEFAULT_REAL_SAMPLES,
    subset_size: int | None = None,
    subsets: int = KID_SUBSETS,
    seed: int = 0,
    batch_size: int = FEATURE_BATCH,
    cache: bool = True,
) -> KIDResult:
    """KID (mean and std over ``subsets`` random subsets of ``subset_size``) with its protocol.

    ``real``, ``fake``, ``feature``, ``split``, ``n_real`` as in :func:`compute_fid`.
    ``subset_size`` defaults to ``min(1000, n_real, n_fake)``; a larger one than either set
    raises ConfigError. The subsets are drawn from ``seed`` (the global RNG is left as it was).
    """
    net = _feature_for(real, feature)
    stats = _real_stats(real, net, split=split, n_real=n_real, seed=seed, cache=cache)
    metric = _kid_metric(net, subset_size=subset_size or 1, subsets=subsets)
    if stats is not None:
        metric.real_features = [stats.features.clone()]  # (n, d) float32
        count_real = stats.num_samples
    else:
        count_real = _update(metric, real, real=True, batch_size=batch_size)
    count_fake = _update(metric, fake, real=False, batch_size=batch_size)
    size = subset_size if subset_size is not None else min(KID_SUBSET_SIZE, count_real, count_fake)
    if not 2 <= size <= min(count_real, count_fake):
        raise ConfigError(f"KID subset size {size} needs 2 <= size <= the smaller set ({count_real} real, "
                          f"{count_fake} generated); pass a smaller subset_size or more images")
    metric.subset_size = size
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        mean, std = metric.compute()
    protocol = _protocol(net, real, stats, n_real=count_real, n_fake=count_fake, seed=seed,
                         kid_subset_size=size, kid_subsets=subsets)
    return KIDResult(float(mean), float(std), protocol)
