"""Does the one trainer run every step in the right proportion, write the whole run directory,
stop on divergence without harming the last checkpoint, and refuse what it cannot do?"""

from __future__ import annotations

import json
import logging
import math

import pytest
import torch
import yaml
from PIL import Image

from gan_course.errors import CheckpointError, ConfigError, TrainingDiverged
from gan_course.losses import LOSSES
from gan_course.train import History, Trainer, config_from_dict, load_checkpoint, resolve, train

from .conftest import OptimizerStepCounter, parameters_of

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_size(path) -> tuple[int, int]:
    assert path.read_bytes()[:8] == PNG_MAGIC, f"{path} is not a PNG"
    with Image.open(path) as image:
        return image.size


def test_ring_run_directory_holds_every_artefact(tiny_config, ring_data):
    config = tiny_config(log_every=2, ema_decay=0.9, sample_every=1)
    result = train(config, data=ring_data)
    run = result.run_dir
    for relative in ("config.yaml", "history.json", "history.csv", "samples/epoch_0001.png",
                     "samples/epoch_0002.png", "checkpoints/latest.pt", "checkpoints/best.pt",
                     "plots/losses.png", "plots/scores.png", "plots/scatter.png", "plots/critic.png"):
        assert (run / relative).is_file(), relative
    for png in run.rglob("*.png"):
        _png_size(png)
    stored = config_from_dict(yaml.safe_load((run / "config.yaml").read_text()))
    assert stored == resolve(config)
    history = json.loads((run / "history.json").read_text())
    assert history["metric_name"] == "energy_distance" and history["epochs"]["epoch"] == [1, 2]
    assert history["steps"]["step"] == [2, 4, 6, 8]  # 2 epochs x 4 batches, a row every 2 iterations
    assert (result.steps, result.epochs) == (8, 2)
    assert result.final_metric == history["epochs"]["metric"][-1]
    assert result.best_metric == min(history["epochs"]["metric"])
    times = history["epochs"]["time"]
    assert 0 < times[0] < times[1] and math.isclose(times[1], sum(history["epochs"]["epoch_time"]))
    assert all(0.0 <= p <= 1.0 for p in history["epochs"]["d_real"] + history["epochs"]["d_fake"])
    latest = load_checkpoint(run / "checkpoints" / "latest.pt")
    assert latest["epoch"] == 2 and latest["step"] == 8 and latest["finished"] and latest["ema"] is not None


def test_image_run_writes_a_grid_and_uses_sliced_wasserstein(tiny_config, fashion_data):
    config = tiny_config(model="dcgan", dataset="fashion-mnist", batch_size=8, epochs=1, grid_size=16, width=8)
    result = train(config, data=fashion_data)
    assert result.metric_name == "sliced_wasserstein" and result.final_metric > 0
    grid = result.run_dir / "samples" / "epoch_0001.png"
    assert _png_size(grid) == (4 * 30 + 2, 4 * 30 + 2)  # 4 x 4 tiles of 28 px with 2 px padding
    assert (result.run_dir / "plots" / "losses.png").is_file()
    assert not (result.run_dir / "plots" / "scatter.png").exists()


def test_conditional_model_gets_the_real_labels_in_both_steps(tiny_config, fashion_data, no_plots):
    config = tiny_config(model="cgan", dataset="fashion-mnist", batch_size=8, epochs=1, width=8)
    trainer = Trainer(config, data=fashion_data)
    seen = []
    trainer.G.register_forward_pre_hook(lambda module, args: seen.append(args[1]))
    trainer.fit()
    assert len(seen) >= 4  # 2 batches x (D step + G step), then the evaluation samples
    assert all(labels is not None and labels.dtype == torch.int64 for labels in seen)
    batches = [labels for labels in seen if len(labels) == 8]
    real_batches = [labels for _, labels in fashion_data.batches(8, generator=torch.Generator().manual_seed(0))]
    assert torch.equal(batches[0], real_batches[0]) and torch.equal(batches[1], real_batches[0])


def test_d_every_two_trains_the_discriminator_on_half_the_batches(tiny_config, ring_data, no_plots):
    trainer = Trainer(tiny_config(d_every=2, epochs=3), data=ring_data)  # 12 iterations
    counter = OptimizerStepCounter(trainer.opt_d, trainer.opt_g)
    trainer.fit()
    assert counter.counts == [6, 12]


def test_n_critic_five_takes_five_critic_steps_per_generator_step(tiny_config, ring_data, no_plots):
    trainer = Trainer(tiny_config(strategy="wgan-gp", epochs=5), data=ring_data)  # 20 iterations
    counter = OptimizerStepCounter(trainer.opt_d, trainer.opt_g)
    trainer.fit()
    assert counter.counts == [20, 4]


class _SpyLoss:
    """A LossPair stand-in that records the real_label it is given."""

    def __init__(self, pair):
        self.pair, self.real_labels = pair, []
        self.g_loss, self.outputs_are_logits = pair.g_loss, pair.outputs_are_logits

    def discriminator_loss(self, real, fake, real_label=1.0):
        self.real_labels.append(real_label)
        return self.pair.discriminator_loss(real, fake, real_label)


