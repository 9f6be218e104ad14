"""Does the hidden check of assignment 04's ``critic_step`` pass correct WGAN critic updates and
fail realistic mistakes, naming each one without giving the answer away?

(Kept apart from ``test_checks_04_wgan_sngan.py``, which covers the other functions of 04.)
"""

from __future__ import annotations

import pytest
import torch

from gan_course.course.checks import CheckFailure, LocalRunner, check, checks_for

from .check_cases import numbers, same

ASSIGNMENT = "04_wgan_sngan"
NAME = "critic_step"


def critic_loss(real_scores, fake_scores):
    return fake_scores.mean() - real_scores.mean()


def clip_weights(critic, clip_value=0.01):
    with torch.no_grad():
        for p in critic.parameters():
            p.clamp_(-clip_value, clip_value)


# --- correct implementations ----------------------------------------------------------------


def critic_step(critic, generator, opt_c, real, z, penalty=None, clip_value=None):
    """One WGAN critic update; returns the Wasserstein estimate before the step."""
    opt_c.zero_grad()
    with torch.no_grad():
        fake = generator(z)
    real_scores, fake_scores = critic(real), critic(fake)
    loss = critic_loss(real_scores, fake_scores)
    estimate = -loss.item()
    if penalty is not None:
        loss = loss + penalty(critic, real, fake)
    loss.backward()
    opt_c.step()
    if clip_value is not None:
        clip_weights(critic, clip_value)
    return estimate


def _detached_module_zero_grad(critic, generator, opt_c, real, z, penalty=None, clip_value=None):
    critic.zero_grad(set_to_none=False)
    fake = generator(z).detach()
    w = critic(real).mean() - critic(fake).mean()
    loss = -w + (penalty(critic, real, fake) if penalty else 0.0)
    loss.backward()
    opt_c.step()
    if clip_value:
        for p in critic.parameters():
            p.data.clamp_(-clip_value, clip_value)
    return w.item()


def _one_concatenated_batch(critic, generator, opt_c, real, z, penalty=None, clip_value=None):
    with torch.no_grad():
        fake = generator(z)
    scores = critic(torch.cat([real, fake])).view(-1)
    real_scores, fake_scores = scores[: len(real)], scores[len(real):]
    estimate = float(real_scores.detach().mean() - fake_scores.detach().mean())
    loss = fake_scores.mean() - real_scores.mean()
    if penalty is not None:
        loss = loss + penalty(critic, real, fake)
    opt_c.zero_grad()
    loss.backward()
    opt_c.step()
    if clip_value is not None:
        with torch.no_grad():
            for p in critic.parameters():
                p.copy_(torch.clamp(p, -clip_value, clip_value))
    return estimate


def _frozen_then_unfrozen(critic, generator, opt_c, real, z, penalty=None, clip_value=None):
    generator.requires_grad_(False)
    try:
        fake = generator(z)
    finally:
        generator.requires_grad_(True)
    opt_c.zero_grad(set_to_none=True)
    real_mean, fake_mean = critic(real).mean(), critic(fake).mean()
    total = fake_mean - real_mean
    if penalty is not None:
        total = total + penalty(critic, real, fake)
    total.backward()
    opt_c.step()
    if clip_value is not None:
        clip_weights(critic, clip_value)
    return (real_mean - fake_mean).item()


CORRECT = [critic_step, _detached_module_zero_grad, _one_concatenated_batch, _frozen_then_unfrozen]


# --- wrong implementations --------------------------------------------------------------------


