"""Do a run's TensorBoard event files hold exactly its history (losses, D(x), D(G(z)), learning
rates, metrics) and its fixed-noise sample grids, and nothing stale after a restart?"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from gan_course.cli import build_parser
from gan_course.cli.train import config_from_args
from gan_course.train import TensorBoardLogger, Trainer
from gan_course.run_dir import RunDir
from gan_course.train.tensorboard import sample_image

STEPS_PER_EPOCH = 4  # 16 synthetic images, batch 4


def _events(log_dir) -> EventAccumulator:
    events = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "images": 0})  # keep every event
    events.Reload()
    return events


def _series(events: EventAccumulator, tag: str) -> tuple[list[int], list[float]]:
    scalars = events.Scalars(tag)
    return [s.step for s in scalars], [s.value for s in scalars]


@pytest.fixture
def image_config(tiny_config):
    def make(**overrides):
        values = dict(model="dcgan", dataset="fashion-mnist", batch_size=4, epochs=2, width=8, grid_size=16,
                      lr_schedule="linear")
        values.update(overrides)
        return tiny_config(**values)

    return make


def test_event_files_hold_the_history_and_the_sample_grids(image_config, fashion_data, no_plots):
    trainer = Trainer(image_config(), data=fashion_data)
    trainer.fit()
    events = _events(RunDir(trainer.run_dir).tensorboard)
    steps, epochs = trainer.history.steps, trainer.history.epochs
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        logged_steps, values = _series(events, f"train/{key}")
        assert logged_steps == steps["step"] == list(range(1, 2 * STEPS_PER_EPOCH + 1))
        np.testing.assert_allclose(values, steps[key], rtol=1e-6)  # float32 in the event file
    epoch_ends = [STEPS_PER_EPOCH, 2 * STEPS_PER_EPOCH]  # epoch rows are indexed by the iteration count
    for tag, column in (("epoch/d_loss", "d_loss"), ("epoch/d_real", "d_real"), ("epoch/d_fake", "d_fake"),
                        ("lr/d", "lr_d"), ("lr/g", "lr_g"), ("metric/sliced_wasserstein", "metric"),
                        ("time/epoch_seconds", "epoch_time")):
        logged_steps, values = _series(events, tag)
        assert logged_steps == epoch_ends, tag
        np.testing.assert_allclose(values, epochs[column], rtol=1e-6, err_msg=tag)
    assert epochs["lr_d"][1] == pytest.approx(epochs["lr_d"][0] / 2)  # the linear schedule is visible
    images = events.Images("samples")
    assert [image.step for image in images] == epoch_ends
    last = np.asarray(Image.open(io.BytesIO(images[-1].encoded_image_string)).convert("RGB"), dtype=float)
    expected = sample_image(trainer.last_samples[:16]).permute(1, 2, 0).numpy() * 255  # (122, 122, 3)
    assert last.shape == (4 * 30 + 2, 4 * 30 + 2, 3)
    assert np.abs(last - expected).max() <= 1.0  # the fixed-noise grid of the last epoch, to a grey level
    assert trainer.callbacks[-1].writer is None  # closed when the run finished


def test_fid_and_kid_in_an_epoch_record_become_metric_scalars(image_config, fashion_data, tmp_path, no_plots):
    trainer = Trainer(image_config(epochs=1, tensorboard=False), data=fashion_data)
    trainer.fit()
    logger = TensorBoardLogger(tmp_path / "tb")
    record = {**trainer.history.last_epoch(), "val_fid": 12.5, "kid": 0.0625, "not_evaluated": None,
              "diverged": float("nan")}
    logger.on_epoch_end(trainer, record)
    events = _events(tmp_path / "tb")
    assert _series(events, "metric/val_fid") == ([STEPS_PER_EPOCH], [12.5])
    assert _series(events, "metric/kid") == ([STEPS_PER_EPOCH], [0.0625])
    assert "metric/not_evaluated" not in events.Tags()["scalars"]  # missing values are not drawn as 0
    assert "metric/diverged" not in events.Tags()["scalars"]


def test_a_restarted_run_shows_only_the_new_runs_events(image_config, fashion_data, no_plots):
    first = Trainer(image_config(seed=0), data=fashion_data)
    first.fit()
    second = Trainer(image_config(seed=1), data=fashion_data)
    second.fit(overwrite=True)  # same directory, other numbers
    events = _events(RunDir(second.run_dir).tensorboard)
    steps, values = _series(events, "train/d_loss")
    assert steps == second.history.steps["step"]
    np.testing.assert_allclose(values, second.history.steps["d_loss"], rtol=1e-6)
    assert not np.allclose(values, first.history.steps["d_loss"])


def test_a_resumed_run_continues_the_curves_without_duplicates(image_config, fashion_data, no_plots):
    Trainer(image_config(epochs=1, lr_schedule="none"), data=fashion_data).fit()
    resumed = Trainer(image_config(epochs=2, lr_schedule="none"), data=fashion_data)
    resumed.fit(resume=True)
    # each writer's file read on its own: a directory reader may skip a file whose name sorts before
    # one it has read (both writers can start within the same second), which is the reader's ordering,
    # not the run's curves
    series = [_series(_events(path), "train/g_loss") for path in sorted(RunDir(resumed.run_dir).tensorboard.glob(
        "events.out.tfevents.*"))]
    points = sorted((step, value) for steps, values in series for step, value in zip(steps, values))
    steps, values = [step for step, _ in points], [value for _, value in points]
    assert steps == list(range(1, 2 * STEPS_PER_EPOCH + 1))
    np.testing.assert_allclose(values, resumed.history.steps["g_loss"], rtol=1e-6)


def test_no_tensorboard_writes_no_event_files(image_config, fashion_data, no_plots):
    trainer = Trainer(image_config(epochs=1, tensorboard=False), data=fashion_data)
    trainer.fit()
    assert not RunDir(trainer.run_dir).tensorboard.exists()
    assert not any(isinstance(cb, TensorBoardLogger) for cb in trainer.callbacks)


@pytest.mark.parametrize("flags, expected", [([], True), (["--no-tensorboard"], False)])
def test_the_train_command_turns_tensorboard_off_with_a_flag(flags, expected):
    args = build_parser().parse_args(["train", "--config", "ring", *flags])
    assert config_from_args(args).tensorboard is expected


def test_an_overwritten_run_that_logs_no_steps_leaves_no_old_step_curves(image_config, fashion_data, no_plots):
    Trainer(image_config(epochs=1), data=fashion_data).fit()  # a row every step
    second = Trainer(image_config(epochs=1, log_every=100, seed=1), data=fashion_data)  # epoch rows only
    second.fit(overwrite=True)
    events = _events(RunDir(second.run_dir).tensorboard)
    assert events.Scalars("train/d_loss") == []  # the first run's steps are purged, not shown as this run's
    steps, values = _series(events, "epoch/d_loss")
    assert steps == [STEPS_PER_EPOCH] and values == pytest.approx(second.history.epochs["d_loss"], rel=1e-6)