def test_label_smoothing_reaches_the_discriminator_loss(tiny_config, ring_data, no_plots):
    trainer = Trainer(tiny_config(real_label=0.9, epochs=1), data=ring_data)
    trainer.loss = spy = _SpyLoss(LOSSES["bce"])
    trainer.fit()
    assert spy.real_labels == [0.9] * 4


def test_smoothed_d_loss_matches_the_closed_form_on_a_perfect_discriminator():
    """With real logits +inf-like and fake -inf-like, BCE against 0.9 costs H(0.9) per real sample."""
    real, fake = torch.full((4,), 30.0), torch.full((4,), -30.0)
    loss = LOSSES["bce"].discriminator_loss(real, fake, 0.9)
    assert loss.item() == pytest.approx(0.1 * 30.0, rel=1e-4)


class _NanAfter:
    """Wraps a LossPair so the discriminator loss turns NaN from the n-th call on."""

    def __init__(self, pair, n: int):
        self.pair, self.n, self.calls = pair, n, 0
        self.g_loss, self.outputs_are_logits = pair.g_loss, pair.outputs_are_logits

    def discriminator_loss(self, real, fake, real_label=1.0):
        self.calls += 1
        loss = self.pair.discriminator_loss(real, fake, real_label)
        return loss * float("nan") if self.calls >= self.n else loss


class _Snapshot:
    def __init__(self):
        self.after_epoch = {}

    def on_epoch_end(self, trainer, record):
        self.after_epoch[trainer.epoch] = parameters_of(trainer.G)


def test_nan_loss_raises_and_keeps_the_last_good_checkpoint(tiny_config, ring_data, no_plots):
    snapshot = _Snapshot()
    trainer = Trainer(tiny_config(epochs=3), data=ring_data, callbacks=[snapshot])
    trainer.loss = _NanAfter(LOSSES["bce"], n=7)  # 4 batches per epoch: the 7th D step is step 7, epoch 2
    with pytest.raises(TrainingDiverged) as caught:
        trainer.fit()
    message = str(caught.value)
    for fragment in ("step 7", "epoch 2", "discriminator loss", "--lr-d", "--regularizer gp",
                     str(trainer.checkpoint_path), "was kept"):
        assert fragment in message
    latest = load_checkpoint(trainer.checkpoint_path)
    assert latest["epoch"] == 1 and latest["step"] == 4
    for name, tensor in latest["generator"].items():
        assert torch.equal(tensor, snapshot.after_epoch[1][name])
    assert sorted(p.name for p in trainer.checkpoint_path.parent.iterdir()) == ["best.pt", "latest.pt"]


def test_divergence_in_the_first_epoch_says_no_checkpoint_was_written(tiny_config, ring_data, no_plots):
    trainer = Trainer(tiny_config(), data=ring_data)
    trainer.loss = _NanAfter(LOSSES["bce"], n=1)
    with pytest.raises(TrainingDiverged, match="step 1 .*no checkpoint had been written"):
        trainer.fit()
    assert not trainer.checkpoint_path.exists()


def test_huge_learning_rate_diverges_with_a_clear_error(tiny_config, ring_data, no_plots):
    """A Wasserstein critic whose clipping bound constrains nothing, at lr 1e12, blows up for real."""
    config = tiny_config(loss="wasserstein", regularizer="clip", clip_value=1e30, lr_d=1e12, lr_g=1e12,
                         optimizer="rmsprop", epochs=20)
    with pytest.raises(TrainingDiverged, match="training diverged at step"):
        train(config, data=ring_data)


def test_same_seed_same_parameters_other_seed_different(tiny_config, ring_data, no_plots):
    first = Trainer(tiny_config(name="a", strategy="wgan-gp", ema_decay=0.5), data=ring_data)
    first.fit()
    second = Trainer(tiny_config(name="b", strategy="wgan-gp", ema_decay=0.5), data=ring_data)
    torch.manual_seed(12345)  # the global RNG state before fit must not matter
    second.fit()
    other = Trainer(tiny_config(name="c", strategy="wgan-gp", ema_decay=0.5, seed=1), data=ring_data)
    other.fit()
    for name, tensor in first.G.state_dict().items():
        assert torch.equal(tensor, second.G.state_dict()[name])
    assert not torch.equal(first.G.state_dict()["net.0.weight"], other.G.state_dict()["net.0.weight"])


def test_two_stage_schedule_appears_in_the_epoch_learning_rates(tiny_config, ring_data, no_plots):
    result = train(tiny_config(epochs=4, lr_schedule="two-stage", lr_d=1e-3, lr_g=2e-3), data=ring_data)
    assert result.history.epochs["lr_d"] == pytest.approx([1e-3, 1e-3, 1e-4, 1e-5])
    assert result.history.epochs["lr_g"] == pytest.approx([2e-3, 2e-3, 2e-4, 2e-5])


