"""Tests of gan_course.plotting.planar: scatter, density and the critic heat map hold the
points and the discriminator's values on the grid."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from gan_course.plotting import PlotInputError, critic_values, data_extent, plot_critic_heatmap, plot_scatter
from gan_course.plotting.planar import grid_points

from .plot_checks import TEST_DPI, by_gid, read_png

REAL = np.array([[0.0, 0.0], [10.0, 2.0], [5.0, 1.0], [2.0, 0.5]])
FAKE = np.array([[1.0, 1.0], [1.1, 1.0], [1.0, 1.1]])


def _difference(x: torch.Tensor) -> torch.Tensor:
    """The analytic discriminator D(x) = x_0 - x_1. (K, 2) -> (K,)."""
    return x[:, 0] - x[:, 1]


def test_data_extent_widens_the_span_by_the_margin():
    assert data_extent(REAL, FAKE) == pytest.approx((-1.0, 11.0, -0.2, 2.2))
    assert data_extent(np.array([[3.0, 3.0]])) == (2.0, 4.0, 2.0, 4.0)  # zero span: +- 1


def test_data_extent_ignores_non_finite_points_and_rejects_only_those():
    points = np.array([[0.0, 0.0], [np.nan, 5.0], [1.0, np.inf], [1.0, 1.0]])
    assert data_extent(points, margin=0.0) == (0.0, 1.0, 0.0, 1.0)
    with pytest.raises(PlotInputError, match="has training diverged"):
        data_extent(np.full((3, 2), np.nan))


@pytest.mark.parametrize("convert", [np.asarray, torch.as_tensor], ids=["numpy", "torch"])
def test_plot_scatter_offsets_are_the_points_and_the_density_is_their_histogram(tmp_path, convert):
    rng = np.random.default_rng(0)
    real = rng.normal(size=(200, 2)) * [3.0, 1.0]
    fake = rng.normal(size=(150, 2)) * 0.2 + [1.0, 0.5]
    fig = plot_scatter(convert(real), convert(fake), bins=12, title="ring", path=tmp_path / "scatter.png", dpi=TEST_DPI)
    ax_points, ax_density = fig.axes[:2]
    np.testing.assert_allclose(by_gid(ax_points.collections, "real").get_offsets(), real)
    np.testing.assert_allclose(by_gid(ax_points.collections, "fake").get_offsets(), fake)

    x0, x1, y0, y1 = data_extent(real, fake)
    expected, _, _ = np.histogram2d(fake[:, 0], fake[:, 1], bins=12, range=[[x0, x1], [y0, y1]], density=True)
    density = by_gid(ax_density.images, "fake_density")
    np.testing.assert_allclose(np.asarray(density.get_array()), expected.T)
    np.testing.assert_allclose(density.get_extent(), (x0, x1, y0, y1))
    for ax in (ax_points, ax_density):
        assert ax.get_aspect() == 1.0
        np.testing.assert_allclose([*ax.get_xlim(), *ax.get_ylim()], (x0, x1, y0, y1))
    read_png(tmp_path / "scatter.png", fig)


def test_plot_scatter_shows_a_collapsed_generator_as_one_hot_cell():
    """All fake points on one spot: the whole density mass sits in a single cell."""
    real = np.random.default_rng(1).uniform(-5, 5, size=(300, 2))
    fake = np.tile([[1.3, -2.1]], (100, 1))
    fig = plot_scatter(real, fake, bins=10, extent=(-5, 5, -5, 5))
    density = np.asarray(by_gid(fig.axes[1].images, "fake_density").get_array())
    cell_area = 1.0 * 1.0
    assert np.count_nonzero(density) == 1
    assert density.sum() * cell_area == pytest.approx(1.0)
    row, col = np.unravel_index(density.argmax(), density.shape)
    assert (row, col) == (2, 6)  # y in [-3, -2), x in [1, 2)


def test_plot_scatter_rejects_points_that_are_not_two_dimensional():
    with pytest.raises(PlotInputError, match=r"shape \(N, 2\)"):
        plot_scatter(np.zeros((5, 3)), FAKE)


def test_critic_heatmap_shows_the_analytic_discriminator_on_the_grid(tmp_path):
    """D(x) = x_0 - x_1 evaluated at the cell centres: value[i, j] = xs[j] - ys[i]."""
    extent = (-2.0, 2.0, 0.0, 1.0)
    fig = plot_critic_heatmap(_difference, extent=extent, resolution=8, path=tmp_path / "critic.png", dpi=TEST_DPI)
    ax = fig.axes[0]
    image = by_gid(ax.images, "critic")
    xs, ys = np.linspace(-1.75, 1.75, 8), np.linspace(1 / 16, 15 / 16, 8)
    np.testing.assert_allclose(np.asarray(image.get_array()), xs[None, :] - ys[:, None], rtol=1e-6)
    np.testing.assert_allclose(image.get_extent(), extent)
    bound = np.abs(xs[None, :] - ys[:, None]).max()
    assert image.get_clim() == pytest.approx((-bound, bound), rel=1e-6)
    assert len(fig.axes) == 2  # the heat map and its colour bar
    read_png(tmp_path / "critic.png", fig)


def test_critic_heatmap_applies_the_sigmoid_for_probabilities():
    fig = plot_critic_heatmap(_difference, extent=(-3, 3, -3, 3), resolution=6, probabilities=True)
    image = by_gid(fig.axes[0].images, "critic")
    xs, ys = grid_points((-3, 3, -3, 3), 6)
    expected = 1.0 / (1.0 + np.exp(-(xs[None, :] - ys[:, None])))
    np.testing.assert_allclose(np.asarray(image.get_array()), expected, rtol=1e-6)
    assert image.get_clim() == (0.0, 1.0)


@pytest.mark.parametrize("convert", [np.asarray, torch.as_tensor], ids=["numpy", "torch"])
def test_critic_heatmap_covers_the_points_and_draws_them(convert):
    fig = plot_critic_heatmap(_difference, convert(REAL), convert(FAKE), resolution=4)
    ax = fig.axes[0]
    np.testing.assert_allclose(by_gid(ax.images, "critic").get_extent(), data_extent(REAL, FAKE))
    np.testing.assert_allclose(by_gid(ax.collections, "real").get_offsets(), REAL)
    np.testing.assert_allclose(by_gid(ax.collections, "fake").get_offsets(), FAKE)


class _Recorder(nn.Module):
    """A linear critic with dropout and batch norm that records the mode it was called in."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.dropout = nn.Dropout(0.9)
        self.norm = nn.BatchNorm1d(1)
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, self.dropout.training, torch.is_grad_enabled(), x.dtype, x.shape))
        return self.norm(self.dropout(self.linear(x)))  # (K, 1)


