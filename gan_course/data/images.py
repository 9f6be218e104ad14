"""MNIST, Fashion-MNIST, CIFAR-10 and CelebA through torchvision, held in memory as uint8.

- MNIST: LeCun et al. 1998, "Gradient-based learning applied to document recognition".
- Fashion-MNIST: Xiao et al. 2017, https://arxiv.org/abs/1708.07747 (a drop-in for MNIST).
- CIFAR-10: Krizhevsky 2009, "Learning Multiple Layers of Features from Tiny Images".
- CelebA: Liu et al. 2015, "Deep Learning Face Attributes in the Wild", decoded at 64x64 as
  in DCGAN (Radford et al. 2015, https://arxiv.org/abs/1511.06434); see :mod:`.folder`.

Data live under the data root (``gan_course.paths.data_dir()``, ``$GAN_COURSE_DATA``) in
torchvision's layout: ``MNIST/raw/``, ``FashionMNIST/raw/``, ``cifar-10-batches-py/``,
``celeba/``. The 28x28 and 32x32 sets are read as whole arrays (``ds.data``), never image by
image. Fashion-MNIST is also taken from Debian's ``dataset-fashion-mnist`` package (the four
gzip IDX files in ``/usr/share/datasets/fashion-mnist``), decompressed once into the data root.
Downloads go through torchvision's own ``download=True``; when the data are missing and cannot
be downloaded, :class:`~gan_course.errors.DatasetNotFoundError` says which files are missing,
where they go and how to get them.
"""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from .. import paths
from ..atomic import atomic_write
from ..errors import ConfigError, DatasetNotFoundError
from .folder import DCGAN_IMAGE_SIZE, decode_cached
from .tensor_data import InMemoryData

