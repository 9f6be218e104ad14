"""Implementations of assignment 04's ``critic_step`` (one WGAN critic update, Arjovsky et al.
2017, algorithm 1) for the tests of its hidden check: ``CORRECT`` (the first is the one the
solution notebook uses) and ``WRONG`` (mistake, code, words its failure message must contain);
part of :mod:`.a04_wgan_sngan`'s catalogue."""

from __future__ import annotations

import torch


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
