"""Does the notebook callback redraw one output in place every N steps, showing the run's own loss
curves and the generator's current samples for the fixed noise?"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from gan_course.errors import ConfigError
from gan_course.train import LivePlot, Trainer
from gan_course.train.epoch_metric import generate
from gan_course.train.live import DPI, FIGSIZE, sample_grid


class FakeHandle:
    def __init__(self, log):
        self.log = log

    def update(self, obj):
        self.log.append(("update", obj))


class FakeDisplay:
    """Stands in for IPython.display.display: records what was shown and how."""

    def __init__(self):
        self.log = []

    def __call__(self, obj, *, display_id=None):
        self.log.append(("display", obj, display_id))
        return FakeHandle(self.log)


def _png_size(image) -> tuple[int, int]:
    return Image.open(io.BytesIO(image.data)).size


def test_the_figure_is_created_once_and_updated_in_place(tiny_config, ring_data, no_plots):
    display = FakeDisplay()
    live = LivePlot(every=3, display=display)
    trainer = Trainer(tiny_config(epochs=2, tensorboard=False), data=ring_data, callbacks=[live])
    trainer.fit()  # 8 steps, one logged row each: draws at steps 3 and 6, then at the end (8)
    kinds = [entry[0] for entry in display.log]
    assert kinds == ["display", "update", "update"]
    assert display.log[0][2] is True  # display_id=True: the output can be updated later
    assert live.draws == 3 and live.last_step == 8
    assert all(_png_size(entry[1]) == (FIGSIZE[0] * DPI, FIGSIZE[1] * DPI) for entry in display.log)
    curves = live.figure.axes[0]
    lines = {line.get_gid(): line for line in curves.lines}
    for key in ("d_loss", "g_loss"):  # the whole history so far, step for step
        np.testing.assert_array_equal(lines[key].get_xdata(), trainer.history.steps["step"])
        np.testing.assert_allclose(lines[key].get_ydata(), trainer.history.steps[key])
    expected = generate(trainer.sampler, trainer.metric.z, None)  # (2000, 2): the final samples
    shown = next(c for c in live.figure.axes[1].collections if c.get_gid() == "samples").get_offsets()
    np.testing.assert_allclose(np.asarray(shown), expected.numpy(), rtol=1e-6)


def test_image_runs_show_the_current_fixed_noise_grid(tiny_config, fashion_data, no_plots):
    display = FakeDisplay()
    live = LivePlot(every=2, samples=9, display=display)
    config = tiny_config(model="cgan", dataset="fashion-mnist", batch_size=4, epochs=1, width=8, tensorboard=False)
    trainer = Trainer(config, data=fashion_data, callbacks=[live])
    trainer.fit()  # 4 steps: draws at 2 and 4
    assert [entry[0] for entry in display.log] == ["display", "update"]
    labels = trainer.metric.labels[:9]
    expected = sample_grid(generate(trainer.sampler, trainer.metric.z[:9], labels)).numpy()  # (92, 92, 3)
    shown = live.figure.axes[1].images[0].get_array()
    assert shown.shape == (3 * 30 + 2, 3 * 30 + 2, 3)
    np.testing.assert_allclose(np.asarray(shown), expected, atol=1e-6)
    assert "step 4" in live.figure.axes[0].get_title()


def test_redraws_follow_the_logged_steps(tiny_config, ring_data, no_plots):
    display = FakeDisplay()
    live = LivePlot(every=3, display=display)
    Trainer(tiny_config(epochs=2, log_every=2, tensorboard=False), data=ring_data, callbacks=[live]).fit()
    assert live.draws == 2  # logged at 2, 4, 6, 8: drawn at 4 (3 or more after 0) and 8 (after 4); 8 is the end
    assert live.last_step == 8 and [entry[0] for entry in display.log] == ["display", "update"]


@pytest.mark.parametrize("kwargs", [{"every": 0}, {"every": 5, "samples": 0}])
def test_nonsense_settings_are_refused(kwargs):
    with pytest.raises(ConfigError, match="LivePlot"):
        LivePlot(**kwargs)
