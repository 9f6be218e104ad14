"""Real-data statistics for FID and KID, computed once and cached on disk.

FID (Heusel et al. 2017, https://arxiv.org/abs/1706.08500) needs the mean and covariance of
the real images' features; KID (Binkowski et al. 2018, https://arxiv.org/abs/1801.01401)
needs the features themselves. Both depend only on (dataset, split, feature network and its
weights, sample count, sampling seed), so every evaluation after the first reads them from
``$GAN_COURSE_CACHE/real-stats/`` instead of running the feature network on the real images.

A :class:`RealStats` holds them in torchmetrics' own form, so they are fed into
``FrechetInceptionDistance`` by setting its ``real_features_sum`` / ``real_features_cov_sum`` /
``real_features_num_samples`` states and into ``KernelInceptionDistance`` as its
``real_features`` list (see :mod:`gan_course.metrics.fid`); the sums are the ones torchmetrics'
``update`` accumulates (float64 sum of f and of f f^T over the features f).

Each file stores its key and a sha256 of its contents. It is written atomically (temporary
file + ``os.replace``, :mod:`gan_course.atomic`). A file that cannot be read, whose checksum fails, or whose stored key
differs from the one asked for is logged as a warning and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from .. import paths
from ..atomic import atomic_write
from ..errors import ConfigError
from .features import FeatureNetwork, resolve_feature_network

STATS_FORMAT = 1  # bump when the stored layout changes; older files are then rebuilt
STATS_SUBDIR = "real-stats"
FEATURE_BATCH = 500  # images per forward pass of the feature network

log = logging.getLogger(__name__)


@dataclass
class RealStats:
    """Feature statistics of ``num_samples`` real images under one feature network.

    features: ``(n, d)`` float32 (KID's real features); features_sum: ``(d,)`` float64 = sum of f;
    cov_sum: ``(d, d)`` float64 = sum of f f^T; key: what they were computed from;
    source: ``"computed"`` now or read from the ``"cache"``.
    """

    key: dict
    features: Tensor
    features_sum: Tensor
    cov_sum: Tensor
    source: str = "computed"

    @property
    def num_samples(self) -> int:
        return int(self.features.shape[0])

    @property
    def num_features(self) -> int:
        return int(self.features.shape[1])

    def mean(self) -> Tensor:
        """Feature mean ``(d,)`` float64."""
        return self.features_sum / self.num_samples

    def cov(self) -> Tensor:
        """Unbiased feature covariance ``(d, d)`` float64, as torchmetrics computes it."""
        mean = self.mean().unsqueeze(0)  # (1, d)
        return (self.cov_sum - self.num_samples * mean.t().mm(mean)) / (self.num_samples - 1)


def extract_features(feature: FeatureNetwork, images, *, batch_size: int = FEATURE_BATCH) -> Tensor:
    """Features of images ``(N, C, H, W)`` (uint8 or float in [-1, 1]) in batches: ``(N, d)`` float32."""
    chunks = [feature(batch) for batch in images.split(batch_size)]
    return torch.cat(chunks) if chunks else torch.empty(0, feature.num_features)


def stats_from_features(features: Tensor, key: dict) -> RealStats:
    """RealStats of features ``(n, d)``: the sums torchmetrics' FID ``update`` would accumulate."""
    features = features.to(torch.float32).contiguous()
    wide = features.double()  # (n, d), torchmetrics casts features to float64 before summing
    return RealStats(key=key, features=features, features_sum=wide.sum(dim=0), cov_sum=wide.t().mm(wide))


def select_images(images: Tensor, *, n: int | None, seed: int, what: str = "the data") -> Tensor:
    """``n`` distinct images ``(n, C, H, W)`` drawn from ``seed`` (in their stored order), or all when n is None."""
    if n is None:
        return images
    if not 2 <= n <= len(images):
        raise ConfigError(f"asked for {n} real images but {what} holds {len(images)}; use 2 <= n <= {len(images)}")
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))[:n]
    return images[order.sort().values]


def stats_key(dataset: str, *, split: str, feature: FeatureNetwork, n: int | None, seed: int,
              source: str = "registry") -> dict:
    """Everything the statistics depend on. ``source`` is ``"registry"`` (loaded by name) or the sha256 of given data."""
    return {"format": STATS_FORMAT, "dataset": dataset, "split": split, "feature": feature.name,
            "feature_sha256": feature.sha256, "num_features": feature.num_features,
            "n": "all" if n is None else int(n), "seed": int(seed), "source": source}


