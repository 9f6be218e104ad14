"""Loading MNIST, Fashion-MNIST, CIFAR-10 and CelebA through torchvision, on small files the
tests write in the real formats (gzip IDX with magic numbers 2051/2049, CIFAR pickles, CelebA's
folder and lists), and the errors and download decisions when the data are missing."""

from __future__ import annotations

import gzip
import os
import pickle
import struct
from pathlib import Path
from urllib.error import URLError

import numpy as np
import pytest
import torch
import torchvision.datasets
from PIL import Image

from gan_course import paths
from gan_course.data import images
from gan_course.data.images import load_image_dataset, resize_images
from gan_course.errors import ConfigError, DatasetNotFoundError, GanCourseError

IDX_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
IDX_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of a uint8 array: magic number (type 0x08, ndim), big-endian sizes, data."""
    header = struct.pack(">I", 0x0800 + array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx_set(folder: Path, *, gz: bool, seed: int = 0, n_train: int = 6, n_test: int = 4) -> dict:
    """The four MNIST-style files in ``folder``; returns the arrays written."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    arrays["train-images-idx3-ubyte"][0] = 0  # an all-black and an all-white image
    arrays["train-images-idx3-ubyte"][1] = 255
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        payload = idx_bytes(array)
        assert struct.unpack(">I", payload[:4])[0] == (IDX_IMAGES_MAGIC if array.ndim == 3 else IDX_LABELS_MAGIC)
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(payload))
        else:
            (folder / name).write_bytes(payload)
    return arrays


def assert_matches(data, arrays: dict, split: str = "train") -> None:
    prefix = "train" if split == "train" else "t10k"
    assert data.data.dtype == torch.uint8 and data.labels.dtype == torch.int64
    assert torch.equal(data.data, torch.from_numpy(arrays[f"{prefix}-images-idx3-ubyte"]).unsqueeze(1))
    assert torch.equal(data.labels, torch.from_numpy(arrays[f"{prefix}-labels-idx1-ubyte"]).long())


def assert_no_chained_traceback(error: BaseException) -> None:
    """Would Python print only this error, with no torchvision/HTTP traceback above it?"""
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


# --- MNIST and Fashion-MNIST -------------------------------------------------------------------

def test_mnist_is_read_from_idx_files_in_the_default_data_root():
    arrays = write_idx_set(paths.data_dir() / "MNIST" / "raw", gz=False)
    data = load_image_dataset("mnist")
    assert_matches(data, arrays)
    assert (data.name, data.kind, data.shape, data.num_classes) == ("mnist", "image", (1, 28, 28), 10)
    assert data.class_names[3] == "3 - three"


def test_the_test_split_reads_the_t10k_files(tmp_path):
    arrays = write_idx_set(tmp_path / "MNIST" / "raw", gz=False)
    assert_matches(load_image_dataset("mnist", split="test", root=tmp_path), arrays, "test")


def test_pixels_become_exactly_minus_one_to_one(tmp_path):
    arrays = write_idx_set(tmp_path / "MNIST" / "raw", gz=False)
    data = load_image_dataset("mnist", root=tmp_path)
    x, y = data.sample(len(data), generator=torch.Generator().manual_seed(0))
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(0))
    expected = torch.from_numpy(arrays["train-images-idx3-ubyte"]).float()[order].unsqueeze(1) / 127.5 - 1
    torch.testing.assert_close(x, expected, atol=1e-6, rtol=0)
    assert (data[0][0] == -1).all() and (data[1][0] == 1).all()
    assert torch.equal(y, torch.from_numpy(arrays["train-labels-idx1-ubyte"]).long()[order])


def test_gzip_files_in_the_raw_folder_are_decompressed_once(tmp_path):
    raw = tmp_path / "FashionMNIST" / "raw"
    arrays = write_idx_set(raw, gz=True, seed=1)
    data = load_image_dataset("fashion-mnist", root=tmp_path, search_dirs=[])
    assert_matches(data, arrays)
    assert (raw / "train-images-idx3-ubyte").is_file()
    assert data.class_names[0] == "T-shirt/top" and data.class_names[-1] == "Ankle boot"


