"""Do channels-last and torch.compile change only how the arithmetic runs, never what it is, and
does each fall back cleanly (one warning, the same numbers as without it) when it fails?"""

from __future__ import annotations

import dataclasses
import logging

import pytest
import torch
from torch import nn

from gan_course.data import synthetic_like
from gan_course.losses import LOSSES
from gan_course.models import build_models
from gan_course.train import Trainer, load_checkpoint, train

CL = torch.channels_last


@pytest.fixture
def cifar_data():
    """16 synthetic 3-channel 32x32 images: channels-last differs from the default layout only when C > 1."""
    return synthetic_like("cifar10", n=16)


def _image_config(tiny_config, **overrides):
    values = dict(model="dcgan", dataset="cifar10", batch_size=8, epochs=1, width=8, latent_dim=8, grid_size=4)
    values.update(overrides)
    return tiny_config(**values)


def _conv_weights(module: nn.Module) -> list[torch.Tensor]:
    return [p for p in module.parameters() if p.dim() == 4]


def _same_state(a: dict, b: dict, *, exact: bool = True) -> None:
    """Equal tensors; or (not ``exact``) equal up to rounding. Adam divides each gradient by its
    running RMS, so an element whose gradient is rounding noise may move by up to the learning
    rate (1e-4, 2e-4) in either run: a few elements differ by that much, the bulk by ~1e-8."""
    assert a.keys() == b.keys()
    for name, tensor in a.items():
        if exact:
            assert torch.equal(tensor, b[name]), name
        else:
            diff = (tensor.double() - b[name].double()).abs()
            assert diff.max() < 1e-3 and diff.mean() < 1e-6, (name, diff.max(), diff.mean())


def test_image_models_ema_and_batches_are_channels_last_and_points_are_untouched(tiny_config, cifar_data,
                                                                                 ring_data, no_plots):
    trainer = Trainer(_image_config(tiny_config, ema_decay=0.9), data=cifar_data)
    modules = (trainer.G, trainer.D, trainer.ema.module)
    assert all(w.is_contiguous(memory_format=CL) and not w.is_contiguous() for m in modules for w in _conv_weights(m))
    seen = []
    trainer.D.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    trainer.fit()
    assert seen and all(x.is_contiguous(memory_format=CL) and not x.is_contiguous() for x in seen)  # reals and fakes
    assert all(w.is_contiguous(memory_format=CL) for m in modules for w in _conv_weights(m))  # still, after steps
    off = Trainer(_image_config(tiny_config, name="off", channels_last=False), data=cifar_data)
    assert all(w.is_contiguous() for w in _conv_weights(off.G) + _conv_weights(off.D))
    ring = Trainer(tiny_config(name="ring"), data=ring_data)
    assert not ring.channels_last and all(p.is_contiguous() for p in ring.G.parameters())


@pytest.mark.parametrize("overrides", [
    dict(model="dcgan", strategy="gan", ema_decay=0.9),  # BatchNorm in both networks, EMA
    dict(model="wgan", strategy="wgan-gp"),  # GroupNorm critic, gradient penalty (double backward)
    dict(model="sngan", strategy="hinge"),  # spectral norm
    dict(model="cgan", strategy="hinge", regularizer="r1"),  # conditional, projection D, R1 penalty
], ids=lambda o: o["model"])
def test_channels_last_trains_the_same_numbers_as_the_default_layout(tiny_config, cifar_data, overrides, no_plots):
    runs = {}
    for layout in (True, False):
        config = _image_config(tiny_config, name=f"cl-{layout}", channels_last=layout, epochs=3, **overrides)
        trainer = Trainer(config, data=cifar_data)
        result = trainer.fit()
        runs[layout] = trainer, result
    (on, on_result), (off, off_result) = runs[True], runs[False]
    assert on.channels_last and not off.channels_last
    _same_state(on.G.state_dict(), off.G.state_dict(), exact=False)  # only the rounding of the convolutions differs
    _same_state(on.D.state_dict(), off.D.state_dict(), exact=False)
    for key in ("d_loss", "g_loss"):
        a, b = on_result.history.steps[key], off_result.history.steps[key]
        assert [v is None for v in a] == [v is None for v in b] and any(v is not None for v in a), key
        assert [v for v in a if v is not None] == pytest.approx([v for v in b if v is not None], rel=1e-4, abs=1e-5)


