"""Metrics: sample distances for 2D and image models, and FID/KID on the package's own
feature networks (no download needed).

- :mod:`.distances`: energy distance, sliced Wasserstein distance
- :mod:`.classifier`: the small per-dataset classifiers whose penultimate features feed FID/KID
- :mod:`.features`: the feature-network adaptor torchmetrics uses (and the optional Inception)
- :mod:`.fid`: FID and KID with their protocol, and the real-vs-real FID floor
- :mod:`.stats_cache`: cached real-data statistics
- :mod:`.ring`: the ring's energy distance to fresh points, semicircle coverage, share within 3 sigma
- :mod:`.conditional`: a conditional generator's class accuracy and per-class FID

The FID/KID names are imported lazily (they pull in torchmetrics), so training, which only
needs the distances, starts fast.
"""

from __future__ import annotations

import importlib

from .distances import energy_distance, sliced_wasserstein

_LAZY = {
    "FeatureClassifier": "classifier", "load_classifier": "classifier", "train_classifier": "classifier",
    "FeatureNetwork": "features", "inception_feature_network": "features", "load_feature_network": "features",
    "FIDResult": "fid", "KIDResult": "fid", "Protocol": "fid", "compute_fid": "fid", "compute_kid": "fid",
    "fid_floor": "fid",
    "RealStats": "stats_cache", "real_stats": "stats_cache",
    "RingMetrics": "ring", "ring_metrics": "ring",
    "ClassAccuracy": "conditional", "class_accuracy": "conditional", "per_class_fid": "conditional",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["energy_distance", "sliced_wasserstein", *sorted(_LAZY)]
