"""Image folders: labels from class subfolders, unlabelled flat folders, the resize + centre
crop of DCGAN's preprocessing checked on known patterns, the decode cache, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from gan_course import paths
from gan_course.data import folder as folder_module
from gan_course.data.folder import load_image_folder
from gan_course.errors import DatasetNotFoundError


def save(path, pixels: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)


def solid(value: tuple[int, int, int], height: int = 20, width: int = 20) -> np.ndarray:
    return np.broadcast_to(np.array(value, dtype=np.uint8), (height, width, 3)).copy()


def test_class_subfolders_give_sorted_labels(tmp_path):
    save(tmp_path / "dogs" / "a.png", solid((10, 0, 0)))
    save(tmp_path / "cats" / "b.png", solid((20, 0, 0)))
    save(tmp_path / "cats" / "c.png", solid((30, 0, 0)))
    save(tmp_path / ".ipynb_checkpoints" / "d.png", solid((40, 0, 0)))  # hidden: ignored
    (tmp_path / "notes").mkdir()  # no images: not a class
    data = load_image_folder(tmp_path, image_size=8)
    assert data.class_names == ["cats", "dogs"] and data.num_classes == 2
    assert data.labels.tolist() == [0, 0, 1]  # cats/b, cats/c, dogs/a
    assert data.data[:, 0, 0, 0].tolist() == [20, 30, 10]
    assert data.shape == (3, 8, 8) and data.data.dtype == torch.uint8


def test_a_flat_folder_is_unlabelled_and_sorted(tmp_path):
    for name, value in (("b.png", 2), ("a.png", 1), ("c.bmp", 3)):
        save(tmp_path / name, solid((value, value, value)))
    (tmp_path / "readme.txt").write_text("not an image")
    data = load_image_folder(tmp_path, image_size=4)
    assert data.labels is None and data.num_classes == 0 and data.kind == "image"
    assert data.data[:, 1, 2, 2].tolist() == [1, 2, 3]
    assert data[0][1].item() == -1


def test_a_single_subfolder_is_unlabelled(tmp_path):
    """CelebA's img_align_celeba/ alone is not a class label."""
    for k in range(3):
        save(tmp_path / "img_align_celeba" / f"{k}.png", solid((k, 0, 0)))
    data = load_image_folder(tmp_path, image_size=4)
    assert data.labels is None and len(data) == 3


def test_wide_images_keep_their_centre_columns(tmp_path):
    """64 tall x 96 wide at image_size 64: no resize, columns 16..79 kept exactly."""
    pixels = np.zeros((64, 96, 3), dtype=np.uint8)
    pixels[..., 0] = np.arange(96)[None, :]
    pixels[..., 1] = np.arange(64)[:, None]
    save(tmp_path / "wide.png", pixels)
    image = load_image_folder(tmp_path, image_size=64).data[0]  # (3, 64, 64)
    assert torch.equal(image[0], torch.arange(16, 80, dtype=torch.uint8).expand(64, 64))
    assert torch.equal(image[1], torch.arange(64, dtype=torch.uint8).view(64, 1).expand(64, 64))


def test_shorter_side_is_resized_before_the_centre_crop(tmp_path):
    """A 60 wide x 120 tall image at size 30: halved to 30 x 60, then rows 15..44 kept, which
    come from the middle half of the original: the green band, not the red top or blue bottom."""
    pixels = np.zeros((120, 60, 3), dtype=np.uint8)
    pixels[:30, :, 0] = 255  # top quarter red
    pixels[30:90, :, 1] = 255  # middle half green
    pixels[90:, :, 2] = 255  # bottom quarter blue
    save(tmp_path / "tall.png", pixels)
    image = load_image_folder(tmp_path, image_size=30).data[0].int()  # (3, 30, 30)
    assert image.shape == (3, 30, 30)
    assert (image[1] > image[0]).all() and (image[1] > image[2]).all()  # green dominates everywhere
    assert (image[:, 2:-2] == torch.tensor([0, 255, 0]).view(3, 1, 1)).all()  # pure green inside
    assert abs(int(image[0, 0].sum()) - int(image[2, -1].sum())) <= 30  # symmetric edges: centred


