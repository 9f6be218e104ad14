"""Are the history's numbers, now read back once per logging window instead of at every step,
the values of each step computed directly? And does a NaN found at a window's end still name
its step, its epoch and the fixes, before any checkpoint of a diverged model is written?"""

from __future__ import annotations

import math

import pytest
import torch

from gan_course.errors import TrainingDiverged
from gan_course.losses import LOSSES, gradient_penalty
from gan_course.train import Trainer, load_checkpoint
from gan_course.train.stats import EpochStats


class _Recording:
    """A loss pair that keeps every step's raw outputs and losses, read directly at the step."""

    def __init__(self, pair):
        self.pair, self.d, self.g = pair, [], []
        self.outputs_are_logits, self.critic_gap = pair.outputs_are_logits, pair.critic_gap

    def discriminator_loss(self, real, fake, real_label=1.0):
        loss = self.pair.discriminator_loss(real, fake, real_label)
        self.d.append((loss.detach().clone(), real.detach().clone(), fake.detach().clone()))
        return loss

    def g_loss(self, fake):
        loss = self.pair.g_loss(fake)
        self.g.append(loss.item())
        return loss


def _norm(module) -> float:
    return math.sqrt(sum(float(p.grad.double().pow(2).sum()) for p in module.parameters() if p.grad is not None))


@pytest.mark.parametrize("overrides", [dict(strategy="gan"), dict(strategy="wgan-gp", n_critic=1)],
                         ids=["bce-logits", "wasserstein-gp"])
def test_history_holds_the_values_computed_at_each_step(tiny_config, ring_data, overrides, no_plots):
    log_every, per_epoch, epochs = 3, 4, 3  # windows cross the epoch boundaries
    penalties = []

    def penalty(critic, real, fake, weight, eps=None):
        term = gradient_penalty(critic, real, fake, weight, eps=eps)
        penalties.append(term.detach().clone())
        return term

    config = tiny_config(log_every=log_every, epochs=epochs, **overrides)
    loss = _Recording(LOSSES["bce" if overrides["strategy"] == "gan" else "wasserstein"])
    trainer = Trainer(config, data=ring_data, loss=loss, penalty=penalty)
    norms = {"d": [], "g": []}
    trainer.opt_d.register_step_pre_hook(lambda *_: norms["d"].append(_norm(trainer.D)))
    trainer.opt_g.register_step_pre_hook(lambda *_: norms["g"].append(_norm(trainer.G)))
    history = trainer.fit().history

    steps = per_epoch * epochs
    assert len(loss.d) == len(loss.g) == steps
    gp = overrides["strategy"] == "wgan-gp"
    assert len(penalties) == (steps if gp else 0)
    expected = {"d_loss": [], "g_loss": loss.g, "d_real": [], "d_fake": [], "w_estimate": [], "penalty": []}
    for i, (d_loss, real, fake) in enumerate(loss.d):
        expected["d_loss"].append((d_loss + penalties[i]).item() if gp else d_loss.item())
        squash = torch.sigmoid if loss.outputs_are_logits else (lambda t: t)
        expected["d_real"].append(squash(real).mean().item())
        expected["d_fake"].append(squash(fake).mean().item())
        expected["w_estimate"].append((real.mean() - fake.mean()).item())
        expected["penalty"].append(penalties[i].item() if gp else None)
    keys = ["d_loss", "g_loss", "d_real", "d_fake"] + (["w_estimate", "penalty"] if gp else [])

    rows = list(range(log_every, steps + 1, log_every))
    assert history.steps["step"] == rows
    for key in keys:  # each row: the values of its own step (every step has both updates here)
        assert history.steps[key] == [expected[key][s - 1] for s in rows], key
    for key in ("d_grad_norm", "g_grad_norm"):  # measured at the first step of the row's window in its epoch
        starts = [max(row - log_every + 1, (row - 1) // per_epoch * per_epoch + 1) for row in rows]
        assert history.steps[key] == pytest.approx([norms[key[0]][s - 1] for s in starts], rel=1e-5), key
    for key in keys:
        means = [sum(expected[key][e * per_epoch:(e + 1) * per_epoch]) / per_epoch for e in range(epochs)]
        assert history.epochs[key] == pytest.approx(means, rel=1e-12, abs=1e-15), key
    assert ("w_estimate" in history.epochs) == gp and ("penalty" in history.epochs) == gp


class _NanAt:
    """BCE, except that the discriminator loss of call ``n`` (1-based) is NaN."""

    def __init__(self, n: int):
        self.pair, self.n, self.calls = LOSSES["bce"], n, 0
        self.g_loss, self.outputs_are_logits, self.critic_gap = self.pair.g_loss, True, False

    def discriminator_loss(self, real, fake, real_label=1.0):
        self.calls += 1
        loss = self.pair.discriminator_loss(real, fake, real_label)
        return loss * float("nan") if self.calls == self.n else loss


def test_a_nan_inside_a_window_names_its_step_the_window_and_the_fixes(tiny_config, ring_data, no_plots):
    trainer = Trainer(tiny_config(epochs=3, log_every=3), data=ring_data)  # 4 steps per epoch
    trainer.loss = _NanAt(6)  # step 6, epoch 2; found when the window of steps 5-6 ends at step 6
    with pytest.raises(TrainingDiverged) as caught:
        trainer.fit()
    message = str(caught.value)
    for fragment in ("at step 6 (epoch 2", "checking steps 5-6", "once per logging window", "discriminator loss is nan",
                     "--lr-d", "--regularizer gp", "was kept"):
        assert fragment in message, fragment
    assert load_checkpoint(trainer.checkpoint_path)["step"] == 4  # epoch 1's, written before the NaN


def test_a_nan_after_the_last_logged_step_is_found_before_the_epochs_checkpoint(tiny_config, ring_data, no_plots):
    trainer = Trainer(tiny_config(epochs=2, log_every=10), data=ring_data)  # no row at all in 4-step epochs
    trainer.loss = _NanAt(2)
    with pytest.raises(TrainingDiverged, match=r"at step 2 \(epoch 1; found when checking steps 1-4.*no checkpoint"):
        trainer.fit()
    assert not trainer.checkpoint_path.exists()


def test_flush_reads_the_window_once_and_keeps_the_latest_values_between_windows():
    stats = EpochStats()
    t = torch.tensor
    stats.add_d_step(1, loss=t(1.0), real=t(0.75), fake=t(0.25))
    stats.add_g_step(1, loss=t(2.0))
    stats.add_d_step(2, loss=t(3.0), real=t(0.5), fake=t(0.5))
    assert stats.d_loss is None and stats.pending_steps == (1, 2)  # nothing read yet
    assert stats.flush() is None and stats.pending_steps is None
    assert (stats.d_loss, stats.g_loss, stats.d_real) == (3.0, 2.0, 0.5)
    stats.add_g_step(3, loss=t(4.0))
    assert stats.flush() is None
    assert (stats.d_loss, stats.g_loss) == (3.0, 4.0)  # no D step in that window: the last one stays
    assert stats.means(["d_loss", "g_loss", "d_real"]) == {"d_loss": 2.0, "g_loss": 3.0, "d_real": 0.625}
    stats.add_g_step(4, loss=t(float("inf")))
    bad = stats.flush()
    assert (bad.step, bad.what, bad.value, bad.first, bad.last) == (4, "generator loss", math.inf, 4, 4)
