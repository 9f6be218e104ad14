"""Do the hidden checks of assignment 04 (WGAN, WGAN-GP, SNGAN) pass every correct
implementation and fail realistic mistakes, with messages that do not give the answer away?

``CORRECT[function]`` lists correct implementations (the first is the clean, idiomatic one
the solution notebook reuses); ``WRONG[function]`` lists ``(mistake, implementation)`` pairs.
"""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm as new_spectral_norm

from gan_course.course import harness
from gan_course.course.checks import CheckFailure, LocalRunner, check, checks_for

from .check_cases import (assert_harness_free_of_answers, assert_replies_load_with_weights_only,
                          assert_unanswered_functions_fail, numbers, same)
from .test_checks_04_critic_step import critic_step

ASSIGNMENT = "04_wgan_sngan"
SEEDS = (0, 1, 2)
SN_TYPES = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)
SEPARATE = {"critic_step"}  # its cases live in test_checks_04_critic_step.py


# --- critic_loss ---------------------------------------------------------------------------


def critic_loss(real_scores, fake_scores):
    """Wasserstein critic loss, minimised by the critic: mean(fake) - mean(real)."""
    return fake_scores.mean() - real_scores.mean()


def _critic_loss_functional(real_scores, fake_scores):
    return torch.mean(fake_scores.reshape(-1)) - torch.mean(real_scores.reshape(-1))


def _critic_loss_loop(real_scores, fake_scores):
    real, fake = real_scores.flatten(), fake_scores.flatten()
    total_fake = sum(fake[i] for i in range(len(fake))) / len(fake)
    total_real = sum(real[i] for i in range(len(real))) / len(real)
    return total_fake - total_real


def _critic_loss_negated(real_scores, fake_scores):
    return -(real_scores.mean() - fake_scores.mean())


# --- wasserstein_generator_loss ------------------------------------------------------------


def wasserstein_generator_loss(fake_scores):
    """The generator wants high critic scores: -mean(fake)."""
    return -fake_scores.mean()


def _wgen_neg(fake_scores):
    return torch.neg(torch.mean(fake_scores))


def _wgen_sum_over_count(fake_scores):
    return -fake_scores.sum() / fake_scores.numel()


def _wgen_loop(fake_scores):
    values = fake_scores.flatten()
    return -sum(values[i] for i in range(values.numel())) / values.numel()


# --- clip_weights --------------------------------------------------------------------------


def clip_weights(critic, clip_value=0.01):
    """Clamp every parameter of the critic into [-clip_value, clip_value], in place."""
    with torch.no_grad():
        for parameter in critic.parameters():
            parameter.clamp_(-clip_value, clip_value)


def _clip_data(critic, clip_value=0.01):
    for parameter in critic.parameters():
        parameter.data.clamp_(-clip_value, clip_value)


def _clip_assign_data(critic, clip_value=0.01):
    for parameter in critic.parameters():
        parameter.data = torch.clamp(parameter.data, min=-clip_value, max=clip_value)


def _clip_where(critic, clip_value=0.01):
    with torch.no_grad():
        for _, p in critic.named_parameters():
            p.copy_(torch.where(p > clip_value, clip_value, torch.where(p < -clip_value, -clip_value, p)))


def _clip_numpy(critic, clip_value=0.01):
    for p in critic.parameters():
        p.data.copy_(torch.from_numpy(np.clip(p.detach().numpy(), -clip_value, clip_value)))


# --- gradient_penalty ----------------------------------------------------------------------


def gradient_penalty(critic, real, fake, weight=10.0, eps=None):
    """WGAN-GP: weight * mean((||grad critic(x_hat)|| - 1)^2) on random interpolates."""
    batch = real.shape[0]
    if eps is None:
        eps = torch.rand(batch, device=real.device, dtype=real.dtype)  # one per sample
    eps = eps.view(batch, *([1] * (real.dim() - 1)))  # (B, 1, ..., 1)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    scores = critic(x_hat)  # (B,)
    (grads,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)  # (B, ...)
    norms = grads.flatten(start_dim=1).norm(2, dim=1)  # (B,)
    return weight * ((norms - 1) ** 2).mean()