def test_greyscale_and_palette_images_become_rgb(tmp_path):
    Image.fromarray(np.full((10, 10), 77, dtype=np.uint8)).save(tmp_path / "grey.png")
    data = load_image_folder(tmp_path, image_size=5)
    assert data.shape == (3, 5, 5) and (data.data == 77).all()


def test_a_split_subfolder_is_used_for_that_split(tmp_path):
    save(tmp_path / "train" / "a.png", solid((1, 1, 1)))
    save(tmp_path / "test" / "b.png", solid((9, 9, 9)))
    assert load_image_folder(tmp_path / "train", image_size=4).data[0, 0, 0, 0].item() == 1
    assert load_image_folder(tmp_path, split="test", image_size=4).data[0, 0, 0, 0].item() == 9
    with pytest.raises(DatasetNotFoundError, match="no 'valid' subfolder"):
        load_image_folder(tmp_path, split="valid")


def test_max_items_keeps_the_first_files(tmp_path):
    for k in range(5):
        save(tmp_path / f"{k}.png", solid((k, 0, 0)))
    assert load_image_folder(tmp_path, image_size=4, max_items=2).data[:, 0, 0, 0].tolist() == [0, 1]


def test_the_decoded_tensor_is_cached_and_rebuilt_when_the_folder_changes(tmp_path, monkeypatch):
    save(tmp_path / "a.png", solid((5, 5, 5)))
    first = load_image_folder(tmp_path, image_size=4)
    assert len(list((paths.cache_dir() / "datasets").glob("*.pt"))) == 1

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again although the cache is current")

    with monkeypatch.context() as patch:
        patch.setattr(folder_module, "decode_image_files", no_decoding)
        assert torch.equal(load_image_folder(tmp_path, image_size=4).data, first.data)
    save(tmp_path / "b.png", solid((6, 6, 6)))
    assert load_image_folder(tmp_path, image_size=4).data[:, 0, 0, 0].tolist() == [5, 6]
    assert load_image_folder(tmp_path, image_size=4, cache=False).data[:, 0, 0, 0].tolist() == [5, 6]


def test_a_damaged_cache_file_is_decoded_again(tmp_path):
    save(tmp_path / "a.png", solid((5, 5, 5)))
    load_image_folder(tmp_path, image_size=4)
    (cached,) = (paths.cache_dir() / "datasets").glob("*.pt")
    cached.write_bytes(b"not a torch file")
    assert load_image_folder(tmp_path, image_size=4).data[0, 0, 0, 0].item() == 5


def test_missing_and_empty_folders_and_broken_images_are_explained(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="does not exist"):
        load_image_folder(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetNotFoundError, match="no images found in .*empty"):
        load_image_folder(tmp_path / "empty")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "bad.png").write_bytes(b"not a png")
    with pytest.raises(DatasetNotFoundError, match="bad.png.*delete or replace"):
        load_image_folder(tmp_path / "broken", cache=False)


def test_image_extensions_are_torchvisions():
    """Does the folder loader accept exactly the files torchvision's ImageFolder accepts (its
    list is copied so that importing gan_course.data does not import torchvision)?"""
    from torchvision.datasets.folder import IMG_EXTENSIONS as TORCHVISION_EXTENSIONS

    from gan_course.data import folder

    assert folder.IMG_EXTENSIONS == TORCHVISION_EXTENSIONS


def test_importing_the_data_package_leaves_torchvision_unimported():
    """Is torchvision imported only when images are decoded (``gan-course check`` imports the
    ring's constants and must start fast)?"""
    import subprocess
    import sys

    code = "import sys, gan_course.data; print('torchvision' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
