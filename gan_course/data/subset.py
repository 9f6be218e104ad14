"""A fixed training subset: the same ``n`` items for every run and seed (``TrainConfig.train_size``).

A CPU budget that keeps whole epochs, where ``max_steps`` cuts one short: the subset is the
first ``n`` items of one shuffle seeded with :data:`TRAIN_SUBSET_SEED`, so budgeted runs of
different seeds or objectives see the same images and stay comparable.
"""

from __future__ import annotations

import torch

from ..errors import ConfigError
from .tensor_data import InMemoryData

TRAIN_SUBSET_SEED = 0  # the shuffle that picks train_size items: fixed, so every run gets the same subset


def training_subset(data: InMemoryData, n: int) -> InMemoryData:
    """The first ``n`` items of ``data`` in a shuffle seeded with ``TRAIN_SUBSET_SEED`` (config ``train_size``)."""
    if n > len(data):
        raise ConfigError(f"train_size {n} exceeds the {len(data)} items of {data.name!r}; lower --train-size "
                          "or leave it unset to use all the data")
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(TRAIN_SUBSET_SEED))
    return data.subset(order[:n])