def _gp_grad_outputs(critic, real, fake, weight=10.0, eps=None):
    b = real.size(0)
    alpha = torch.rand([b] + [1] * (real.dim() - 1), device=real.device) if eps is None else eps.reshape([b] + [1] * (real.dim() - 1))
    interpolates = (fake + alpha * (real - fake)).detach().requires_grad_(True)
    out = critic(interpolates)
    gradients = torch.autograd.grad(outputs=out, inputs=interpolates, grad_outputs=torch.ones_like(out),
                                    create_graph=True, retain_graph=True, only_inputs=True)[0]
    gradients = gradients.view(gradients.size(0), -1)
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean() * weight


def _gp_loop(critic, real, fake, weight=10.0, eps=None):
    if eps is None:
        eps = torch.rand(real.shape[0])
    penalties = []
    for i in range(real.shape[0]):
        x = (eps[i] * real[i:i + 1] + (1 - eps[i]) * fake[i:i + 1]).detach().requires_grad_(True)
        (g,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
        penalties.append((g.pow(2).sum().sqrt() - 1) ** 2)
    return weight * torch.stack(penalties).mean()


def _gp_sqrt_sum_uniform(critic, real, fake, weight=10.0, eps=None):
    if eps is None:
        eps = torch.distributions.Uniform(0.0, 1.0).sample((real.shape[0],))
    eps = eps.to(real.dtype)[(...,) + (None,) * (real.dim() - 1)]
    x_hat = torch.lerp(fake, real, eps).detach().requires_grad_()
    grads = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)[0]
    norms = torch.linalg.vector_norm(grads, dim=tuple(range(1, grads.dim())))
    return weight * torch.mean(torch.square(norms - 1))


# --- hinge losses --------------------------------------------------------------------------


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge loss of SNGAN's discriminator: mean(relu(1 - real)) + mean(relu(1 + fake))."""
    return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()


def _hinge_d_clamp(real_logits, fake_logits):
    return torch.clamp(1 - real_logits, min=0).mean() + torch.clamp(1 + fake_logits, min=0).mean()


def _hinge_d_maximum(real_logits, fake_logits):
    zero_r, zero_f = torch.zeros_like(real_logits), torch.zeros_like(fake_logits)
    return torch.maximum(zero_r, 1 - real_logits).mean() + torch.maximum(zero_f, 1 + fake_logits).mean()


def _hinge_d_loop(real_logits, fake_logits):
    real, fake = real_logits.flatten(), fake_logits.flatten()
    real_term = sum(torch.relu(1 - real[i]) for i in range(len(real))) / len(real)
    fake_term = sum(torch.relu(1 + fake[i]) for i in range(len(fake))) / len(fake)
    return real_term + fake_term


def hinge_generator_loss(fake_logits):
    """The hinge GAN's generator loss: -mean(fake)."""
    return -fake_logits.mean()


def _hinge_g_neg(fake_logits):
    return torch.mean(-fake_logits)


def _hinge_g_loop(fake_logits):
    flat = fake_logits.flatten()
    return -sum(flat[i] for i in range(len(flat))) / len(flat)


# --- add_spectral_norm ---------------------------------------------------------------------


def add_spectral_norm(module):
    """Spectral normalisation on every Linear, Conv2d and ConvTranspose2d inside ``module``."""
    for layer in list(module.modules()):
        if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            torch.nn.utils.parametrizations.spectral_norm(layer)
    return module


def _sn_old_api(module):
    for layer in list(module.modules()):
        if isinstance(layer, SN_TYPES):
            torch.nn.utils.spectral_norm(layer)
    return module


