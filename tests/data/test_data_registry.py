"""The DATASETS registry and load_dataset / dataset_shape / synthetic_like, parametrised over
every registered dataset."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
import torch

import gan_course.data as data_api
from gan_course import paths
from gan_course.data import (
    DATASETS, InMemoryData, RingDataset, dataset_shape, get_spec, load_dataset, synthetic_like,
)
from gan_course.data import images
from gan_course.data.ring import ring_radius
from gan_course.errors import ConfigError, DatasetNotFoundError


def test_registry_lists_the_course_datasets():
    assert set(DATASETS) == {"ring", "mnist", "fashion-mnist", "cifar10", "celeba", "folder"}
    for name, spec in DATASETS.items():
        assert spec.name == name and spec.kind in ("image", "points") and spec.description
        assert len(spec.class_names) in (0, spec.num_classes)


@pytest.mark.parametrize(
    "name, image_size, expected",
    [
        ("ring", None, (2,)), ("ring", 64, (2,)),
        ("mnist", None, (1, 28, 28)), ("fashion-mnist", 64, (1, 64, 64)),
        ("cifar10", None, (3, 32, 32)), ("celeba", None, (3, 64, 64)), ("folder", 128, (3, 128, 128)),
    ],
)
def test_dataset_shape_needs_no_data(name, image_size, expected):
    assert dataset_shape(name, image_size=image_size) == expected


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(ConfigError, match="ring, mnist, fashion-mnist, cifar10, celeba, folder"):
        load_dataset("imagenet")
    with pytest.raises(ConfigError, match="unknown dataset 'svhn'"):
        dataset_shape("svhn")
    assert get_spec("Fashion_MNIST").name == "fashion-mnist" and get_spec("CIFAR-10").name == "cifar10"


def test_the_ring_is_unlabelled_points_from_the_seed():
    ring = load_dataset("ring", n_points=500, seed=7)
    assert (ring.kind, ring.shape, ring.num_classes, ring.labels, len(ring)) == ("points", (2,), 0, None, 500)
    assert torch.equal(ring.data, RingDataset(500, seed=7).points)
    test = load_dataset("ring", split="test", n_points=500, seed=7)
    assert not torch.allclose(test.data, ring.data)
    assert abs(ring_radius(test.data).mean().item() - 10.0) < 0.2
    with pytest.raises(ConfigError, match="train, test"):
        load_dataset("ring", split="valid")


def test_the_folder_dataset_needs_a_path():
    with pytest.raises(ConfigError, match="path="):
        load_dataset("folder")


def test_load_dataset_reads_fashion_mnist_from_the_system_folder(tmp_path, monkeypatch):
    """Through the registry, with the Debian folder replaced by one the test writes."""
    debian = tmp_path / "debian"
    debian.mkdir()
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 3), ("t10k", 2)):
        pixels = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = np.arange(n, dtype=np.uint8)
        (debian / f"{prefix}-images-idx3-ubyte.gz").write_bytes(
            gzip.compress(struct.pack(">IIII", 2051, n, 28, 28) + pixels.tobytes()))
        (debian / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(
            gzip.compress(struct.pack(">II", 2049, n) + labels.tobytes()))
    monkeypatch.setattr(images, "SYSTEM_DIRS", {"fashion-mnist": (debian,)})
    data = load_dataset("fashion-mnist", split="test", image_size=32)
    assert (len(data), data.shape, data.labels.tolist()) == (2, (1, 32, 32), [0, 1])
    assert data.class_names[1] == "Trouser"
    assert (paths.data_dir() / "FashionMNIST" / "raw" / "t10k-images-idx3-ubyte").is_file()


def test_load_dataset_passes_missing_data_errors_through(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="cifar-10-batches-py"):
        load_dataset("cifar10", root=tmp_path)


@pytest.mark.parametrize("name", list(DATASETS))
def test_synthetic_like_matches_every_registered_dataset(name):
    spec = DATASETS[name]
    fake = synthetic_like(name, n=12, seed=1)
    assert isinstance(fake, InMemoryData) and len(fake) == 12
    assert fake.kind == spec.kind and fake.shape == dataset_shape(name)
    assert fake.num_classes == spec.num_classes
    if spec.class_names:
        assert fake.class_names == list(spec.class_names)
    assert torch.equal(fake.data, synthetic_like(name, n=12, seed=1).data)
    x, _ = next(fake.batches(4, generator=torch.Generator().manual_seed(0)))
    assert x.dtype == torch.float32 and x.abs().max() <= (1.0 if spec.kind == "image" else 25.0)


def test_synthetic_like_follows_image_size():
    assert synthetic_like("mnist", n=4, image_size=64).shape == (1, 64, 64)


def test_registry_class_names_agree_with_torchvision():
    import torchvision.datasets

    assert list(DATASETS["mnist"].class_names) == torchvision.datasets.MNIST.classes
    assert list(DATASETS["fashion-mnist"].class_names) == torchvision.datasets.FashionMNIST.classes


def test_public_api_is_exported():
    for name in data_api.__all__:
        assert hasattr(data_api, name), name
