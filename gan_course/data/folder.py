"""Folders of image files (any faces, CelebA's JPEGs) decoded once into one uint8 tensor.

Every image is converted to RGB, resized so that its shorter side is ``image_size`` and
centre-cropped to ``image_size x image_size``: the 64x64 CelebA preprocessing of DCGAN
(Radford et al. 2015, "Unsupervised Representation Learning with Deep Convolutional
Generative Adversarial Networks", https://arxiv.org/abs/1511.06434; the same ``Resize`` +
``CenterCrop`` as the PyTorch DCGAN example).

Layout of a folder (as torchvision's ``ImageFolder``): class subfolders ``DIR/<class>/*.png``
give labels (sorted class names -> 0, 1, ...); a single subfolder or a flat folder of images
gives unlabelled data. A subfolder named like the split (``DIR/test/``) is used for that split.

Decoding tens of thousands of files takes minutes, so the decoded tensor is cached under
``gan_course.paths.cache_dir()/datasets``, keyed by the file list, sizes and modification
times: edit the folder and the cache is rebuilt.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import Tensor
from tqdm.auto import tqdm

from .. import paths
from ..atomic import atomic_write
from ..errors import DatasetNotFoundError
from .tensor_data import InMemoryData

DCGAN_IMAGE_SIZE = 64  # Radford et al. 2015: 64x64 images for CelebA / LSUN / faces
CACHE_FORMAT = 1  # bump when the decoding changes, so that old caches are not reused
IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")  # torchvision's
# ImageFolder extensions (a test checks they agree); torchvision is imported only to decode: importing it
# costs a second or two, which `gan-course check` (through gan_course.data.ring) must not pay


def _is_image(path: str) -> bool:
    return path.lower().endswith(IMG_EXTENSIONS)


def decode_image_files(
    files: Sequence[str | Path], *, image_size: int = DCGAN_IMAGE_SIZE, desc: str = "decoding"
) -> Tensor:
    """Decode image files into uint8 ``(N, 3, image_size, image_size)``: RGB, shorter side
    resized to ``image_size`` (bilinear, antialiased), then centre-cropped."""
    import torchvision.transforms.functional as TF
    from torchvision.datasets.folder import default_loader

    out = torch.empty((len(files), 3, image_size, image_size), dtype=torch.uint8)  # (N, 3, S, S)
    for i, file in enumerate(tqdm(files, desc=desc, disable=None if len(files) > 1000 else True, leave=False)):
        try:
            image = default_loader(str(file))  # PIL RGB
        except (OSError, ValueError) as exc:
            raise DatasetNotFoundError(
                f"cannot read the image {file} ({type(exc).__name__}: {exc}); delete or replace the file"
            ) from None
        image = TF.center_crop(TF.resize(image, image_size, antialias=True), image_size)
        out[i] = TF.pil_to_tensor(image)  # (3, S, S)
    return out


def find_images(directory: Path) -> tuple[list[tuple[str, int]], list[str]]:
    """The image files below ``directory`` as ``(path, label)`` and the class names.

    Class subfolders (not hidden, holding at least one image) give labels in sorted order,
    as in ``ImageFolder``; with fewer than two of them the data are unlabelled (label -1)
    and the class names empty.
    """
    classes = sorted(
        entry.name
        for entry in os.scandir(directory)
        if entry.is_dir() and not entry.name.startswith(".") and _has_images(Path(entry.path))
    )
    if classes:
        from torchvision.datasets.folder import make_dataset

        samples = make_dataset(str(directory), {c: k for k, c in enumerate(classes)}, extensions=IMG_EXTENSIONS)
        samples = [(path, label) for path, label in samples if f"{os.sep}." not in os.path.relpath(path, directory)]
        if len(classes) >= 2:
            return samples, classes
        return [(path, -1) for path, _ in samples], []
    files = sorted(entry.path for entry in os.scandir(directory) if entry.is_file() and _is_image(entry.name))
    return [(path, -1) for path in files], []


def _has_images(directory: Path) -> bool:
    for _, _, names in os.walk(directory, followlinks=True):
        if any(_is_image(name) for name in names):
            return True
    return False


def _cache_file(kind: str, samples: list[tuple[str, int]], classes: list[str], image_size: int) -> Path:
    """Cache path whose name hashes the file list, sizes, modification times and settings."""
    digest = hashlib.sha256(f"{CACHE_FORMAT}\n{kind}\n{image_size}\n{classes}\n".encode())
    for path, label in samples:
        stat = os.stat(path)
        digest.update(f"{os.path.abspath(path)}\t{label}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode())
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in kind)
    return paths.cache_dir() / "datasets" / f"{safe}-{image_size}px-{digest.hexdigest()[:20]}.pt"


def decode_cached(
    kind: str, samples: list[tuple[str, int]], classes: list[str], *, image_size: int, cache: bool = True
) -> tuple[Tensor, Tensor]:
    """uint8 images ``(N, 3, S, S)`` and int64 labels ``(N,)`` of ``samples``, from the cache when current."""
    file = _cache_file(kind, samples, classes, image_size) if cache else None
    if file is not None and file.is_file():
        try:
            stored = torch.load(file, weights_only=True)
            return stored["data"], stored["labels"]
        except Exception:  # a truncated or foreign file: decode again and overwrite it
            pass
    data = decode_image_files([path for path, _ in samples], image_size=image_size, desc=f"decoding {kind}")
    labels = torch.tensor([label for _, label in samples], dtype=torch.int64)  # (N,)
    if file is not None:
        try:
            with atomic_write(file, "wb") as handle:
                torch.save({"data": data, "labels": labels}, handle)
        except OSError:  # a read-only cache only costs time
            pass
    return data, labels


def load_image_folder(
    path: str | Path,
    *,
    image_size: int = DCGAN_IMAGE_SIZE,
    split: str = "train",
    max_items: int | None = None,
    cache: bool = True,
) -> InMemoryData:
    """Every image below ``path`` as an :class:`InMemoryData` of uint8 ``(N, 3, image_size, image_size)``.

    ``split``: ``path/<split>/`` when that folder exists; otherwise ``"train"`` (or ``"all"``)
    means the whole folder. ``max_items`` keeps the first items in sorted file order.
    Raises :class:`DatasetNotFoundError` for a missing folder, a folder without images, or an
    unreadable image.
    """
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        raise DatasetNotFoundError(
            f"image folder {root} does not exist; pass the path of a folder of images "
            "(class subfolders for labels, or a flat folder)"
        )
    directory = root / split
    if not directory.is_dir():
        if split not in ("train", "all"):
            raise DatasetNotFoundError(
                f"the image folder {root} has no {split!r} subfolder; put the {split} images in "
                f"{directory} or use split='train' for the whole folder"
            )
        directory = root
    samples, classes = find_images(directory)
    if max_items is not None:
        samples = samples[:max_items]
    if not samples:
        raise DatasetNotFoundError(
            f"no images found in {directory}; put image files ({', '.join(IMG_EXTENSIONS)}) there, "
            "directly or in one subfolder per class"
        )
    data, labels = decode_cached(f"folder-{root.name}", samples, classes, image_size=image_size, cache=cache)
    return InMemoryData(data, labels if classes else None, name="folder", class_names=classes or None)