def _sn_recursive_setattr(module):
    for name, child in module.named_children():
        if isinstance(child, SN_TYPES):
            setattr(module, name, new_spectral_norm(child))
        else:
            _sn_recursive_setattr(child)
    return module


def _sn_explicit_dim(module):
    for layer in list(module.modules()):
        if isinstance(layer, SN_TYPES):
            new_spectral_norm(layer, n_power_iterations=1, dim=1 if isinstance(layer, nn.ConvTranspose2d) else 0)
    return module


def _sn_apply(module):
    module.apply(lambda m: new_spectral_norm(m) if isinstance(m, SN_TYPES) else None)
    return module


CORRECT = {
    "critic_loss": [critic_loss, _critic_loss_functional, _critic_loss_loop, _critic_loss_negated],
    "wasserstein_generator_loss": [wasserstein_generator_loss, _wgen_neg, _wgen_sum_over_count, _wgen_loop],
    "clip_weights": [clip_weights, _clip_data, _clip_assign_data, _clip_where, _clip_numpy],
    "gradient_penalty": [gradient_penalty, _gp_grad_outputs, _gp_loop, _gp_sqrt_sum_uniform],
    "hinge_discriminator_loss": [hinge_discriminator_loss, _hinge_d_clamp, _hinge_d_maximum, _hinge_d_loop],
    "hinge_generator_loss": [hinge_generator_loss, _hinge_g_neg, _hinge_g_loop],
    "add_spectral_norm": [add_spectral_norm, _sn_old_api, _sn_recursive_setattr, _sn_explicit_dim, _sn_apply],
}


# --- wrong implementations ------------------------------------------------------------------


def _gp_variant(*, eps_kind="per-sample", norm="per-sample", create_graph=True, detach_grad=False, reduce="mean",
                square=True, one_sided=False, use_weight=True, default_weight=10.0, swap=False, use_given_eps=True,
                scores_mean=False, backward_inside=False, squared_norm=False):
    """A gradient penalty with one configurable mistake."""

    def penalty(critic, real, fake, weight=default_weight, eps=None):
        b, extra = real.shape[0], [1] * (real.dim() - 1)
        if eps is None or not use_given_eps:
            eps = {"per-sample": lambda: torch.rand(b), "per-pixel": lambda: torch.rand_like(real),
                   "one": lambda: torch.rand(1), "normal": lambda: torch.randn(b)}[eps_kind]()
        if eps.dim() == 1 and eps.numel() == b:
            eps = eps.view(b, *extra)
        a, c = (fake, real) if swap else (real, fake)
        x_hat = (eps * a + (1 - eps) * c).detach().requires_grad_(True)
        scores = critic(x_hat)
        (grads,) = torch.autograd.grad(scores.mean() if scores_mean else scores.sum(), x_hat, create_graph=create_graph)
        if detach_grad:
            grads = grads.detach()
        if norm == "per-sample":
            norms = grads.flatten(1).norm(dim=1)
        elif norm == "batch":
            norms = grads.norm()
        else:  # last dim only
            norms = grads.norm(dim=-1)
        if squared_norm:
            norms = norms ** 2
        gap = F.relu(norms - 1) if one_sided else norms - 1
        terms = gap ** 2 if square else gap
        value = terms.sum() if reduce == "sum" else terms.mean()
        result = (weight if use_weight else 10.0) * value
        if backward_inside and result.requires_grad:
            result.backward(retain_graph=True)
        return result

    return penalty


def _sn_direct_children(module):
    for layer in module.children():
        if isinstance(layer, SN_TYPES):
            new_spectral_norm(layer)
    return module


def _sn_dim0(module):
    for layer in list(module.modules()):
        if isinstance(layer, SN_TYPES):
            new_spectral_norm(layer, dim=0)
    return module


def _sn_frobenius(module):
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, SN_TYPES):
                layer.weight.div_(layer.weight.norm())
    return module


