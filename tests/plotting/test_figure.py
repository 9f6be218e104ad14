"""Tests of gan_course.plotting.figure: saving figures and converting inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from gan_course.errors import GanCourseError
from gan_course.plotting import PlotInputError, save_figure
from gan_course.plotting.figure import to_numpy

from .plot_checks import TEST_DPI, read_png


def _solid(color) -> Figure:
    fig = Figure(figsize=(2.0, 1.0))
    fig.patch.set_facecolor(color)
    return fig


def test_save_figure_creates_parent_folders_and_writes_a_png_of_figsize_times_dpi(tmp_path):
    """Does a nested path get its folders, and is the PNG 2 x 1 inches at the dpi asked for?"""
    fig = _solid("red")
    target = tmp_path / "run" / "plots" / "losses.png"
    returned = save_figure(fig, target, dpi=TEST_DPI)
    assert returned == target
    pixels = read_png(target, fig, TEST_DPI)
    assert pixels.shape == (TEST_DPI, 2 * TEST_DPI, 3)
    assert (pixels == [255, 0, 0]).all()
    assert sorted(p.name for p in target.parent.iterdir()) == ["losses.png"]  # no partial file left


def test_save_figure_overwrites_an_existing_plot(tmp_path):
    """Is a plot refreshed each epoch replaced, not kept?"""
    target = tmp_path / "scores.png"
    save_figure(_solid("red"), target, dpi=TEST_DPI)
    save_figure(_solid("blue"), str(target), dpi=TEST_DPI)
    assert (read_png(target) == [0, 0, 255]).all()


def test_save_figure_follows_the_suffix_for_pdf(tmp_path):
    target = save_figure(_solid("white"), tmp_path / "book" / "figure.pdf", dpi=TEST_DPI)
    assert target.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("name", ["plot.txt", "plot"])
def test_save_figure_rejects_a_path_without_an_image_suffix(tmp_path, name):
    with pytest.raises(PlotInputError, match=r"\.png") as caught:
        save_figure(_solid("white"), tmp_path / name, dpi=TEST_DPI)
    assert isinstance(caught.value, GanCourseError) and isinstance(caught.value, ValueError)
    assert list(tmp_path.iterdir()) == []


def test_to_numpy_detaches_tensors_and_reads_lists_as_float64():
    tensor = torch.tensor([[1.5, -2.0]], requires_grad=True)
    array = to_numpy(tensor * 2)
    assert array.dtype == np.float64
    np.testing.assert_array_equal(array, [[3.0, -4.0]])
    np.testing.assert_array_equal(to_numpy([1, 2]), np.array([1.0, 2.0]))
    with pytest.raises(PlotInputError, match="torch tensor or a numpy array"):
        to_numpy(["a", "b"])


def test_no_plotting_module_imports_pyplot():
    """Figures come from the object API only: pyplot's global state breaks threads and leaks."""
    import ast
    from pathlib import Path

    import gan_course.plotting

    for source in Path(gan_course.plotting.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, (ast.Import, ast.ImportFrom)) else []
            module = node.module if isinstance(node, ast.ImportFrom) else ""
            assert not any("pyplot" in name for name in [*names, module or ""]), f"{source.name} imports pyplot"


def test_figures_drawn_in_parallel_threads_match_the_sequential_ones(tmp_path):
    """Can a training thread and a notebook thread plot at the same time?"""
    from concurrent.futures import ThreadPoolExecutor

    from gan_course.plotting import image_grid

    images = [torch.full((4, 1, 6, 6), v) for v in (-1.0, 0.0, 1.0, 0.5)]

    def draw(i):
        save_figure(image_grid(images[i], nrow=2), tmp_path / f"grid{i}.png", dpi=TEST_DPI)
        return read_png(tmp_path / f"grid{i}.png")

    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(draw, range(4)))
    for i, pixels in enumerate(parallel):
        np.testing.assert_array_equal(pixels, draw(i))
    assert parallel[0].mean() < parallel[2].mean()
