"""Tests of gan_course.plotting.images: the shown grid holds the images mapped to [0, 1]."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_course.plotting import PlotInputError, image_grid, interpolation_strip, sample_grid_by_class
from gan_course.plotting.images import GRID_PADDING, PAD_VALUE, row_centers, to_unit_images

from .plot_checks import TEST_DPI, by_gid, read_png

P = GRID_PADDING


def _shown(fig) -> np.ndarray:
    """The (H, W, 3) array the figure displays."""
    (ax,) = fig.axes
    return np.asarray(by_gid(ax.images, "grid").get_array())


def _tile(grid: np.ndarray, row: int, col: int, height: int, width: int) -> np.ndarray:
    """Tile (row, col) of a make_grid layout with padding P. -> (height, width, 3)."""
    top, left = P + row * (height + P), P + col * (width + P)
    return grid[top:top + height, left:left + width]


def _constant_images(values, channels: int = 1, size: int = 4) -> torch.Tensor:
    """(N, C, size, size) images, image i filled with values[i]."""
    return torch.tensor(values, dtype=torch.float32).view(-1, 1, 1, 1).expand(-1, channels, size, size).clone()


def test_image_grid_maps_minus_one_to_black_zero_to_grey_and_one_to_white():
    """Values -1, 0, 1 (and out-of-range -3, 2 clamped) on a grid of 3 per row."""
    values = [-1.0, 0.0, 1.0, -3.0, 2.0]
    fig = image_grid(_constant_images(values), nrow=3)
    grid = _shown(fig)
    assert grid.shape == (P + 2 * (4 + P), P + 3 * (4 + P), 3)
    expected = [0.0, 0.5, 1.0, 0.0, 1.0]
    for i, value in enumerate(expected):
        np.testing.assert_allclose(_tile(grid, i // 3, i % 3, 4, 4), value)
    np.testing.assert_allclose(_tile(grid, 1, 2, 4, 4), PAD_VALUE)  # the empty sixth cell
    np.testing.assert_allclose(grid[:P], PAD_VALUE)  # the border
    assert not fig.axes[0].axison


def test_image_grid_keeps_rgb_channels_apart():
    image = torch.stack([torch.full((3, 3), -1.0), torch.zeros(3, 3), torch.ones(3, 3)]).unsqueeze(0)  # (1, 3, 3, 3)
    np.testing.assert_allclose(_tile(_shown(image_grid(image)), 0, 0, 3, 3), np.broadcast_to([0.0, 0.5, 1.0], (3, 3, 3)))


def test_image_grid_accepts_numpy_uint8_and_channelless_images_alike():
    """Do a torch tensor, its numpy array, its uint8 version and (N, H, W) show the same grid?"""
    images = torch.linspace(-1, 1, 2 * 5 * 5).view(2, 1, 5, 5)
    from_torch = _shown(image_grid(images))
    np.testing.assert_allclose(_shown(image_grid(images.numpy())), from_torch)
    np.testing.assert_allclose(_shown(image_grid(images[:, 0])), from_torch)
    as_uint8 = ((images + 1) / 2 * 255).round().to(torch.uint8)
    np.testing.assert_allclose(_shown(image_grid(as_uint8)), from_torch, atol=0.5 / 255)
    np.testing.assert_allclose(_tile(from_torch, 0, 0, 5, 5)[..., 0], ((images[0, 0] + 1) / 2).numpy(), rtol=1e-6)


def test_image_grid_shows_nan_from_a_diverged_generator_as_black():
    images = torch.full((1, 1, 2, 2), float("nan"))
    np.testing.assert_array_equal(to_unit_images(images), torch.zeros(1, 1, 2, 2))


@pytest.mark.parametrize("value, pixel", [(1.0, 255), (-1.0, 0)])
def test_image_grid_saved_png_is_white_for_ones_and_black_for_minus_ones(tmp_path, value, pixel):
    """Does the saved file, read back, show the image at its centre?"""
    fig = image_grid(torch.full((1, 1, 8, 8), value), path=tmp_path / "samples" / "epoch_0001.png", dpi=TEST_DPI)
    pixels = read_png(tmp_path / "samples" / "epoch_0001.png", fig)
    height, width, _ = pixels.shape
    assert (pixels[height // 2, width // 2] == pixel).all()


def test_image_grid_names_channels_last_input_and_the_fix():
    with pytest.raises(PlotInputError, match=r"permute\(0, 3, 1, 2\)"):
        image_grid(np.zeros((2, 8, 8, 3)))
    with pytest.raises(PlotInputError, match="C = 1 .* or 3"):
        image_grid(torch.zeros(2, 2, 8, 8))


def test_interpolation_strip_puts_each_path_on_its_labelled_row(tmp_path):
    """Two strips of 4 steps: row r, column s shows interpolant (r, s); rows carry the labels."""
    values = torch.tensor([[-1.0, -0.5, 0.0, 0.5], [1.0, 0.5, 0.0, -0.5]])  # (R, S)
    images = values.view(2, 4, 1, 1, 1).expand(2, 4, 3, 6, 6)  # (R, S, C, H, W)
    fig = interpolation_strip(images, labels=["lerp", "slerp"], path=tmp_path / "interp.png", dpi=TEST_DPI)
    grid = _shown(fig)
    for r in range(2):
        for s in range(4):
            np.testing.assert_allclose(_tile(grid, r, s, 6, 6), (values[r, s].item() + 1) / 2)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["lerp", "slerp"]
    centres = ax.get_yticks()
    np.testing.assert_allclose(centres, row_centers(2, 6))
    np.testing.assert_allclose(grid[int(centres[1]), P + 1], 1.0)  # the row labelled slerp starts at value 1
    read_png(tmp_path / "interp.png", fig)


def test_interpolation_strip_of_one_path_is_one_row():
    grid = _shown(interpolation_strip(_constant_images([-1.0, 0.0, 1.0], size=3)))
    assert grid.shape[0] == 2 * P + 3
    np.testing.assert_allclose([_tile(grid, 0, s, 3, 3).mean() for s in range(3)], [0.0, 0.5, 1.0])


def test_interpolation_strip_needs_one_label_per_row():
    with pytest.raises(PlotInputError, match="3 labels for 2 strips"):
        interpolation_strip(torch.zeros(2, 3, 1, 4, 4), labels=["a", "b", "c"])


def test_sample_grid_by_class_puts_each_class_on_its_own_named_row():
    """Class c's images (value v_c) fill row c in their order; short rows end in white."""
    labels = torch.tensor([2, 0, 2, 1, 0, 2])
    class_value = {0: -1.0, 1: 0.0, 2: 0.5}
    images = _constant_images([class_value[int(c)] for c in labels])
    fig = sample_grid_by_class(images, labels, class_names=["zero", "one", "two"])
    grid = _shown(fig)
    assert grid.shape[:2] == (P + 3 * (4 + P), P + 3 * (4 + P))
    counts = {0: 2, 1: 1, 2: 3}
    for c in range(3):
        for col in range(3):
            expected = (class_value[c] + 1) / 2 if col < counts[c] else PAD_VALUE
            np.testing.assert_allclose(_tile(grid, c, col, 4, 4), expected)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["zero", "one", "two"]


def test_sample_grid_by_class_keeps_the_order_within_a_class_and_caps_the_row():
    labels = np.array([1, 1, 1, 3])
    images = _constant_images([-1.0, 0.0, 1.0, 0.5]).numpy()
    fig = sample_grid_by_class(images, labels, max_per_class=2)
    grid = _shown(fig)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["1", "3"]
    np.testing.assert_allclose([_tile(grid, 0, col, 4, 4).mean() for col in range(2)], [0.0, 0.5])
    np.testing.assert_allclose(_tile(grid, 1, 0, 4, 4), 0.75)
    assert grid.shape[1] == P + 2 * (4 + P)


def test_sample_grid_by_class_rejects_labels_that_do_not_fit():
    images = torch.zeros(3, 1, 4, 4)
    with pytest.raises(PlotInputError, match="2 class_names"):
        sample_grid_by_class(images, torch.tensor([0, 1, 2]), class_names=["a", "b"])
    with pytest.raises(PlotInputError, match=r"integers of shape \(N,\) = \(3,\)"):
        sample_grid_by_class(images, torch.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(PlotInputError, match=r"\(N,\) = \(3,\)"):
        sample_grid_by_class(images, torch.tensor([0, 1]))
