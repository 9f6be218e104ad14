"""The catalogue of assignment 04 (WGAN, WGAN-GP, SNGAN): correct implementations of every
graded function and realistic mistakes, each with the verdict its hidden check must give
(``critic_step``'s cases: :mod:`.a04_critic_step`, ``add_spectral_norm``'s: :mod:`.a04_spectral_norm`).
``tests/autograder/test_checks.py`` runs it."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import a04_critic_step as critic_step_cases
from . import a04_spectral_norm as spectral
from .catalogue import ERROR, catalogue

ASSIGNMENT = "04_wgan_sngan"


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


CORRECT = {
    "critic_loss": [critic_loss, _critic_loss_functional, _critic_loss_loop, _critic_loss_negated],
    "wasserstein_generator_loss": [wasserstein_generator_loss, _wgen_neg, _wgen_sum_over_count, _wgen_loop],
    "clip_weights": [clip_weights, _clip_data, _clip_assign_data, _clip_where, _clip_numpy],
    "gradient_penalty": [gradient_penalty, _gp_grad_outputs, _gp_loop, _gp_sqrt_sum_uniform],
    "critic_step": critic_step_cases.CORRECT,
    "hinge_discriminator_loss": [hinge_discriminator_loss, _hinge_d_clamp, _hinge_d_maximum, _hinge_d_loop],
    "hinge_generator_loss": [hinge_generator_loss, _hinge_g_neg, _hinge_g_loop],
    "add_spectral_norm": spectral.CORRECT,
}

WRONG = {  # (mistake, implementation[, words the message must contain[, status]])
    "critic_loss": [
        ("sign flipped", lambda r, f: r.mean() - f.mean(), "sign is flipped"),
        ("sum instead of mean", lambda r, f: f.sum() - r.sum(), "do not sum"),
        ("sigmoid on the scores", lambda r, f: torch.sigmoid(f).mean() - torch.sigmoid(r).mean()),
        ("mean of the difference (needs equal batch sizes)", lambda r, f: (f - r).mean(), "", ERROR),
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
        ("rescales instead of clamping", _clip_rescale, "do not rescale"),
        ("one-sided clamp into [0, c]", _clip_one_sided),
        ("wrong default clip_value", lambda critic, clip_value=0.1: clip_weights(critic, clip_value), "default"),
        ("ignores clip_value", lambda critic, clip_value=0.01: clip_weights(critic, 0.01)),
        ("clamps the state_dict (BatchNorm buffers too)", _clip_state_dict),
        ("new Parameter objects", _clip_new_parameters),
        ("returns the critic", _clip_and_return),
    ],
    "gradient_penalty": [
        ("a per-pixel epsilon", _gp_variant(eps_kind="per-pixel"), "ONE eps per sample"),
        ("one epsilon for the whole batch", _gp_variant(eps_kind="one"), "same eps for the whole batch"),
        ("normal instead of uniform epsilon", _gp_variant(eps_kind="normal")),
        ("no create_graph", _gp_variant(create_graph=False), "create_graph=True"),
        ("detached gradient", _gp_variant(detach_grad=True)),
        ("a norm over the whole batch", _gp_variant(norm="batch"), "whole batch"),
        ("a norm over the last dim only", _gp_variant(norm="last"), "last dimension"),
        ("gradient of scores.mean()", _gp_variant(scores_mean=True)),
        ("squared norm", _gp_variant(squared_norm=True)),
        ("one-sided penalty", _gp_variant(one_sided=True)),
        ("sum over the batch", _gp_variant(reduce="sum")),
        ("no square", _gp_variant(square=False)),
        ("ignores the weight argument", _gp_variant(use_weight=False)),
        ("wrong default weight", _gp_variant(default_weight=1.0)),
        ("real and fake swapped", _gp_variant(swap=True), "swaps real and fake"),
        ("ignores the eps given", _gp_variant(use_given_eps=False)),
        ("calls backward inside", _gp_variant(backward_inside=True), "backward"),
    ],
    "critic_step": critic_step_cases.WRONG,
    "hinge_discriminator_loss": [
        ("no relu", lambda r, f: (1 - r).mean() + (1 + f).mean()),
        ("signs swapped", lambda r, f: F.relu(1 + r).mean() + F.relu(1 - f).mean()),
        ("margin missing", lambda r, f: F.relu(-r).mean() + F.relu(f).mean()),
        ("sum instead of mean", lambda r, f: F.relu(1 - r).sum() + F.relu(1 + f).sum()),
        ("sigmoid on the logits", lambda r, f: F.relu(1 - torch.sigmoid(r)).mean() + F.relu(1 + torch.sigmoid(f)).mean()),
        ("clamps from above (min instead of max)", lambda r, f: torch.clamp(1 - r, max=0).mean() + torch.clamp(1 + f, max=0).mean()),
        ("mean of the sum (needs equal batch sizes)", lambda r, f: (F.relu(1 - r) + F.relu(1 + f)).mean(), "", ERROR),
    ],
    "hinge_generator_loss": [
        ("a hinge on the generator", lambda f: F.relu(1 - f).mean(), "not a hinge"),
        ("sign flipped", lambda f: f.mean()),
        ("sum instead of mean", lambda f: -f.sum()),
        ("the discriminator's fake term", lambda f: F.relu(1 + f).mean()),
        ("sigmoid on the logits", lambda f: -torch.sigmoid(f).mean()),
    ],
    "add_spectral_norm": spectral.WRONG,
}

CATALOGUE = catalogue(
    ASSIGNMENT, harness="a04", correct=CORRECT, wrong=WRONG,
    seeds=(0, 1, 2),
    references={
        "critic_loss": "gan_course.losses:d_wasserstein",
        "wasserstein_generator_loss": "gan_course.losses:g_wasserstein",
        "clip_weights": "gan_course.losses:clip_weights",
        "gradient_penalty": "gan_course.losses:gradient_penalty",
        "hinge_discriminator_loss": "gan_course.losses:d_hinge",
        "hinge_generator_loss": "gan_course.losses:g_hinge",
        "add_spectral_norm": "gan_course.models.init:add_spectral_norm",
        "critic_step": "gan_course.train.critic_step:critic_step",
    },
)