IDX_FILES = {  # split -> the two IDX files torchvision's MNIST classes read from <root>/<Class>/raw/
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
ALL_IDX_FILES = IDX_FILES["train"] + IDX_FILES["test"]
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
CELEBA_FILES = (  # what torchvision's CelebA needs below <root>/celeba/
    "img_align_celeba/", "list_eval_partition.txt", "identity_CelebA.txt", "list_attr_celeba.txt",
    "list_bbox_celeba.txt", "list_landmarks_align_celeba.txt",
)
CELEBA_URL = "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html"
RESIZE_CHUNK = 4096  # images resized per interpolate call

# name -> (torchvision class name, title, splits)
TORCHVISION_NAMES = {
    "mnist": ("MNIST", "MNIST", ("train", "test")),
    "fashion-mnist": ("FashionMNIST", "Fashion-MNIST", ("train", "test")),
    "cifar10": ("CIFAR10", "CIFAR-10", ("train", "test")),
    "celeba": ("CelebA", "CelebA", ("train", "valid", "test", "all")),
}

SYSTEM_DIRS = {"fashion-mnist": (paths.DEBIAN_FASHION_MNIST_DIR,)}  # searched after the data root


def extra_search_dirs(name: str) -> list[Path]:
    """Folders outside the data root searched for ``name``'s gzip IDX files (Debian's Fashion-MNIST)."""
    return [Path(d) for d in SYSTEM_DIRS.get(name, ())]


def download_allowed(download: bool | None) -> bool:
    """``download=None`` means allowed unless ``$GAN_COURSE_OFFLINE``; the variable forbids any download."""
    return download is not False and not paths.offline()


def resize_images(images: Tensor, image_size: int) -> Tensor:
    """uint8 ``(N, C, H, W)`` -> uint8 ``(N, C, image_size, image_size)``, bilinear and antialiased,
    in chunks of :data:`RESIZE_CHUNK` images; returned unchanged when already that size."""
    if images.shape[-2:] == (image_size, image_size):
        return images
    chunks = [
        F.interpolate(chunk, size=(image_size, image_size), mode="bilinear", antialias=True, align_corners=False)
        for chunk in images.split(RESIZE_CHUNK)
    ]
    return torch.cat(chunks) if chunks else images.new_empty((0, images.shape[1], image_size, image_size))


def dataset_dir(name: str, root: Path) -> Path:
    """The folder below the data root where torchvision keeps ``name``'s files."""
    if name in ("mnist", "fashion-mnist"):
        return root / TORCHVISION_NAMES[name][0] / "raw"
    return root / ("cifar-10-batches-py" if name == "cifar10" else "celeba")


# --- error messages --------------------------------------------------------------------------

def _why_no_download(download: bool | None, failure: BaseException | None) -> str:
    if failure is not None:
        first = str(failure).strip().splitlines()[0] if str(failure).strip() else ""
        return f"the download failed ({type(failure).__name__}: {first[:200]})"
    if download is False:
        return "downloads were not requested (download=False)"
    return "downloads are off because GAN_COURSE_OFFLINE is set"


def _not_found(name: str, root: Path, split: str, missing: Sequence[str], download: bool | None,
               failure: BaseException | None = None) -> DatasetNotFoundError:
    """One message: what is missing, where it must go, and every way to get it."""
    title, where = TORCHVISION_NAMES[name][1], dataset_dir(name, root)
    files = ", ".join(f"{f}[.gz]" if name in ("mnist", "fashion-mnist") else f for f in missing)
    fixes = []
    if name == "fashion-mnist":
        fixes.append(f"install it with `sudo apt-get install dataset-fashion-mnist` (its files in "
                     f"{paths.DEBIAN_FASHION_MNIST_DIR} are found automatically)")
    if name == "celeba":
        fixes.append(f"download img_align_celeba.zip and the five .txt files by hand from {CELEBA_URL} "
                     f"(torchvision's Google Drive download is often over quota) and unzip them so that "
                     f"{where / 'img_align_celeba'}/000001.jpg exists")
        fixes.append("use the 'folder' dataset with any folder of face images")
    elif name == "cifar10":
        fixes.append(f"unpack cifar-10-python.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html into {root}")
    else:
        fixes.append(f"copy the four gzip IDX files into {where}")
    fixes.append("let torchvision download it: connect to the internet and unset GAN_COURSE_OFFLINE (downloads are on by default)")
    if name == "mnist":
        fixes.append("use the fashion-mnist dataset instead (`sudo apt-get install dataset-fashion-mnist`)")
    problem = f"missing {files}" if missing else "the files there fail torchvision's integrity check"
    return DatasetNotFoundError(
        f"{title} ({split} split) was not found in {where}: {problem}; {_why_no_download(download, failure)}. "
        f"To fix: {'; or '.join(fixes)}. Set GAN_COURSE_DATA (or pass root=) to use another data root."
    )


def _unreadable(title: str, where: Path, exc: BaseException) -> DatasetNotFoundError:
    return DatasetNotFoundError(
        f"{title} in {where} could not be read ({type(exc).__name__}: {str(exc).strip()[:200]}); the files are "
        f"corrupted or incomplete: delete {where} and get the data again"
    )


# --- locating files ---------------------------------------------------------------------------

def _missing(name: str, root: Path) -> list[str]:
    """The files torchvision will look for and not find (by name only; contents are its business)."""
    folder = dataset_dir(name, root)
    if name in ("mnist", "fashion-mnist"):
        return [f for f in ALL_IDX_FILES if not (folder / f).is_file()]
    if name == "cifar10":
        wanted = [f"data_batch_{k}" for k in range(1, 6)] + ["test_batch", "batches.meta"]
        return [f for f in wanted if not (folder / f).is_file()]
    return [f for f in CELEBA_FILES if not (folder / f.rstrip("/")).exists()]


def _decompress_idx(name: str, root: Path, search_dirs: Sequence[Path]) -> None:
    """Put every missing IDX file into ``<root>/<Class>/raw/``, decompressing ``.gz`` files found
    there or in ``search_dirs`` (never writing to the search dirs)."""
    raw = dataset_dir(name, root)
    for filename in ALL_IDX_FILES:
        target = raw / filename
        if target.is_file():
            continue
        candidates = [raw / f"{filename}.gz"] + [d / n for d in search_dirs for n in (filename, f"{filename}.gz")]
        source = next((c for c in candidates if c.is_file()), None)
        if source is None:
            continue
        try:
            opener = gzip.open if source.suffix == ".gz" else open
            with opener(source, "rb") as src, atomic_write(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
        except (OSError, EOFError) as exc:  # unwritable root, truncated or bad gzip
            raise DatasetNotFoundError(
                f"cannot decompress {source} into {raw} ({type(exc).__name__}: {exc}); replace the file if it "
                f"is damaged, make {raw} writable, or set GAN_COURSE_DATA to a writable data root"
            ) from None


# --- loading through torchvision -----------------------------------------------------------

def _torchvision_dataset(name: str, root: Path, split: str, download: bool | None):
    """Construct torchvision's dataset without downloading, then with ``download=True`` if allowed."""
    import torchvision.datasets  # here, not at the top: importing torchvision costs a second or two

    cls = getattr(torchvision.datasets, TORCHVISION_NAMES[name][0])  # looked up per call (tests patch it)
    kwargs = {"split": split, "target_type": []} if name == "celeba" else {"train": split == "train"}
    title, where = TORCHVISION_NAMES[name][1], dataset_dir(name, root)
    try:
        return cls(str(root), download=False, **kwargs)
    except RuntimeError as exc:  # torchvision's "Dataset not found or corrupted"
        message = str(exc).lower()
        if "not found" not in message and "corrupted" not in message:
            raise _unreadable(title, where, exc) from None
    except Exception as exc:  # a truncated or malformed file (torchvision asserts on IDX headers)
        raise _unreadable(title, where, exc) from None
    if not download_allowed(download):
        raise _not_found(name, root, split, _missing(name, root), download)
    try:
        root.mkdir(parents=True, exist_ok=True)
        return cls(str(root), download=True, **kwargs)
    except Exception as exc:  # network, HTTP, checksum, missing gdown...: never a traceback for the user
        raise _not_found(name, root, split, _missing(name, root), download, exc) from None


def _load_mnist_like(name: str, root: Path, split: str, download: bool | None,
                     search_dirs: Sequence[Path]) -> tuple[Tensor, Tensor, list[str]]:
    _decompress_idx(name, root, search_dirs)
    ds = _torchvision_dataset(name, root, split, download)
    return ds.data.unsqueeze(1), ds.targets.to(torch.int64), list(ds.classes)  # (N, 1, 28, 28), (N,)


def _load_cifar10(root: Path, split: str, download: bool | None) -> tuple[Tensor, Tensor, list[str]]:
    ds = _torchvision_dataset("cifar10", root, split, download)
    data = torch.from_numpy(ds.data).permute(0, 3, 1, 2).contiguous()  # (N, 32, 32, 3) -> (N, 3, 32, 32)
    return data, torch.as_tensor(ds.targets, dtype=torch.int64), list(ds.classes)


def _load_celeba(root: Path, split: str, download: bool | None, image_size: int,
                 max_items: int | None, cache: bool) -> Tensor:
    ds = _torchvision_dataset("celeba", root, split, download)
    folder = root / "celeba" / "img_align_celeba"
    samples = [(str(folder / f), -1) for f in ds.filename][:max_items]
    data, _ = decode_cached(f"celeba-{split}", samples, [], image_size=image_size, cache=cache)
    return data  # (N, 3, S, S)


def canonical_name(name: str) -> str:
    """Lower case with ``-``: ``"Fashion_MNIST"`` -> ``"fashion-mnist"``, ``"CIFAR-10"`` -> ``"cifar10"``."""
    key = name.strip().lower().replace("_", "-")
    return {"fashionmnist": "fashion-mnist", "cifar-10": "cifar10"}.get(key, key)


def load_image_dataset(
    name: str,
    *,
    split: str = "train",
    root: str | Path | None = None,
    image_size: int | None = None,
    download: bool | None = None,
    search_dirs: Sequence[str | Path] | None = None,
    max_items: int | None = None,
    cache: bool = True,
) -> InMemoryData:
    """One of ``mnist``, ``fashion-mnist``, ``cifar10``, ``celeba`` as uint8 images in memory.

    Args:
        split: ``"train"`` or ``"test"`` (CelebA also ``"valid"``, ``"all"``).
        root: data root (default ``gan_course.paths.data_dir()``), torchvision's layout below it.
        image_size: resize to ``image_size x image_size`` once, at load (e.g. 28 -> 32 or 64
            for DCGAN); CelebA is decoded at this size (default 64) with a centre crop.
        download: None (the default) or True: download with torchvision when the files are
            missing, unless ``$GAN_COURSE_OFFLINE`` is set (it forbids every download); False: never.
        search_dirs: extra folders of gzip IDX files (default :func:`extra_search_dirs`).
        max_items: keep only the first items (handy for a quick run on a laptop).
        cache: keep CelebA's decoded tensor in ``paths.cache_dir()``.

    Returns an :class:`InMemoryData`: images uint8 ``(N, C, S, S)``, labels int64 ``(N,)``
    (CelebA: unlabelled). Raises :class:`DatasetNotFoundError` when the data are missing.
    """
    name = canonical_name(name)
    if name not in TORCHVISION_NAMES:
        raise ConfigError(f"unknown image dataset {name!r}; choose one of: {', '.join(TORCHVISION_NAMES)}")
    splits = TORCHVISION_NAMES[name][2]
    if split not in splits:
        raise ConfigError(f"{name} has no split {split!r}; choose one of: {', '.join(splits)}")
    if image_size is not None and (not isinstance(image_size, int) or image_size < 1):
        raise ConfigError(f"image_size must be a positive integer, got {image_size!r}")
    root = Path(root).expanduser().resolve() if root is not None else paths.data_dir()
    if name == "celeba":
        data = _load_celeba(root, split, download, image_size or DCGAN_IMAGE_SIZE, max_items, cache)
        return InMemoryData(data, None, name=name)
    if name == "cifar10":
        data, labels, classes = _load_cifar10(root, split, download)
    else:
        dirs = extra_search_dirs(name) if search_dirs is None else [Path(d) for d in search_dirs]
        data, labels, classes = _load_mnist_like(name, root, split, download, dirs)
    if max_items is not None and max_items < len(data):
        data, labels = data[:max_items].clone(), labels[:max_items].clone()
    if image_size is not None:
        data = resize_images(data, image_size)
    return InMemoryData(data, labels, name=name, class_names=classes)