class _FrobeniusNorm(nn.Module):
    def forward(self, weight):
        return weight / weight.norm()


def _sn_frobenius_parametrization(module):
    for layer in list(module.modules()):
        if isinstance(layer, SN_TYPES):
            parametrize.register_parametrization(layer, "weight", _FrobeniusNorm())
    return module


def _sn_once(module):
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, SN_TYPES):
                dim = 1 if isinstance(layer, nn.ConvTranspose2d) else 0
                matrix = layer.weight.movedim(dim, 0).flatten(1)
                layer.weight.div_(torch.linalg.matrix_norm(matrix, ord=2))
    return module


def _sn_any_weight(module):
    for layer in list(module.modules()):
        if getattr(layer, "weight", None) is not None and not isinstance(layer, nn.Sequential):
            new_spectral_norm(layer)
    return module


def _sn_no_convtranspose(module):
    for layer in list(module.modules()):
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            new_spectral_norm(layer)
    return module


def _sn_no_return(module):
    add_spectral_norm(module)


def _sn_deepcopy(module):
    return add_spectral_norm(copy.deepcopy(module))


def _clip_rescale(critic, clip_value=0.01):
    with torch.no_grad():
        for p in critic.parameters():
            largest = p.abs().max()
            if largest > clip_value:
                p.mul_(clip_value / largest)


def _clip_new_parameters(critic, clip_value=0.01):
    for module in critic.modules():
        for name, p in list(module.named_parameters(recurse=False)):
            setattr(module, name, nn.Parameter(p.detach().clamp(-clip_value, clip_value)))


def _clip_state_dict(critic, clip_value=0.01):
    with torch.no_grad():
        for value in critic.state_dict().values():
            if value.is_floating_point():
                value.clamp_(-clip_value, clip_value)


def _clip_only_weights(critic, clip_value=0.01):
    with torch.no_grad():
        for name, p in critic.named_parameters():
            if name.endswith("weight"):
                p.clamp_(-clip_value, clip_value)


def _clip_only_linear(critic, clip_value=0.01):
    with torch.no_grad():
        for m in critic.modules():
            if isinstance(m, nn.Linear):
                m.weight.clamp_(-clip_value, clip_value)
                m.bias.clamp_(-clip_value, clip_value)


def _clip_one_sided(critic, clip_value=0.01):
    for p in critic.parameters():
        p.data.clamp_(0, clip_value)


def _clip_and_return(critic, clip_value=0.01):
    clip_weights(critic, clip_value)
    return critic


def _rebinding(critic, clip_value=0.01):
    for p in critic.parameters():
        p = p.clamp(-clip_value, clip_value)  # noqa: F841 - the mistake under test


