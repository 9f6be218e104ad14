"""Is the critic's Wasserstein estimate mean D(x) - mean D(G(z)) logged apart from the penalty,
per step and per epoch, in the history, TensorBoard, the loss plot and the live notebook view, with the closed-form
value for a known critic, while old histories without these columns still load and plot?"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from gan_course.data import InMemoryData
from gan_course.losses import GP_WEIGHT, R1_WEIGHT
from gan_course.plotting import plot_losses
from gan_course.train import History, Trainer, train
from gan_course.run_dir import RunDir

REAL_POINT = (0.5, -1.0)  # every real sample
FAKE_POINT = (-0.25, 3.0)  # every generated sample
SLOPE = 2.0  # the critic D(x) = SLOPE * x_0: its gradient norm is SLOPE everywhere


class ConstantGenerator(nn.Module):
    """G(z) = FAKE_POINT for every z (a parameter that never changes the output, for the optimiser)."""

    latent_dim = 8

    def __init__(self):
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(()))

    def forward(self, z, labels=None):
        return torch.tensor(FAKE_POINT).expand(z.shape[0], 2) + 0.0 * self.unused  # (B, 2)


class LinearCritic(nn.Module):
    """D(x) = SLOPE * x_0: a fixed critic whose scores and gradient norm are known in closed form."""

    def __init__(self):
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(()))

    def forward(self, x, labels=None):
        return SLOPE * x[:, 0] + 0.0 * self.unused  # (B,)


@pytest.fixture
def constant_points():
    return InMemoryData(torch.tensor(REAL_POINT).repeat(256, 1), name="constant")


def _fixed_run(tiny_config, data, **overrides):
    config = tiny_config(epochs=1, tensorboard=False, **overrides)
    return train(config, data=data, generator=ConstantGenerator(), discriminator=LinearCritic())


def test_wgan_gp_logs_the_closed_form_estimate_and_the_penalty_apart(tiny_config, constant_points, no_plots):
    """W = SLOPE * (real_0 - fake_0) = 1.5; GP = lambda * (SLOPE - 1)^2 = 10; d_loss = -W + GP."""
    history = _fixed_run(tiny_config, constant_points, strategy="wgan-gp").history
    w_expected = SLOPE * (REAL_POINT[0] - FAKE_POINT[0])
    penalty_expected = GP_WEIGHT * (SLOPE - 1.0) ** 2
    for table in (history.steps, history.epochs):
        logged = [i for i, v in enumerate(table["d_loss"]) if v is not None]
        assert logged, "no discriminator step was logged"
        np.testing.assert_allclose([table["w_estimate"][i] for i in logged], w_expected, rtol=1e-6)
        np.testing.assert_allclose([table["penalty"][i] for i in logged], penalty_expected, rtol=1e-5)
        np.testing.assert_allclose([table["d_loss"][i] for i in logged], -w_expected + penalty_expected, rtol=1e-5)


def test_weight_clipping_has_an_estimate_but_no_penalty_column(tiny_config, constant_points, no_plots):
    history = _fixed_run(tiny_config, constant_points, strategy="wgan-clip").history
    w_expected = SLOPE * (REAL_POINT[0] - FAKE_POINT[0])
    assert "penalty" not in history.steps and "penalty" not in history.epochs
    np.testing.assert_allclose(history.epochs["w_estimate"], [w_expected], rtol=1e-6)
    np.testing.assert_allclose(history.epochs["d_loss"], [-w_expected], rtol=1e-6)  # no penalty in the loss


def test_a_hinge_critic_logs_its_gap_not_its_loss(tiny_config, constant_points, no_plots):
    """Hinge: d_loss = relu(1 - D(x)) + relu(1 + D(G(z))) = 0 + 0.5, while the gap is 1.5."""
    history = _fixed_run(tiny_config, constant_points, strategy="hinge").history
    np.testing.assert_allclose(history.epochs["w_estimate"], [SLOPE * (REAL_POINT[0] - FAKE_POINT[0])], rtol=1e-6)
    np.testing.assert_allclose(history.epochs["d_loss"], [0.5], rtol=1e-6)


def test_bce_has_no_estimate_and_r1_logs_its_penalty(tiny_config, constant_points, no_plots):
    """BCE's logit gap is no distance: no w_estimate column. R1 = gamma / 2 * SLOPE^2 is logged."""
    plain = _fixed_run(tiny_config, constant_points, strategy="gan").history
    assert not {"w_estimate", "penalty"} & (set(plain.steps) | set(plain.epochs))
    r1 = _fixed_run(tiny_config, constant_points, strategy="gan", regularizer="r1", name="r1").history
    assert "w_estimate" not in r1.epochs
    np.testing.assert_allclose(r1.epochs["penalty"], [0.5 * R1_WEIGHT * SLOPE**2], rtol=1e-5)


def test_a_trained_critic_keeps_d_loss_equal_to_minus_estimate_plus_penalty(tiny_config, ring_data):
    """With a learning MLP critic every logged step obeys d_loss = -w_estimate + penalty, and
    TensorBoard and the loss plot carry both curves."""
    from gan_course.train import LivePlot

    live = LivePlot(every=100, display=lambda obj, **kwargs: None)
    trainer = Trainer(tiny_config(strategy="wgan-gp", epochs=1), data=ring_data, callbacks=[live])
    result = trainer.fit()
    steps = result.history.steps
    rows = [i for i, v in enumerate(steps["d_loss"]) if v is not None]
    d_loss = np.array([steps["d_loss"][i] for i in rows])
    rebuilt = np.array([-steps["w_estimate"][i] + steps["penalty"][i] for i in rows])
    np.testing.assert_allclose(d_loss, rebuilt, rtol=1e-4, atol=1e-6)
    assert min(steps["penalty"][i] for i in rows) >= 0.0
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(RunDir(result.run_dir).tensorboard), size_guidance={"scalars": 0})
    events.Reload()
    for key in ("w_estimate", "penalty"):
        np.testing.assert_allclose([s.value for s in events.Scalars(f"train/{key}")], steps[key], rtol=1e-5)
        np.testing.assert_allclose([s.value for s in events.Scalars(f"epoch/{key}")], result.history.epochs[key],
                                   rtol=1e-5)
    gids = {line.get_gid() for line in plot_losses(result.history, smooth=0).axes[0].lines}
    assert {"d_loss:raw", "w_estimate:raw", "penalty:raw"} <= gids
    live_lines = {line.get_gid(): line for line in live.figure.axes[0].lines}  # the notebook's live view
    np.testing.assert_allclose(live_lines["w_estimate"].get_ydata(), [steps["w_estimate"][i] for i in rows])


def test_an_old_history_without_the_columns_loads_plots_and_grows_them(tmp_path):
    old = {"steps": {"step": [1, 2], "epoch": [1, 1], "d_loss": [0.5, 0.4], "g_loss": [1.0, 0.9]},
           "epochs": {"epoch": [1], "d_loss": [0.45], "g_loss": [0.95], "metric": [0.2]}, "metric_name": "m"}
    history = History()
    history.load_state_dict(old)
    gids = {line.get_gid() for line in plot_losses(history, smooth=0).axes[0].lines}
    assert gids == {"d_loss:raw", "g_loss:raw"}
    history.log_step(step=3, epoch=2, d_loss=0.3, g_loss=0.8, w_estimate=0.7, penalty=0.1)  # a resumed WGAN-GP run
    assert history.steps["w_estimate"] == [None, None, 0.7] and history.steps["penalty"] == [None, None, 0.1]
    path = history.to_json(tmp_path / "history.json")
    assert History.from_json(path).steps["w_estimate"] == [None, None, 0.7]