@pytest.mark.parametrize("overrides", [dict(model="dcgan", strategy="gan", ema_decay=0.9),
                                       dict(model="sngan", strategy="wgan-gp")], ids=["dcgan-ema", "sngan-gp"])
def test_a_resumed_channels_last_image_run_ends_bit_identical(tiny_config, cifar_data, overrides, no_plots):
    config = _image_config(tiny_config, name="resumed", epochs=1, **overrides)
    train(config, data=cifar_data)
    resumed = train(dataclasses.replace(config, epochs=3), data=cifar_data, resume=True)
    straight = train(dataclasses.replace(config, name="straight", epochs=3), data=cifar_data)
    a = load_checkpoint(resumed.run_dir / "checkpoints" / "latest.pt")
    b = load_checkpoint(straight.run_dir / "checkpoints" / "latest.pt")
    for part in ("generator", "discriminator"):
        _same_state(a[part], b[part])
    if b["ema"] is not None:
        _same_state(a["ema"]["module"], b["ema"]["module"])
    for optimizer in ("opt_g", "opt_d"):
        for index, state in b[optimizer]["state"].items():
            _same_state(a[optimizer]["state"][index], state)
    assert resumed.history.steps["d_loss"] == straight.history.steps["d_loss"]


def test_the_trial_of_a_resumed_run_with_the_callers_models_rolls_back_the_optimiser_moments(
        tiny_config, cifar_data, no_plots):
    """Custom models get a trial iteration (channels-last check); on resume Adam's moments exist
    already and must be restored exactly: the resumed run ends bit-identical to a straight one."""
    def components():
        torch.manual_seed(5)
        generator, discriminator = build_models("sngan", data_shape=(3, 32, 32), latent_dim=8, width=8)
        return dict(generator=generator, discriminator=discriminator)

    config = _image_config(tiny_config, name="resumed", epochs=1, ema_decay=0.9)
    train(config, data=cifar_data, **components())
    resumed = train(dataclasses.replace(config, epochs=3), data=cifar_data, resume=True, **components())
    straight = train(dataclasses.replace(config, name="straight", epochs=3), data=cifar_data, **components())
    a = load_checkpoint(resumed.run_dir / "checkpoints" / "latest.pt")
    b = load_checkpoint(straight.run_dir / "checkpoints" / "latest.pt")
    for part in ("generator", "discriminator"):
        _same_state(a[part], b[part])
    _same_state(a["ema"]["module"], b["ema"]["module"])
    for index, state in b["opt_d"]["state"].items():
        _same_state(a["opt_d"]["state"][index], state)
    assert resumed.history.steps["d_loss"] == straight.history.steps["d_loss"]


class _FailsWhenCalled(nn.Module):
    """What a failed compilation looks like: the wrapper raises at its first call."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, *args, **kwargs):
        raise RuntimeError("InductorError: CppCompileError: C++ compile error\nno compiler found")


def test_a_failing_compile_falls_back_to_eager_with_one_warning_and_the_eager_numbers(
        tiny_config, cifar_data, monkeypatch, caplog, no_plots):
    eager = train(_image_config(tiny_config, name="eager", epochs=2, ema_decay=0.9), data=cifar_data)
    compiled_calls = []
    monkeypatch.setattr(torch, "compile", lambda module: compiled_calls.append(module) or _FailsWhenCalled(module))
    config = _image_config(tiny_config, name="compiled", epochs=2, ema_decay=0.9, compile=True)
    with caplog.at_level(logging.WARNING, logger="gan_course.train.speed"):
        trainer = Trainer(config, data=cifar_data)
        fallback = trainer.fit()
    assert [m for m in compiled_calls] == [trainer.G, trainer.D]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    for fragment in ("torch.compile failed", "CppCompileError", "continues eagerly", "C compiler", "compile: false"):
        assert fragment in warnings[0]
    assert not trainer.compiled and trainer._gen is trainer.G and trainer._disc is trainer.D
    a = load_checkpoint(fallback.run_dir / "checkpoints" / "latest.pt")
    b = load_checkpoint(eager.run_dir / "checkpoints" / "latest.pt")
    for part in ("generator", "discriminator"):
        _same_state(a[part], b[part])  # the trial iteration was rolled back completely
    _same_state(a["ema"]["module"], b["ema"]["module"])
    assert fallback.history.steps["d_loss"] == eager.history.steps["d_loss"]
    assert fallback.history.epochs["metric"] == eager.history.epochs["metric"]


def test_a_working_compile_runs_the_steps_through_the_compiled_modules(tiny_config, cifar_data, monkeypatch,
                                                                        no_plots):
    calls = []

    class Counting(nn.Module):  # stands in for torch.compile's wrapper: same parameters, counts the calls
        def __init__(self, module):
            super().__init__()
            self.module = module

        def forward(self, *args):
            calls.append(type(self.module).__name__)
            return self.module(*args)

    monkeypatch.setattr(torch, "compile", Counting)
    trainer = Trainer(_image_config(tiny_config, compile=True), data=cifar_data)
    trainer.fit()
    assert trainer.compiled and isinstance(trainer._gen, Counting) and trainer._gen.module is trainer.G
    # trial (1 D step + 1 G step) then 2 iterations: G twice and D three times each
    assert calls.count(type(trainer.G).__name__) == 2 * 3 and calls.count(type(trainer.D).__name__) == 3 * 3


class _ViewDiscriminator(nn.Module):
    """A student's critic that flattens with .view: fails on a channels-last activation."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 4, stride=2, padding=1)  # (B, 4, 16, 16)
        self.head = nn.Linear(4 * 16 * 16, 1)

    def forward(self, x, labels=None):
        h = torch.nn.functional.leaky_relu(self.conv(x), 0.2)
        return self.head(h.view(h.shape[0], -1)).view(-1)  # (B,)


