"""Does a run killed with SIGKILL and resumed end bit-for-bit where an uninterrupted run ends?

A real training process is started, killed (SIGKILL, no clean-up possible) as soon as its
first checkpoint exists, and resumed in this process. Every parameter, the EMA copy, both
optimisers' moments and the logged losses must equal those of a run that was never stopped.
The kill lands while epoch 2 is running: a callback sleeps after each step from then on, so the
killed process is still mid-run (which the test checks) without changing any number.
"""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import time

import pytest
import torch

from gan_course.data import load_dataset
from gan_course.train import TrainConfig, load_checkpoint, train

KILL_TIMEOUT = 180  # seconds to wait for the first checkpoint (torch import included)

CHILD = """
import json, sys, time
from gan_course.data import load_dataset
from gan_course.train import TrainConfig, train

overrides = json.loads(sys.argv[1])

class SlowAfterTheFirstEpoch:
    def on_step_end(self, trainer, record):
        if trainer.epoch >= 1:
            time.sleep(0.5)

train(TrainConfig(**overrides), data=load_dataset("ring", n_points=overrides["n_points"]),
      callbacks=[SlowAfterTheFirstEpoch()])
"""

SCENARIOS = {
    # dropout (global RNG), EMA, linear decay, D on every other batch, label smoothing
    "gan-ema-linear": dict(strategy="gan", ema_decay=0.9, lr_schedule="linear", d_every=2, real_label=0.9),
    # n_critic 5 across epoch boundaries, gradient-penalty noise, two-stage decay
    "wgan-gp-two-stage": dict(strategy="wgan-gp", lr_schedule="two-stage"),
}


def _kill_after_first_checkpoint(overrides: dict, latest) -> int:
    """Run training in a child process, SIGKILL it once latest.pt exists; the epoch it held."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(overrides)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + KILL_TIMEOUT
    try:
        while not latest.exists():
            if child.poll() is not None:
                pytest.fail(f"the training process ended before its first checkpoint: {child.stderr.read().decode()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no checkpoint at {latest} after {KILL_TIMEOUT} s")
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.communicate()
    assert child.returncode == -signal.SIGKILL
    return load_checkpoint(latest)["epoch"]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_resume_after_sigkill_is_bit_identical(scenario, tmp_path):
    epochs = 4
    overrides = dict(out_dir=str(tmp_path), name="killed", n_points=512, batch_size=64, epochs=epochs, width=32,
                     latent_dim=16, progress=False, log_every=1, sample_every=100, threads=1, **SCENARIOS[scenario])
    config = TrainConfig(**overrides)
    latest = tmp_path / "killed" / "checkpoints" / "latest.pt"
    epoch_at_kill = _kill_after_first_checkpoint(overrides, latest)
    assert 1 <= epoch_at_kill < epochs, "the kill must interrupt the run"

    data = load_dataset("ring", n_points=512)
    resumed = train(config, data=data, resume=True)
    straight = train(dataclasses.replace(config, name="straight"), data=data)

    assert (resumed.steps, resumed.epochs) == (straight.steps, straight.epochs) == (epochs * 8, epochs)
    a = load_checkpoint(resumed.run_dir / "checkpoints" / "latest.pt")
    b = load_checkpoint(straight.run_dir / "checkpoints" / "latest.pt")
    for part in ("generator", "discriminator"):
        for name, tensor in b[part].items():
            assert torch.equal(a[part][name], tensor), f"{part}.{name} differs after resuming"
    if b["ema"] is not None:
        for name, tensor in b["ema"]["module"].items():
            assert torch.equal(a["ema"]["module"][name], tensor), f"ema.{name}"
    for optimizer in ("opt_g", "opt_d"):
        for index, state in b[optimizer]["state"].items():
            for key, value in state.items():
                assert torch.equal(a[optimizer]["state"][index][key], value), f"{optimizer}[{index}].{key}"
    assert a["sched_d"]["_last_lr"] == b["sched_d"]["_last_lr"]
    for column in ("d_loss", "g_loss", "lr_d"):
        assert resumed.history.epochs[column] == straight.history.epochs[column], column
    # the metric of the epochs before the kill was computed in the child process, through float32
    # matrix products whose last bits may differ between processes: only that column is approximate
    assert resumed.history.epochs["metric"] == pytest.approx(straight.history.epochs["metric"], rel=1e-6)
    assert resumed.history.steps["d_loss"] == straight.history.steps["d_loss"]