def test_fashion_mnist_is_found_in_a_debian_style_folder(tmp_path, monkeypatch):
    """Are the .gz files of dataset-fashion-mnist used, copied into the data root, and left alone?"""
    debian = tmp_path / "usr-share-datasets-fashion-mnist"
    arrays = write_idx_set(debian, gz=True, seed=2)
    before = {p.name: p.stat().st_mtime_ns for p in debian.iterdir()}
    monkeypatch.setattr(images, "SYSTEM_DIRS", {"fashion-mnist": (debian,)})
    data = load_image_dataset("fashion-mnist", download=False)
    assert_matches(data, arrays)
    assert {p.name: p.stat().st_mtime_ns for p in debian.iterdir()} == before
    assert sorted(p.name for p in (paths.data_dir() / "FashionMNIST" / "raw").iterdir()) == sorted(arrays)
    assert_matches(load_image_dataset("fashion-mnist", split="test", search_dirs=[]), arrays, "test")


def test_the_debian_folder_is_searched_by_default():
    assert images.extra_search_dirs("fashion-mnist") == [paths.DEBIAN_FASHION_MNIST_DIR]
    assert images.extra_search_dirs("mnist") == []


def test_image_size_resizes_once_at_load(tmp_path):
    arrays = write_idx_set(tmp_path / "MNIST" / "raw", gz=False)
    data = load_image_dataset("mnist", root=tmp_path, image_size=32)
    assert data.shape == (1, 32, 32) and data.data.dtype == torch.uint8
    assert (data.data[0] == 0).all() and (data.data[1] == 255).all()  # constant images stay constant
    assert torch.equal(data.labels, torch.from_numpy(arrays["train-labels-idx1-ubyte"]).long())


def test_resize_keeps_the_halves_of_a_split_image():
    image = torch.zeros(1, 1, 28, 28, dtype=torch.uint8)
    image[..., 14:] = 200
    big = resize_images(image, 64)
    assert big.shape == (1, 1, 64, 64)
    assert (big[..., :28] == 0).all() and (big[..., 36:] == 200).all()
    assert resize_images(image, 28) is image


def test_max_items_keeps_the_first_items(tmp_path):
    arrays = write_idx_set(tmp_path / "MNIST" / "raw", gz=False)
    data = load_image_dataset("mnist", root=tmp_path, max_items=3)
    assert len(data) == 3
    assert torch.equal(data.labels, torch.from_numpy(arrays["train-labels-idx1-ubyte"][:3]).long())


# --- missing data, downloads -------------------------------------------------------------------

def test_missing_fashion_mnist_offline_says_where_and_how(tmp_path):
    with pytest.raises(DatasetNotFoundError) as caught:
        load_image_dataset("fashion-mnist", root=tmp_path, search_dirs=[tmp_path / "nothing"])
    message = str(caught.value)
    assert str(tmp_path / "FashionMNIST" / "raw") in message
    assert "train-images-idx3-ubyte" in message and "t10k-labels-idx1-ubyte" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "download" in message and "GAN_COURSE_OFFLINE" in message and "GAN_COURSE_DATA" in message
    assert isinstance(caught.value, GanCourseError)
    assert_no_chained_traceback(caught.value)