def _variant(*, detach=True, zero_grad=True, clip_first=False, estimate="before", use_penalty=True, use_clip=True,
             default_clip=False, swap_penalty=False, clip_generator=False, freeze=False, as_tensor=False):
    """A critic step with one configurable mistake."""

    def step(critic, generator, opt_c, real, z, penalty=None, clip_value=None):
        if zero_grad:
            opt_c.zero_grad()
        if clip_first and clip_value is not None:
            clip_weights(critic, clip_value)
        if freeze:
            generator.requires_grad_(False)
        fake = generator(z)
        if detach:
            fake = fake.detach()
        real_scores, fake_scores = critic(real), critic(fake)
        loss = critic_loss(real_scores, fake_scores)
        w = real_scores.mean() - fake_scores.mean()
        if use_penalty and penalty is not None:
            loss = loss + (penalty(critic, fake, real) if swap_penalty else penalty(critic, real, fake))
        loss.backward()
        opt_c.step()
        clip = 0.01 if default_clip and clip_value is None else clip_value
        if use_clip and not clip_first and clip is not None:
            clip_weights(critic, clip)
            if clip_generator:
                clip_weights(generator, clip)
        if estimate == "with penalty":
            return -loss.item()
        if estimate == "loss":
            return loss.item()
        if estimate == "after":
            with torch.no_grad():
                return (critic(real).mean() - critic(fake).mean()).item()
        return w.detach() if as_tensor else w.item()

    return step


WRONG = [  # (mistake, implementation, what the message must say)
    ("the generator receives gradients (fake not detached)", _variant(detach=False), "generator's gradients"),
    ("the generator's parameters change (clipped with the critic)", _variant(clip_generator=True),
     "generator's parameters"),
    ("the generator is frozen and never unfrozen", _variant(freeze=True), "requires_grad=False"),
    ("clipping before the step", _variant(clip_first=True), "before the optimizer step"),
    ("the penalty included in the returned estimate", _variant(estimate="with penalty"), "included the penalty"),
    ("stale gradients not cleared", _variant(zero_grad=False), "stale gradients"),
    ("the estimate measured after the step", _variant(estimate="after"), "after the step"),
    ("the loss returned instead of the estimate", _variant(estimate="loss"), "returned the critic's loss"),
    ("a tensor returned instead of a float", _variant(as_tensor=True), "Python float"),
    ("the penalty ignored", _variant(use_penalty=False), "ignored the penalty"),
    ("clip_value ignored", _variant(use_clip=False), "ignored clip_value"),
    ("clipping although clip_value is None", _variant(default_clip=True), "clip_value is None"),
    ("real and fake swapped in the penalty", _variant(swap_penalty=True), "swapped real and fake"),
]


@pytest.mark.parametrize("impl", CORRECT, ids=[f.__name__ for f in CORRECT])
@pytest.mark.parametrize("seed", (0, 1))
def test_correct_critic_steps_pass(impl, seed):
    check(ASSIGNMENT, NAME, {NAME: impl}, seed=seed)


@pytest.mark.parametrize("label, impl, expected", WRONG, ids=[label for label, _, _ in WRONG])
def test_each_mistake_fails_with_a_message_that_names_it(label, impl, expected):
    """Does the check fail the mistake, say what is wrong, and print no expected number?"""
    with pytest.raises(CheckFailure) as failure:
        check(ASSIGNMENT, NAME, {NAME: impl})
    message = str(failure.value)
    assert f"`{NAME}`" in message and expected in message, message
    expected_values = _expected_values()
    for number in numbers(message):
        assert not any(same(number, value) for value in expected_values), (number, message)


def test_the_library_reference_passes_the_check():
    from gan_course.train.critic_step import critic_step as reference

    check(ASSIGNMENT, NAME, {NAME: reference})


def test_placeholder_and_missing_function_fail():
    def placeholder(*args, **kwargs):
        raise NotImplementedError

    with pytest.raises(CheckFailure, match="NotImplementedError"):
        check(ASSIGNMENT, NAME, {NAME: placeholder})
    with pytest.raises(CheckFailure, match="not defined"):
        check(ASSIGNMENT, NAME, {})


def _expected_values() -> list[float]:
    """The correct step's returned estimates and parameters on the default probes."""
    results = LocalRunner({NAME: critic_step}).run(NAME, checks_for(ASSIGNMENT)[NAME].probes(20261123))
    values = [r["value"]["result"]["python"] for r in results]
    for r in results:
        values.extend(v for p in r["value"]["c_params"] for v in p.flatten().tolist())
    return [v for v in values if abs(v) > 1e-6]