def test_a_students_model_that_breaks_channels_last_trains_in_the_default_layout(tiny_config, cifar_data, caplog,
                                                                                 no_plots):
    def run(name, **overrides):
        torch.manual_seed(3)
        discriminator = _ViewDiscriminator()
        generator, _ = build_models("dcgan", data_shape=(3, 32, 32), latent_dim=8, width=8)
        config = _image_config(tiny_config, name=name, epochs=2, **overrides)
        trainer = Trainer(config, data=cifar_data, generator=generator, discriminator=discriminator,
                          loss=LOSSES["hinge"])
        return trainer, trainer.fit()

    with caplog.at_level(logging.WARNING, logger="gan_course.train.speed"):
        fell_back, result = run("fallback")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "channels-last" in warnings[0] and ".reshape" in warnings[0]
    assert "view size is not compatible" in warnings[0]
    assert not fell_back.channels_last and all(w.is_contiguous() for w in _conv_weights(fell_back.G))
    plain, plain_result = run("plain", channels_last=False)
    _same_state(fell_back.G.state_dict(), plain.G.state_dict())
    _same_state(fell_back.D.state_dict(), plain.D.state_dict())
    assert result.history.steps["d_loss"] == plain_result.history.steps["d_loss"]


def test_a_fault_that_is_not_the_layouts_is_raised_by_training_not_hidden(tiny_config, cifar_data, caplog, no_plots):
    class Broken(_ViewDiscriminator):
        def forward(self, x, labels=None):
            raise ValueError("a bug in the student's discriminator")

    generator, _ = build_models("dcgan", data_shape=(3, 32, 32), latent_dim=8, width=8)
    trainer = Trainer(_image_config(tiny_config), data=cifar_data, generator=generator, discriminator=Broken())
    with caplog.at_level(logging.WARNING, logger="gan_course.train.speed"), \
            pytest.raises(ValueError, match="a bug in the student's discriminator"):
        trainer.fit()
    assert trainer.channels_last and not [r for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.slow
def test_a_real_compile_trains_what_eager_trains_up_to_rounding(tiny_config, cifar_data, no_plots):
    """torch.compile for real (inductor, gcc): about 30 s of CPU on 2 cores, so kept out of the default run."""
    runs = {}
    for compiled in (False, True):
        trainer = Trainer(_image_config(tiny_config, name=f"compile-{compiled}", compile=compiled, epochs=2),
                          data=cifar_data)
        runs[compiled] = trainer, trainer.fit()
    (eager, eager_result), (fast, fast_result) = runs[False], runs[True]
    assert fast.compiled and not eager.compiled
    _same_state(fast.G.state_dict(), eager.G.state_dict(), exact=False)
    _same_state(fast.D.state_dict(), eager.D.state_dict(), exact=False)
    assert fast_result.history.steps["d_loss"] == pytest.approx(eager_result.history.steps["d_loss"], rel=1e-4)
    assert load_checkpoint(fast_result.run_dir / "checkpoints" / "latest.pt")["generator"].keys() == \
        eager.G.state_dict().keys()  # the plain module's names, no "_orig_mod." prefix