def test_critic_heatmap_runs_the_module_in_eval_mode_without_gradients_and_restores_each_mode():
    torch.manual_seed(0)
    critic = _Recorder().train()
    critic.norm.eval()  # a submodule deliberately frozen by the user stays frozen
    running_mean = critic.norm.running_mean.clone()
    values = critic_values(critic, (-1, 1, -1, 1), 5)
    assert critic.calls == [(False, False, False, torch.float32, torch.Size([25, 2]))]
    assert (critic.training, critic.linear.training, critic.dropout.training, critic.norm.training) == (True, True, True, False)
    torch.testing.assert_close(critic.norm.running_mean, running_mean)  # eval: statistics untouched
    xs, ys = grid_points((-1, 1, -1, 1), 5)
    with torch.no_grad():
        critic.eval()
        points = torch.tensor(np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2), dtype=torch.float32)
        expected = critic(points).reshape(5, 5).double().numpy()
    np.testing.assert_allclose(values, expected, rtol=1e-6)  # deterministic: no dropout


def test_critic_heatmap_uses_the_dtype_of_a_float64_module():
    critic = _Recorder().double()
    critic_values(critic, (-1, 1, -1, 1), 3)
    assert critic.calls[0][3] == torch.float64


def test_critic_heatmap_conditions_on_a_class_label():
    """A conditional D(x, labels) gets int64 labels (K,) filled with the class."""
    seen = []

    def conditional(x, labels):
        seen.append((labels.dtype, labels.shape, labels.unique().tolist()))
        return (labels + 1).to(x.dtype) * x[:, 0]

    values = critic_values(conditional, (0, 1, 0, 1), 2, labels=2)
    assert seen == [(torch.int64, torch.Size([4]), [2])]
    np.testing.assert_allclose(values, [[0.75, 2.25], [0.75, 2.25]])


def test_critic_heatmap_rejects_outputs_that_are_not_one_per_point():
    with pytest.raises(PlotInputError, match="returned 36 values for 9 points"):
        critic_values(lambda x: torch.cat([x, x], dim=1), (0, 1, 0, 1), 3)


def test_critic_heatmap_needs_points_or_an_extent():
    with pytest.raises(PlotInputError, match="pass real/fake points or extent"):
        plot_critic_heatmap(_difference)
    with pytest.raises(PlotInputError, match="xmin < xmax"):
        plot_critic_heatmap(_difference, extent=(1, 0, 0, 1))