def test_callbacks_see_every_logged_step_and_epoch_and_can_stop(tiny_config, ring_data, no_plots):
    class Recorder:
        def __init__(self):
            self.steps, self.epochs = [], []

        def on_step_end(self, trainer, record):
            self.steps.append(record["step"])
            if record["step"] == 6:
                trainer.request_stop()

        def on_epoch_end(self, trainer, record):
            self.epochs.append(record["epoch"])

    recorder = Recorder()
    result = train(tiny_config(epochs=5), data=ring_data, callbacks=[recorder])
    assert recorder.steps == [1, 2, 3, 4, 5, 6] and recorder.epochs == [1, 2]
    assert result.steps == 6 and load_checkpoint(result.run_dir / "checkpoints" / "latest.pt")["partial"]


def test_max_steps_is_a_hard_budget(tiny_config, ring_data, no_plots):
    result = train(tiny_config(epochs=10, max_steps=6), data=ring_data)
    assert (result.steps, result.epochs) == (6, 2)
    assert History.from_json(result.run_dir / "history.json").epochs["epoch"] == [1, 2]


def test_starting_over_an_existing_run_is_refused_unless_overwrite(tiny_config, ring_data, no_plots):
    train(tiny_config(epochs=1), data=ring_data)
    with pytest.raises(ConfigError, match="--resume"):
        train(tiny_config(epochs=1), data=ring_data)
    assert train(tiny_config(epochs=1), data=ring_data, overwrite=True).epochs == 1


def test_resume_without_a_checkpoint_names_the_path(tiny_config, ring_data, no_plots):
    trainer = Trainer(tiny_config(), data=ring_data)
    with pytest.raises(CheckpointError, match=f"no checkpoint at {trainer.checkpoint_path}"):
        trainer.fit(resume=True)


@pytest.mark.parametrize(("change", "field"), [({"strategy": "lsgan"}, "loss"), ({"width": 32}, "width"),
                                               ({"seed": 3}, "seed")])
def test_resume_with_a_different_config_is_refused(tiny_config, ring_data, change, field, no_plots):
    train(tiny_config(epochs=1), data=ring_data)
    with pytest.raises(CheckpointError, match=f"differs from the stored one in .*{field}"):
        train(tiny_config(epochs=2, **change), data=ring_data, resume=True)


def test_resuming_a_finished_run_is_a_no_op_that_says_so(tiny_config, ring_data, caplog, no_plots):
    first = train(tiny_config(epochs=2), data=ring_data)
    latest = first.run_dir / "checkpoints" / "latest.pt"
    before = latest.read_bytes()
    with caplog.at_level(logging.WARNING, logger="gan_course.train.trainer"):
        again = train(tiny_config(epochs=2), data=ring_data, resume=True)
    assert "already finished" in caplog.text
    assert (again.steps, again.epochs) == (8, 2) and latest.read_bytes() == before
    assert again.history.epochs["metric"] == first.history.epochs["metric"]


def test_resume_with_more_epochs_continues_the_run(tiny_config, ring_data, no_plots):
    train(tiny_config(epochs=1), data=ring_data)
    result = train(tiny_config(epochs=3), data=ring_data, resume=True)
    assert (result.steps, result.epochs) == (12, 3) and result.history.epochs["epoch"] == [1, 2, 3]


def test_threads_apply_during_training_and_are_restored(tiny_config, ring_data, no_plots):
    seen = []

    class Threads:
        def on_step_end(self, trainer, record):
            seen.append(torch.get_num_threads())

    before = torch.get_num_threads()
    train(tiny_config(epochs=1, threads=1), data=ring_data, callbacks=[Threads()])
    assert seen == [1] * 4 and torch.get_num_threads() == before


def test_student_components_replace_the_configured_ones(tmp_path):
    """Are the notebook's own models, loss pair and clipping the ones the loop actually uses?"""
    from dataclasses import replace

    from gan_course.data import load_dataset
    from gan_course.losses import get_loss
    from gan_course.models import MLPDiscriminator, MLPGenerator
    from gan_course.train import TrainConfig, train

    calls = {"d": 0, "g": 0, "clip": 0}
    base = get_loss("wasserstein")

    def d_loss(real, fake):
        calls["d"] += 1
        return base.d_loss(real, fake)

    def g_loss(fake):
        calls["g"] += 1
        return base.g_loss(fake)

    def clip(critic, clip_value):
        calls["clip"] += 1
        for p in critic.parameters():
            p.data.clamp_(-clip_value, clip_value)

    G, D = MLPGenerator(8, (2,), hidden=(16,)), MLPDiscriminator((2,), hidden=(16,), dropout=0.0)
    config = TrainConfig(name="student", out_dir=str(tmp_path), model="mlp", dataset="ring", strategy="wgan-clip",
                         latent_dim=8, batch_size=50, epochs=1, n_critic=2, progress=False)
    result = train(config, data=load_dataset("ring", n_points=200), generator=G, discriminator=D,
                   loss=replace(base, d_loss=d_loss, g_loss=g_loss), clip=clip)
    assert result.steps == 4
    assert calls == {"d": 4, "g": 2, "clip": 4}  # D every iteration, G every n_critic-th, clip after each D step
    assert max(p.abs().max().item() for p in D.parameters()) <= 0.01 + 1e-7  # the student's clip ran on *this* D