WRONG = {
    "critic_loss": [
        ("sign flipped", lambda r, f: r.mean() - f.mean()),
        ("sum instead of mean", lambda r, f: f.sum() - r.sum()),
        ("sigmoid on the scores", lambda r, f: torch.sigmoid(f).mean() - torch.sigmoid(r).mean()),
        ("mean of the difference (needs equal batch sizes)", lambda r, f: (f - r).mean()),
        ("BCE instead of the Wasserstein loss", lambda r, f: F.binary_cross_entropy_with_logits(r, torch.ones_like(r))
         + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f))),
        ("not differentiable (.item())", lambda r, f: torch.tensor(f.mean().item() - r.mean().item())),
        ("forces float32", lambda r, f: f.float().mean() - r.float().mean()),
    ],
    "wasserstein_generator_loss": [
        ("sign flipped", lambda f: f.mean()),
        ("sum instead of mean", lambda f: -f.sum()),
        ("sigmoid on the scores", lambda f: -torch.sigmoid(f).mean()),
        ("non-saturating BCE loss", lambda f: F.softplus(-f).mean()),
        ("returns a Python float", lambda f: -f.mean().item()),
        ("mean over dim 0 only", lambda f: -f.mean(dim=0)),
    ],
    "clip_weights": [
        ("clips gradients (clip_grad_value_)", lambda critic, clip_value=0.01: torch.nn.utils.clip_grad_value_(critic.parameters(), clip_value)),
        ("rebinds a local name", _rebinding),
        ("only the weights, not the biases", _clip_only_weights),
        ("only Linear layers", _clip_only_linear),
        ("rescales instead of clamping", _clip_rescale),
        ("one-sided clamp into [0, c]", _clip_one_sided),
        ("wrong default clip_value", lambda critic, clip_value=0.1: clip_weights(critic, clip_value)),
        ("ignores clip_value", lambda critic, clip_value=0.01: clip_weights(critic, 0.01)),
        ("clamps the state_dict (BatchNorm buffers too)", _clip_state_dict),
        ("new Parameter objects", _clip_new_parameters),
        ("returns the critic", _clip_and_return),
    ],
    "gradient_penalty": [
        ("a per-pixel epsilon", _gp_variant(eps_kind="per-pixel")),
        ("one epsilon for the whole batch", _gp_variant(eps_kind="one")),
        ("normal instead of uniform epsilon", _gp_variant(eps_kind="normal")),
        ("no create_graph", _gp_variant(create_graph=False)),
        ("detached gradient", _gp_variant(detach_grad=True)),
        ("a norm over the whole batch", _gp_variant(norm="batch")),
        ("a norm over the last dim only", _gp_variant(norm="last")),
        ("gradient of scores.mean()", _gp_variant(scores_mean=True)),
        ("squared norm", _gp_variant(squared_norm=True)),
        ("one-sided penalty", _gp_variant(one_sided=True)),
        ("sum over the batch", _gp_variant(reduce="sum")),
        ("no square", _gp_variant(square=False)),
        ("ignores the weight argument", _gp_variant(use_weight=False)),
        ("wrong default weight", _gp_variant(default_weight=1.0)),
        ("real and fake swapped", _gp_variant(swap=True)),
        ("ignores the eps given", _gp_variant(use_given_eps=False)),
        ("calls backward inside", _gp_variant(backward_inside=True)),
    ],
    "hinge_discriminator_loss": [
        ("no relu", lambda r, f: (1 - r).mean() + (1 + f).mean()),
        ("signs swapped", lambda r, f: F.relu(1 + r).mean() + F.relu(1 - f).mean()),
        ("margin missing", lambda r, f: F.relu(-r).mean() + F.relu(f).mean()),
        ("sum instead of mean", lambda r, f: F.relu(1 - r).sum() + F.relu(1 + f).sum()),
        ("sigmoid on the logits", lambda r, f: F.relu(1 - torch.sigmoid(r)).mean() + F.relu(1 + torch.sigmoid(f)).mean()),
        ("clamps from above (min instead of max)", lambda r, f: torch.clamp(1 - r, max=0).mean() + torch.clamp(1 + f, max=0).mean()),
        ("mean of the sum (needs equal batch sizes)", lambda r, f: (F.relu(1 - r) + F.relu(1 + f)).mean()),
    ],
    "hinge_generator_loss": [
        ("a hinge on the generator", lambda f: F.relu(1 - f).mean()),
        ("sign flipped", lambda f: f.mean()),
        ("sum instead of mean", lambda f: -f.sum()),
        ("the discriminator's fake term", lambda f: F.relu(1 + f).mean()),
        ("sigmoid on the logits", lambda f: -torch.sigmoid(f).mean()),
    ],
    "add_spectral_norm": [
        ("returns None", _sn_no_return),
        ("only direct children", _sn_direct_children),
        ("ConvTranspose2d with dim=0", _sn_dim0),
        ("Frobenius norm, once", _sn_frobenius),
        ("Frobenius norm as a parametrization", _sn_frobenius_parametrization),
        ("divides by the top singular value once", _sn_once),
        ("every module with a weight (BatchNorm, LayerNorm)", _sn_any_weight),
        ("skips ConvTranspose2d", _sn_no_convtranspose),
        ("returns a deep copy", _sn_deepcopy),
    ],
}