def stats_path(key: dict) -> Path:
    """``$GAN_COURSE_CACHE/real-stats/<dataset>-<split>-<feature>-<sha12>-n<n>-seed<seed>[-<data sha>].pt``."""
    source = "" if key["source"] == "registry" else "-" + key["source"][-12:]
    name = (f"{key['dataset']}-{key['split']}-{key['feature']}-{key['feature_sha256'][:12] or 'noweights'}-"
            f"n{key['n']}-seed{key['seed']}{source}.pt")
    return paths.cache_dir() / STATS_SUBDIR / name.replace("/", "_")


def _checksum(key: dict, stats: RealStats) -> str:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode())
    for tensor in (stats.features, stats.features_sum, stats.cov_sum):
        digest.update(tensor.contiguous().numpy().tobytes())
    return digest.hexdigest()


def save_stats(stats: RealStats, path: Path) -> None:
    """Write ``stats`` with its key and checksum to ``path`` atomically."""
    payload = {"key": stats.key, "features": stats.features, "features_sum": stats.features_sum,
               "cov_sum": stats.cov_sum, "checksum": _checksum(stats.key, stats)}
    with atomic_write(path, "wb") as handle:
        torch.save(payload, handle)


def load_stats(path: Path, key: dict) -> RealStats:
    """The RealStats stored at ``path`` for ``key``; ValueError saying why when unusable."""
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated, not a torch file, unpickling refused
        raise ValueError(f"unreadable ({type(exc).__name__})") from None
    if not isinstance(payload, dict) or not {"key", "features", "features_sum", "cov_sum", "checksum"} <= payload.keys():
        raise ValueError("not a real-statistics file")
    if payload["key"] != key:
        raise ValueError(f"stored key {payload['key']} differs from {key}")
    stats = RealStats(key=payload["key"], features=payload["features"], features_sum=payload["features_sum"],
                      cov_sum=payload["cov_sum"], source="cache")
    d = key["num_features"]
    if stats.features.dim() != 2 or stats.features.shape[1] != d or stats.cov_sum.shape != (d, d):
        raise ValueError("tensor shapes do not match the feature network")
    if _checksum(key, stats) != payload["checksum"]:
        raise ValueError("checksum mismatch (the file was modified or damaged)")
    return stats


def real_stats(
    dataset,
    *,
    split: str = "train",
    n: int | None = None,
    feature: str | FeatureNetwork | None = None,
    seed: int = 0,
    cache: bool = True,
    batch_size: int = FEATURE_BATCH,
) -> RealStats:
    """Feature statistics of ``n`` real images of ``dataset``'s ``split``: from the cache, else computed and cached.

    Args:
        dataset: a dataset name (loaded with ``gan_course.data.load_dataset`` only on a cache
            miss) or an :class:`InMemoryData` of uint8 images (keyed by its name and the sha256
            of its pixels).
        split: the split to load (a label only when ``dataset`` is data).
        n: images drawn without replacement from ``seed``; None takes the whole split.
        feature: a FeatureNetwork, a dataset name of a classifier, ``"inception"``; None means
            the classifier of ``dataset``.
        cache: False computes without reading or writing the cache.

    Returns a :class:`RealStats` whose ``source`` says whether it came from the cache.
    """
    from ..data import load_dataset

    by_name = isinstance(dataset, str)
    name = dataset if by_name else dataset.name
    net = resolve_feature_network(feature if feature is not None else name)
    images = None
    if by_name:
        source = "registry"
    else:
        images = dataset.data  # (N, C, H, W) uint8
        source = "data-sha256:" + hashlib.sha256(images.contiguous().numpy().tobytes()).hexdigest()
    key = stats_key(name, split=split, feature=net, n=n, seed=seed, source=source)
    path = stats_path(key)
    if cache and path.is_file():
        try:
            return load_stats(path, key)
        except ValueError as why:
            log.warning("real-statistics cache %s is unusable (%s); rebuilding it", path, why)
    if images is None:
        images = load_dataset(name, split=split).data
    selected = select_images(images, n=n, seed=seed, what=f"{name} ({split})")  # (n, C, H, W) uint8
    stats = stats_from_features(extract_features(net, selected, batch_size=batch_size), key)
    if cache:
        save_stats(stats, path)
    return stats