def test_missing_mnist_suggests_fashion_mnist_and_names_only_missing_files(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    write_idx_set(raw, gz=False)
    (raw / "t10k-images-idx3-ubyte").unlink()
    with pytest.raises(DatasetNotFoundError) as caught:
        load_image_dataset("mnist", root=tmp_path)
    message = str(caught.value)
    assert "missing t10k-images-idx3-ubyte[.gz];" in message and str(raw) in message
    assert "fashion-mnist" in message


class RecordingFashionMNIST:
    """Stands in for torchvision's class: records every call, 'downloads' tiny data."""

    calls: list[dict] = []
    classes = torchvision.datasets.FashionMNIST.classes

    def __init__(self, root, train=True, download=False, **_):
        type(self).calls.append({"root": root, "train": train, "download": download})
        if not download:
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        self.data = torch.full((2, 28, 28), 7, dtype=torch.uint8)
        self.targets = torch.tensor([1, 2])


@pytest.fixture
def recorder(monkeypatch):
    RecordingFashionMNIST.calls = []
    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", RecordingFashionMNIST)
    return RecordingFashionMNIST.calls


def test_download_is_passed_to_torchvision_when_allowed(tmp_path, monkeypatch, recorder):
    monkeypatch.delenv("GAN_COURSE_OFFLINE")
    data = load_image_dataset("fashion-mnist", root=tmp_path, search_dirs=[])
    assert [call["download"] for call in recorder] == [False, True]
    assert recorder[-1]["root"] == str(tmp_path.resolve()) and recorder[-1]["train"] is True
    assert (data.data == 7).all() and data.labels.tolist() == [1, 2]


@pytest.mark.parametrize("offline, download", [(True, None), (True, True), (False, False)])
def test_no_download_when_offline_or_refused(tmp_path, monkeypatch, recorder, offline, download):
    if not offline:
        monkeypatch.delenv("GAN_COURSE_OFFLINE")
    with pytest.raises(DatasetNotFoundError, match="GAN_COURSE_OFFLINE is set" if offline else "download=False"):
        load_image_dataset("fashion-mnist", root=tmp_path, search_dirs=[], download=download)
    assert [call["download"] for call in recorder] == [False]


def test_a_failed_download_becomes_one_clear_error(tmp_path, monkeypatch):
    class FailingMNIST(RecordingFashionMNIST):
        def __init__(self, root, train=True, download=False, **_):
            if download:
                raise URLError("[Errno -3] Temporary failure in name resolution")
            super().__init__(root, train, download)

    monkeypatch.setattr(torchvision.datasets, "MNIST", FailingMNIST)
    monkeypatch.delenv("GAN_COURSE_OFFLINE")
    with pytest.raises(DatasetNotFoundError) as caught:
        load_image_dataset("mnist", root=tmp_path, download=True)
    message = str(caught.value)
    assert "the download failed (URLError" in message and "name resolution" in message
    assert str(tmp_path / "MNIST" / "raw") in message
    assert_no_chained_traceback(caught.value)


def test_a_corrupt_idx_file_is_reported_not_raised_as_a_traceback(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    write_idx_set(raw, gz=False)
    (raw / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x09\x03" + b"\x00" * 20)
    with pytest.raises(DatasetNotFoundError, match="could not be read.*delete"):
        load_image_dataset("mnist", root=tmp_path)


def test_a_truncated_gzip_is_reported_and_leaves_no_partial_file(tmp_path):
    debian = tmp_path / "debian"
    write_idx_set(debian, gz=True)
    payload = (debian / "train-images-idx3-ubyte.gz").read_bytes()
    (debian / "train-images-idx3-ubyte.gz").write_bytes(payload[: len(payload) // 2])
    with pytest.raises(DatasetNotFoundError, match="cannot decompress"):
        load_image_dataset("fashion-mnist", root=tmp_path / "root", search_dirs=[debian])
    raw = tmp_path / "root" / "FashionMNIST" / "raw"
    assert not (raw / "train-images-idx3-ubyte").exists()
    assert not [p for p in raw.iterdir() if p.name.endswith(".tmp")]


def test_unknown_names_and_splits_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="mnist, fashion-mnist, cifar10, celeba"):
        load_image_dataset("imagenet", root=tmp_path)
    with pytest.raises(ConfigError, match="train, test"):
        load_image_dataset("mnist", split="valid", root=tmp_path)
    with pytest.raises(ConfigError, match="positive integer"):
        load_image_dataset("mnist", root=tmp_path, image_size=0)


def test_names_are_case_and_separator_insensitive(tmp_path):
    arrays = write_idx_set(tmp_path / "FashionMNIST" / "raw", gz=False)
    assert_matches(load_image_dataset("Fashion_MNIST", root=tmp_path, search_dirs=[]), arrays)


# --- CIFAR-10 ------------------------------------------------------------------------------

def write_cifar(root: Path, per_batch: int = 2) -> dict:
    """torchvision's cifar-10-batches-py: five training pickles, a test pickle and the meta file."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    written = {}
    for name in [f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]:
        rows = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)  # R plane, G plane, B plane
        labels = rng.integers(0, 10, per_batch).tolist()
        with open(folder / name, "wb") as f:
            pickle.dump({"data": rows, "labels": labels}, f)
        written[name] = (rows, labels)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": list(images.CIFAR10_CLASSES)}, f)
    return written


@pytest.fixture
def no_cifar_checksums(monkeypatch):
    """The files are genuine in format but not the real ones, so skip only the md5 comparison."""
    monkeypatch.setattr(torchvision.datasets.CIFAR10, "_check_integrity", lambda self: True)
    monkeypatch.setattr(torchvision.datasets.cifar, "check_integrity", lambda path, md5=None: os.path.isfile(path))


def test_cifar10_pickles_become_channel_first_images(tmp_path, no_cifar_checksums):
    written = write_cifar(tmp_path)
    data = load_image_dataset("cifar10", root=tmp_path)
    rows = np.concatenate([written[f"data_batch_{k}"][0] for k in range(1, 6)])
    labels = sum((written[f"data_batch_{k}"][1] for k in range(1, 6)), [])
    assert data.shape == (3, 32, 32) and len(data) == 10
    assert data.data[3, 1, 2, 5].item() == rows[3, 1 * 1024 + 2 * 32 + 5]  # channel 1 (G), row 2, col 5
    assert torch.equal(data.data, torch.from_numpy(rows).view(10, 3, 32, 32))
    assert data.labels.tolist() == labels and data.class_names[0] == "airplane"
    test = load_image_dataset("cifar10", split="test", root=tmp_path)
    assert torch.equal(test.data, torch.from_numpy(written["test_batch"][0]).view(2, 3, 32, 32))


def test_missing_cifar10_names_the_batch_folder(tmp_path):
    with pytest.raises(DatasetNotFoundError) as caught:
        load_image_dataset("cifar10", root=tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "cifar-10-batches-py") in message and "data_batch_1" in message
    assert "cifar-10-python.tar.gz" in message


# --- CelebA -----------------------------------------------------------------------------------

def write_celeba(root: Path) -> dict:
    """img_align_celeba/ with 4 PNG-coded images 64 wide x 80 tall and the five lists.
    Pixel (row, col) of image k is (row, col, 50 k). Partitions: 0, 0, 1, 1."""
    folder = root / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    names = [f"{k:06d}.jpg" for k in range(1, 5)]
    for k, name in enumerate(names):
        pixels = np.zeros((80, 64, 3), dtype=np.uint8)
        pixels[..., 0] = np.arange(80)[:, None]
        pixels[..., 1] = np.arange(64)[None, :]
        pixels[..., 2] = 50 * k
        Image.fromarray(pixels).save(folder / "img_align_celeba" / name, format="PNG")  # lossless
    rows = lambda values: "".join(f"{n} {v}\n" for n, v in zip(names, values))  # noqa: E731
    (folder / "list_eval_partition.txt").write_text(rows([0, 0, 1, 1]))
    (folder / "identity_CelebA.txt").write_text(rows([1, 2, 3, 4]))
    for file, header, value in (("list_bbox_celeba.txt", "x_1 y_1", "1 2"),
                                ("list_landmarks_align_celeba.txt", "lefteye_x lefteye_y", "3 4"),
                                ("list_attr_celeba.txt", "Smiling Young", "1 -1")):
        (folder / file).write_text(f"4\n{header}\n" + rows([value] * 4))
    return {"names": names}


def test_celeba_split_is_decoded_with_a_centre_crop(tmp_path, monkeypatch):
    write_celeba(tmp_path)
    monkeypatch.setattr(torchvision.datasets.CelebA, "_check_integrity", lambda self: True)
    data = load_image_dataset("celeba", root=tmp_path)
    assert (len(data), data.shape, data.num_classes, data.labels) == (2, (3, 64, 64), 0, None)
    # 64 x 80 -> shorter side already 64; the centre crop keeps rows 8..71
    assert torch.equal(data.data[0, 0], torch.arange(8, 72, dtype=torch.uint8).view(64, 1).expand(64, 64))
    assert torch.equal(data.data[0, 1], torch.arange(64, dtype=torch.uint8).view(1, 64).expand(64, 64))
    assert data.data[:, 2, 0, 0].tolist() == [0, 50]
    valid = load_image_dataset("celeba", split="valid", root=tmp_path, image_size=32)
    assert valid.shape == (3, 32, 32) and valid.data[:, 2, 0, 0].tolist() == [100, 150]


def test_missing_celeba_explains_the_manual_download(tmp_path):
    with pytest.raises(DatasetNotFoundError) as caught:
        load_image_dataset("celeba", root=tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "celeba") in message and "img_align_celeba" in message
    assert "mmlab.ie.cuhk.edu.hk" in message and "'folder' dataset" in message