# --- the tests ------------------------------------------------------------------------------


def _ids(pairs):
    return [f"{function}-{getattr(impl, '__name__', 'impl')}-{i}" for i, (function, impl) in enumerate(pairs)]


CORRECT_CASES = [(function, impl) for function, impls in CORRECT.items() for impl in impls]
WRONG_CASES = [(function, label, impl) for function, pairs in WRONG.items() for label, impl in pairs]


def test_every_graded_function_has_correct_and_wrong_implementations():
    """Is every check of the assignment exercised by this file, both ways?"""
    graded = set(checks_for(ASSIGNMENT)) - SEPARATE
    assert set(CORRECT) == graded and set(WRONG) == graded
    assert all(len(CORRECT[f]) >= 3 and CORRECT[f][0].__name__ == f for f in graded)
    assert all(len(WRONG[f]) >= 3 for f in graded)


@pytest.mark.parametrize("function, impl", CORRECT_CASES, ids=_ids(CORRECT_CASES))
@pytest.mark.parametrize("seed", SEEDS)
def test_correct_implementation_passes(function, impl, seed):
    check(ASSIGNMENT, function, {function: impl}, seed=seed)


@pytest.mark.parametrize("function, label, impl", WRONG_CASES, ids=[f"{f}-{label}" for f, label, _ in WRONG_CASES])
def test_wrong_implementation_fails_without_giving_the_answer(function, label, impl):
    with pytest.raises(CheckFailure) as failure:
        check(ASSIGNMENT, function, {function: impl})
    message = str(failure.value)
    assert f"`{function}`" in message
    assert "tensor(" not in message
    inputs = {n for probe in checks_for(ASSIGNMENT)[function].probes(0) for n in numbers(probe.label)}
    for number in set(numbers(message)) - inputs:
        assert not any(same(number, value) for value in _expected_values(function)), (number, message)


@pytest.mark.parametrize("function, reference", [
    ("critic_loss", "gan_course.losses:d_wasserstein"),
    ("wasserstein_generator_loss", "gan_course.losses:g_wasserstein"),
    ("clip_weights", "gan_course.losses:clip_weights"),
    ("gradient_penalty", "gan_course.losses:gradient_penalty"),
    ("hinge_discriminator_loss", "gan_course.losses:d_hinge"),
    ("hinge_generator_loss", "gan_course.losses:g_hinge"),
    ("add_spectral_norm", "gan_course.models.init:add_spectral_norm"),
])
def test_the_library_reference_passes_the_check(function, reference):
    """Do the library and the grader agree on every graded function?"""
    import importlib

    module, _, name = reference.partition(":")
    check(ASSIGNMENT, function, {function: getattr(importlib.import_module(module), name)})


def test_missing_and_placeholder_functions_fail_with_a_clear_message():
    """Does an unanswered notebook (NotImplementedError, or no function at all) fail every check?"""
    assert_unanswered_functions_fail(ASSIGNMENT)


def test_harness_replies_load_with_weights_only():
    """Would every reply of the sandbox load with torch.load(weights_only=True), as the grader reads it?"""
    assert_replies_load_with_weights_only(ASSIGNMENT, {**CORRECT, "critic_step": [critic_step]})


def test_harness_imports_neither_gan_course_nor_the_checks():
    """The harness runs next to student code: does it stay free of answers and grader code?"""
    from gan_course.course.harness import a04

    assert_harness_free_of_answers(a04)


