"""Datasets behind one API: ``load_dataset(name, ...)`` returns an :class:`InMemoryData`.

| name            | item shape     | classes | source                                            |
|-----------------|----------------|---------|---------------------------------------------------|
| ``ring``        | ``(2,)``       | 0       | the 2D ring of assignment 02, sampled from a seed |
| ``mnist``       | ``(1, 28, 28)``| 10      | torchvision ``MNIST``                             |
| ``fashion-mnist``| ``(1, 28, 28)``| 10     | torchvision ``FashionMNIST`` or Debian's package  |
| ``cifar10``     | ``(3, 32, 32)``| 10      | torchvision ``CIFAR10``                           |
| ``celeba``      | ``(3, 64, 64)``| 0       | torchvision ``CelebA``, 64x64 centre crops        |
| ``folder``      | ``(3, 64, 64)``| from subfolders | any folder of images (``path=``)          |

``image_size`` resizes images to ``image_size x image_size`` once at load. ``synthetic_like``
gives tiny fake data of the same item shape for ``--dry-run``; ``training_subset`` the fixed
subset of ``TrainConfig.train_size``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ..errors import ConfigError
from .folder import DCGAN_IMAGE_SIZE, decode_image_files, load_image_folder
from .images import (
    CIFAR10_CLASSES, canonical_name, download_allowed, extra_search_dirs, load_image_dataset, resize_images,
)
from .ring import (
    RING_NOISE_STD, RING_RADIUS, RING_SHIFT, RingDataset, ring_centres, ring_component, ring_from_angles,
    ring_radius, sample_ring,
)
from .subset import TRAIN_SUBSET_SEED, training_subset
from .synthetic import synthetic_images
from .tensor_data import InMemoryData, from_float, to_float

MNIST_CLASSES = ("0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
                 "8 - eight", "9 - nine")  # torchvision's MNIST.classes
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                         "Bag", "Ankle boot")  # torchvision's FashionMNIST.classes
RING_TEST_SEED_OFFSET = 1_000_003  # the ring's "test" split draws from seed + this


@dataclass(frozen=True)
class DatasetSpec:
    """What is known about a dataset without loading it.

    ``shape`` is the per-item shape at ``default_image_size``; ``num_classes`` 0 means
    unlabelled (for ``folder``: decided by the folder's subfolders at load).
    """

    name: str
    kind: str  # "image" | "points"
    shape: tuple[int, ...]
    num_classes: int
    description: str
    default_image_size: int | None
    splits: tuple[str, ...]
    class_names: tuple[str, ...] = ()


DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec("ring", "points", (2,), 0, "2D ring of two shifted noisy semicircles (assignment 02)",
                    None, ("train", "test")),
        DatasetSpec("mnist", "image", (1, 28, 28), 10, "MNIST handwritten digits (LeCun et al. 1998)",
                    28, ("train", "test"), MNIST_CLASSES),
        DatasetSpec("fashion-mnist", "image", (1, 28, 28), 10, "Fashion-MNIST clothing (Xiao et al. 2017)",
                    28, ("train", "test"), FASHION_MNIST_CLASSES),
        DatasetSpec("cifar10", "image", (3, 32, 32), 10, "CIFAR-10 natural images (Krizhevsky 2009)",
                    32, ("train", "test"), CIFAR10_CLASSES),
        DatasetSpec("celeba", "image", (3, DCGAN_IMAGE_SIZE, DCGAN_IMAGE_SIZE), 0,
                    "CelebA aligned faces, 64x64 centre crops (Liu et al. 2015)",
                    DCGAN_IMAGE_SIZE, ("train", "valid", "test", "all")),
        DatasetSpec("folder", "image", (3, DCGAN_IMAGE_SIZE, DCGAN_IMAGE_SIZE), 0,
                    "any folder of images, class subfolders give labels", DCGAN_IMAGE_SIZE, ("train",)),
    )
}


def get_spec(name: str) -> DatasetSpec:
    """The :class:`DatasetSpec` of ``name`` (case and ``_``/``-`` insensitive); ConfigError otherwise."""
    key = canonical_name(name)
    if key not in DATASETS:
        raise ConfigError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")
    return DATASETS[key]


def dataset_shape(name: str, *, image_size: int | None = None) -> tuple[int, ...]:
    """Per-item shape of ``name`` without loading it: ``(C, S, S)`` for images (S = ``image_size``
    or the native size), ``(2,)`` for the ring (``image_size`` does not apply to points)."""
    spec = get_spec(name)
    if spec.kind == "points" or image_size is None:
        return spec.shape
    return (spec.shape[0], image_size, image_size)


def load_dataset(
    name: str,
    *,
    split: str = "train",
    root: str | Path | None = None,
    image_size: int | None = None,
    download: bool | None = None,
    n_points: int = 10000,
    seed: int = 0,
    path: str | Path | None = None,
    max_items: int | None = None,
) -> InMemoryData:
    """The dataset ``name`` (see :data:`DATASETS`) as an :class:`InMemoryData`.

    - ``ring``: ``n_points`` points of :class:`RingDataset` drawn from ``seed`` (``split="test"``
      draws from another seed); kind ``"points"``, unlabelled.
    - images: see :func:`load_image_dataset` (``root``, ``image_size``, ``download``, ``max_items``).
    - ``folder``: the images below ``path`` (see :func:`load_image_folder`), default 64x64.

    Raises ConfigError for an unknown name or split, DatasetNotFoundError for missing data.
    """
    spec = get_spec(name)
    if split not in spec.splits and spec.name != "folder":
        raise ConfigError(f"{spec.name} has no split {split!r}; choose one of: {', '.join(spec.splits)}")
    if spec.name == "ring":
        ring = RingDataset(n_points, seed if split == "train" else seed + RING_TEST_SEED_OFFSET)
        return InMemoryData(ring.points, None, name="ring")
    if spec.name == "folder":
        if path is None:
            raise ConfigError("the 'folder' dataset needs the folder of images: pass path=DIR (--data-path DIR)")
        return load_image_folder(path, image_size=image_size or DCGAN_IMAGE_SIZE, split=split, max_items=max_items)
    return load_image_dataset(spec.name, split=split, root=root, image_size=image_size, download=download,
                              max_items=max_items)


def synthetic_like(name: str, *, n: int = 64, image_size: int | None = None, seed: int = 0) -> InMemoryData:
    """Tiny fake data with the item shape and number of classes of ``name`` (nothing read from disk).

    Images: class-dependent blobs (:func:`synthetic_images`); ring: ``n`` ring points from ``seed``.
    """
    spec = get_spec(name)
    if spec.kind == "points":
        points = sample_ring(n, generator=torch.Generator().manual_seed(seed))  # (n, 2)
        return InMemoryData(points, None, name=f"synthetic-{spec.name}")
    return synthetic_images(
        dataset_shape(spec.name, image_size=image_size), n=n, num_classes=spec.num_classes, seed=seed,
        name=f"synthetic-{spec.name}", class_names=list(spec.class_names) or None,
    )


__all__ = [
    "CIFAR10_CLASSES", "DATASETS", "DCGAN_IMAGE_SIZE", "DatasetSpec", "FASHION_MNIST_CLASSES", "InMemoryData",
    "MNIST_CLASSES", "RING_NOISE_STD", "RING_RADIUS", "RING_SHIFT", "RingDataset", "dataset_shape",
    "decode_image_files", "download_allowed", "extra_search_dirs", "from_float", "get_spec", "load_dataset",
    "load_image_dataset", "load_image_folder", "resize_images", "ring_centres", "ring_component",
    "ring_from_angles", "ring_radius", "sample_ring", "synthetic_images", "synthetic_like", "to_float",
    "TRAIN_SUBSET_SEED", "training_subset",
]
