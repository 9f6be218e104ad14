"""train_size: a fixed subset of the loaded data, the same for every run and seed."""

from __future__ import annotations

import pytest
import torch

from gan_course.data import load_dataset
from gan_course.errors import ConfigError
from gan_course.train import Trainer, resolve
from gan_course.data import training_subset


def test_the_subset_is_the_first_items_of_one_fixed_shuffle(ring_data):
    a, b = training_subset(ring_data, 100), training_subset(ring_data, 150)
    assert len(a) == 100 and len(b) == 150
    assert torch.equal(a.data, b.data[:100])  # nested: a larger budget adds items, keeps the rest
    rows = {tuple(x.tolist()) for x in ring_data.data}
    assert all(tuple(x.tolist()) in rows for x in a.data)  # items of the data, no duplicates
    assert len({tuple(x.tolist()) for x in a.data}) == 100


def test_every_seed_trains_on_the_same_subset(tiny_config):
    """Are budgeted runs with different seeds compared on the same images?"""
    trainers = [Trainer(tiny_config(train_size=128, seed=seed, n_points=256)) for seed in (0, 1)]
    assert all(len(t.data) == 128 for t in trainers)
    full = load_dataset("ring", n_points=256, seed=0)
    assert torch.equal(trainers[0].data.data, training_subset(full, 128).data)


def test_a_labelled_subset_keeps_labels_aligned(fashion_data):
    part = training_subset(fashion_data, 8)
    for image, label in zip(part.data, part.labels):
        matches = [i for i in range(len(fashion_data)) if torch.equal(fashion_data.data[i], image)]
        assert matches and all(fashion_data.labels[i] == label for i in matches)


def test_a_subset_larger_than_the_data_names_the_fix(ring_data):
    with pytest.raises(ConfigError, match=r"train_size 300 exceeds the 256 items.*--train-size"):
        training_subset(ring_data, 300)


def test_a_subset_smaller_than_one_batch_is_refused(tiny_config):
    with pytest.raises(ConfigError, match=r"at least one batch \(64 items\), got 10"):
        resolve(tiny_config(train_size=10))
