"""Are a run's samples saved one way: image grids with the asked-for rows, and 2D points drawn
over the run's own fixed real sample (the one its per-epoch metric compares against)?"""

from __future__ import annotations

import struct

import torch

from gan_course import plotting
from gan_course.data import load_dataset
from gan_course.train import TrainConfig
from gan_course.train.epoch_metric import EpochMetric
from gan_course.train.outputs import reference_points, save_samples


def _png_size(path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])  # the IHDR chunk
    return width, height


def test_image_samples_are_a_grid_of_nrow_tiles_per_row(tmp_path):
    images = torch.rand(6, 1, 28, 28) * 2 - 1  # (6, 1, 28, 28) in [-1, 1]
    wide = save_samples(images, tmp_path / "wide.png", nrow=3, title="ignored for grids")
    square = save_samples(torch.zeros(16, 3, 8, 8), tmp_path / "square.png", title="t")
    assert _png_size(wide) == (3 * 30 + 2, 2 * 30 + 2)  # 3 x 2 tiles of 28 px, 2 px padding
    assert _png_size(square) == (4 * 10 + 2, 4 * 10 + 2)  # default: a square-ish grid


def test_points_are_drawn_over_the_runs_fixed_real_sample(tmp_path, monkeypatch):
    config = TrainConfig(n_points=300, seed=5, latent_dim=8)
    metric = EpochMetric(load_dataset("ring", n_points=300, seed=5), 8, torch.device("cpu"))
    reference = reference_points(config)
    assert torch.equal(reference, metric.real)  # (300, 2): all 300 points, drawn with the metric's seed
    drawn = []
    monkeypatch.setattr(plotting, "plot_scatter", lambda real, fake, **kw: drawn.append((real, fake, kw)))
    fake = torch.randn(50, 2)
    save_samples(fake, tmp_path / "s.png", config=config, title="run: 50 samples")
    (real, points, options), = drawn
    assert torch.equal(real, reference) and points is fake and options["title"] == "run: 50 samples"