@pytest.mark.parametrize("label, impl, expected", [
    ("per-pixel eps", _gp_variant(eps_kind="per-pixel"), "ONE eps per sample"),
    ("one eps per batch", _gp_variant(eps_kind="one"), "same eps for the whole batch"),
    ("no create_graph", _gp_variant(create_graph=False), "create_graph=True"),
    ("whole-batch norm", _gp_variant(norm="batch"), "whole batch"),
    ("last-dim norm", _gp_variant(norm="last"), "last dimension"),
    ("swapped", _gp_variant(swap=True), "swaps real and fake"),
    ("backward inside", _gp_variant(backward_inside=True), "backward"),
])
def test_gradient_penalty_failures_name_the_specific_mistake(label, impl, expected):
    """Does the penalty's check diagnose each classic mistake specifically?"""
    with pytest.raises(CheckFailure, match=re.escape(expected)):
        check(ASSIGNMENT, "gradient_penalty", {"gradient_penalty": impl})


@pytest.mark.parametrize("function, impl, expected", [
    ("critic_loss", lambda r, f: f.sum() - r.sum(), "do not sum"),
    ("critic_loss", lambda r, f: r.mean() - f.mean(), "sign is flipped"),
    ("hinge_generator_loss", lambda f: F.relu(1 - f).mean(), "not a hinge"),
    ("clip_weights", _clip_rescale, "do not rescale"),
    ("clip_weights", lambda critic, clip_value=0.1: clip_weights(critic, clip_value), "default"),
    ("add_spectral_norm", _sn_direct_children, "module.modules()"),
    ("add_spectral_norm", _sn_dim0, "dim=1"),
    ("add_spectral_norm", _sn_any_weight, "BatchNorm2d"),
    ("add_spectral_norm", _sn_once, "once"),
])
def test_failures_name_the_specific_mistake(function, impl, expected):
    with pytest.raises(CheckFailure, match=re.escape(expected)):
        check(ASSIGNMENT, function, {function: impl})


def test_spectral_norm_probes_have_a_clear_spectral_gap():
    """Are the probe weights built so that a dozen power iterations converge (sigma_2 / sigma_1 small)?"""
    from gan_course.course.checks.a04_wgan_sngan import _sn_probes, weight_matrix
    from gan_course.course.harness.a04 import build_model

    for probe in _sn_probes(torch.Generator().manual_seed(5)):
        types = {p: type(m).__name__ for p, m in build_model(probe.label).named_modules()}
        for path in probe.payload["rescale_paths"]:
            values = torch.linalg.svdvals(weight_matrix(probe.payload["state"][f"{path}.weight"], types[path]))
            assert values[0] >= 2.0 and (values.numel() == 1 or values[1] / values[0] < 0.25)


def test_harness_modules_import_neither_gan_course_nor_the_checks():
    """The harness runs next to student code: does it stay free of answers and grader code?"""
    import inspect

    from gan_course.course.harness import a04

    source = inspect.getsource(a04)
    assert "gan_course" not in source and "autograder" not in source
    assert harness.resolve("a04.gradient_penalty") is a04.gradient_penalty


# --- helpers: the expected values a message must not reveal ----------------------------------

_EXPECTED_CACHE: dict[str, list[float]] = {}


def _expected_values(function: str) -> list[float]:
    """Every number in the clean implementation's results on the default probes."""
    if function not in _EXPECTED_CACHE:
        chk = checks_for(ASSIGNMENT)[function]
        results = LocalRunner({function: CORRECT[function][0]}).run(function, chk.probes(20261123))
        values: list[float] = []
        _collect(results, values)
        _EXPECTED_CACHE[function] = [v for v in values if _informative(v)]
    return _EXPECTED_CACHE[function]


def _collect(value, out: list[float]) -> None:
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        out.extend(value.flatten()[:5000].tolist())
    elif isinstance(value, float):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _collect(v, out)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _collect(v, out)


def _informative(value: float) -> bool:
    """Numbers that could only come from the answer (not 0, 1, 10 or a probe's label)."""
    return abs(value) > 1e-6 and all(abs(value - c) > 1e-9 for c in (0.5, 1.0, 2.0, 3.5, 10.0, 100.0, -1.0))
