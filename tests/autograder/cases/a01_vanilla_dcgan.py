"""The catalogue of assignment 01 (vanilla GAN and DCGAN): correct implementations of every
graded function and realistic mistakes, each with the verdict its hidden check must give.
``tests/autograder/test_checks.py`` runs it."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gan_course.course.checks import DEFAULT_SEED

from .catalogue import ERROR, catalogue

ASSIGNMENT = "01_vanilla_dcgan"


# --- discriminator_loss --------------------------------------------------------------------


def discriminator_loss(real_logits, fake_logits, real_label=1.0):
    """Mean BCE of the real logits against real_label plus mean BCE of the fake logits against 0."""
    real_loss = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label))
    fake_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real_loss + fake_loss


def _d_softplus(real_logits, fake_logits, real_label=1.0):
    # BCE(x, t) = t softplus(-x) + (1 - t) softplus(x)
    real = real_label * F.softplus(-real_logits) + (1 - real_label) * F.softplus(real_logits)
    return real.mean() + F.softplus(fake_logits).mean()


def _d_logsigmoid(real_logits, fake_logits, real_label=1.0):
    real = -(real_label * F.logsigmoid(real_logits) + (1 - real_label) * F.logsigmoid(-real_logits))
    return real.mean() - F.logsigmoid(-fake_logits).mean()


def _d_module(real_logits, fake_logits, real_label=1.0):
    criterion = nn.BCEWithLogitsLoss()
    real, fake = real_logits.reshape(-1), fake_logits.reshape(-1)
    return criterion(real, real.new_full(real.shape, real_label)) + criterion(fake, torch.zeros_like(fake))


def _d_loop(real_logits, fake_logits, real_label=1.0):
    real_total = sum(real_label * F.softplus(-x) + (1 - real_label) * F.softplus(x) for x in real_logits.flatten())
    fake_total = sum(F.softplus(x) for x in fake_logits.flatten())
    return real_total / real_logits.numel() + fake_total / fake_logits.numel()


def _d_sum(real_logits, fake_logits, real_label=1.0):
    return (F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label), reduction="sum")
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits), reduction="sum"))


def _d_swapped(real_logits, fake_logits, real_label=1.0):
    return discriminator_loss(fake_logits, real_logits, real_label)


def _d_double_sigmoid(real_logits, fake_logits, real_label=1.0):
    return discriminator_loss(torch.sigmoid(real_logits), torch.sigmoid(fake_logits), real_label)


def _d_smooth_fake(real_logits, fake_logits, real_label=1.0):
    real = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.full_like(fake_logits, 1 - real_label))
    return real + fake


def _d_unstable(real_logits, fake_logits, real_label=1.0):
    p_real, p_fake = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
    real = -(real_label * torch.log(p_real) + (1 - real_label) * torch.log(1 - p_real))
    return real.mean() - torch.log(1 - p_fake).mean()


def _d_bce_on_probabilities(real_logits, fake_logits, real_label=1.0):
    p_real, p_fake = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
    return F.binary_cross_entropy(p_real, torch.full_like(p_real, real_label)) + F.binary_cross_entropy(p_fake, torch.zeros_like(p_fake))


def _d_ignores_label(real_logits, fake_logits, real_label=1.0):
    return discriminator_loss(real_logits, fake_logits)


def _d_default_smoothed(real_logits, fake_logits, real_label=0.9):
    return discriminator_loss(real_logits, fake_logits, real_label)


def _d_average(real_logits, fake_logits, real_label=1.0):
    return 0.5 * discriminator_loss(real_logits, fake_logits, real_label)


def _d_concatenated(real_logits, fake_logits, real_label=1.0):
    logits = torch.cat([real_logits, fake_logits])
    targets = torch.cat([torch.full_like(real_logits, real_label), torch.zeros_like(fake_logits)])
    return F.binary_cross_entropy_with_logits(logits, targets)


def _d_wrong_target_shape(real_logits, fake_logits, real_label=1.0):
    real = F.binary_cross_entropy_with_logits(real_logits, torch.full((len(real_logits),), real_label))
    return real + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros(len(fake_logits)))


def _d_detached_fake(real_logits, fake_logits, real_label=1.0):
    return discriminator_loss(real_logits, fake_logits.detach(), real_label)


def _d_item(real_logits, fake_logits, real_label=1.0):
    return discriminator_loss(real_logits, fake_logits, real_label).item()


def _d_no_reduction(real_logits, fake_logits, real_label=1.0):
    return (F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label), reduction="none")
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits), reduction="none"))


# --- generator_loss ------------------------------------------------------------------------


def generator_loss(fake_logits):
    """Non-saturating generator loss: mean BCE of the fake logits against 1."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def _g_softplus(fake_logits):
    return F.softplus(-fake_logits).mean()


def _g_logsigmoid(fake_logits):
    return -F.logsigmoid(fake_logits).mean()


def _g_loop(fake_logits):
    return sum(F.softplus(-x) for x in fake_logits.flatten()) / fake_logits.numel()


# --- minimax_generator_loss ----------------------------------------------------------------


def minimax_generator_loss(fake_logits):
    """Saturating minimax loss: mean log(1 - sigmoid(fake)) = -mean softplus(fake), stable."""
    return -F.softplus(fake_logits).mean()


def _mm_logsigmoid(fake_logits):
    return F.logsigmoid(-fake_logits).mean()


def _mm_negated_bce(fake_logits):
    return -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def _mm_loop(fake_logits):
    return -sum(F.softplus(x) for x in fake_logits.flatten()) / fake_logits.numel()


# --- discriminator_scores ------------------------------------------------------------------


def discriminator_scores(real_logits, fake_logits):
    """Mean D(x) and mean D(G(z)) as probabilities, as Python floats."""
    return torch.sigmoid(real_logits).mean().item(), torch.sigmoid(fake_logits).mean().item()


def _scores_float(real_logits, fake_logits):
    with torch.no_grad():
        return float(torch.sigmoid(real_logits).mean()), float(torch.sigmoid(fake_logits).mean())


def _scores_numpy(real_logits, fake_logits):
    def mean_probability(logits):
        x = logits.detach().cpu().double().numpy()
        return float(np.mean(1 / (1 + np.exp(-x))))

    return mean_probability(real_logits), mean_probability(fake_logits)


def _scores_loop(real_logits, fake_logits):
    def mean_probability(logits):
        values = [1 / (1 + math.exp(-v)) for v in logits.flatten().tolist()]
        return sum(values) / len(values)

    return mean_probability(real_logits), mean_probability(fake_logits)


# --- dcgan_weights_init --------------------------------------------------------------------


def dcgan_weights_init(module):
    """DCGAN initialisation for model.apply: conv weights ~ N(0, 0.02); BatchNorm ~ N(1, 0.02), bias 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def _init_classname(m):  # the pytorch/examples dcgan version
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        m.weight.data.normal_(0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        m.weight.data.normal_(1.0, 0.02)
        m.bias.data.fill_(0)


@torch.no_grad()
def _init_copy(module):
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        module.weight.copy_(torch.randn_like(module.weight) * 0.02)
    if isinstance(module, nn.BatchNorm2d):
        module.weight.copy_(1 + 0.02 * torch.randn_like(module.weight))
        module.bias.zero_()


def _init_trunc_normal(module):
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.trunc_normal_(module.weight, 0.0, 0.02, a=-2.0, b=2.0)  # bounds at 100 std: a plain normal
    elif isinstance(module, nn.modules.batchnorm._BatchNorm):
        nn.init.trunc_normal_(module.weight, 1.0, 0.02, a=0.0, b=2.0)
        nn.init.constant_(module.bias, 0.0)


def _init_variant(conv=(0.0, 0.02), bn=(1.0, 0.02), *, zero_bias=True, types=(nn.Conv2d, nn.ConvTranspose2d), linear=False,
                  conv_bias=False, conv_init=None):
    def init(module):
        if isinstance(module, types):
            if conv_init is not None:
                conv_init(module.weight)
            else:
                nn.init.normal_(module.weight, *conv)
            if conv_bias:
                module.bias.data.fill_(0)
        elif isinstance(module, nn.BatchNorm2d):
            if bn is None:
                nn.init.ones_(module.weight)
            else:
                nn.init.normal_(module.weight, *bn)
            if zero_bias:
                nn.init.zeros_(module.bias)
        elif linear and isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, 0.0, 0.02)
    return init


CORRECT = {
    "discriminator_loss": [discriminator_loss, _d_softplus, _d_logsigmoid, _d_module, _d_loop],
    "generator_loss": [generator_loss, _g_softplus, _g_logsigmoid, _g_loop],
    "minimax_generator_loss": [minimax_generator_loss, _mm_logsigmoid, _mm_negated_bce, _mm_loop],
    "discriminator_scores": [discriminator_scores, _scores_float, _scores_numpy, _scores_loop],
    "dcgan_weights_init": [dcgan_weights_init, _init_classname, _init_copy, _init_trunc_normal],
}

WRONG = {  # (mistake, implementation[, words the message must contain[, status]])
    "discriminator_loss": [
        ("sum instead of mean", _d_sum, "do not sum"),
        ("swapped targets", _d_swapped, "targets are swapped"),
        ("a double sigmoid", _d_double_sigmoid, "sigmoid twice"),
        ("smoothing applied to the fake targets", _d_smooth_fake, "fake targets stay 0"),
        ("unstable log(sigmoid(x))", _d_unstable, "magnitude 100"),
        ("BCE on probabilities kills the gradient at 100", _d_bce_on_probabilities, "magnitude 100"),
        ("real_label ignored", _d_ignores_label, "real_label argument is ignored"),
        ("default real_label changed", _d_default_smoothed, "keep the default"),
        ("the two terms averaged", _d_average, "do not average"),
        ("one mean over the concatenated batches", _d_concatenated),
        ("targets of shape (B,) for (B, 1) logits", _d_wrong_target_shape, "", ERROR),
        ("fake logits detached", _d_detached_fake, "differentiable"),
        ("returns a float", _d_item),
        ("no reduction", _d_no_reduction, "", ERROR),
    ],
    "generator_loss": [
        ("the minimax loss instead", minimax_generator_loss, "saturating minimax"),
        ("target 0 instead of 1", lambda f: F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)), "the target is 1"),
        ("sign error", lambda f: F.logsigmoid(f).mean()),
        ("a double sigmoid", lambda f: generator_loss(torch.sigmoid(f))),
        ("sum instead of mean", lambda f: F.softplus(-f).sum()),
        ("unstable log(sigmoid(x))", lambda f: -torch.log(torch.sigmoid(f)).mean()),
        ("label smoothing in the generator", lambda f: F.binary_cross_entropy_with_logits(f, torch.full_like(f, 0.9))),
        ("BCE on probabilities kills the gradient at 100", lambda f: F.binary_cross_entropy(torch.sigmoid(f), torch.ones_like(f))),
        ("targets of shape (B,) for (B, 1) logits", lambda f: F.binary_cross_entropy_with_logits(f, torch.ones(len(f))), "",
         ERROR),
        ("epsilon inside the log", lambda f: -torch.log(torch.sigmoid(f) + 1e-8).mean()),
    ],
    "minimax_generator_loss": [
        ("unstable log(1 - sigmoid(x))", lambda f: torch.log(1 - torch.sigmoid(f)).mean()),
        ("the non-saturating loss instead", generator_loss, "non-saturating"),
        ("sign error", lambda f: F.softplus(f).mean(), "sign is flipped"),
        ("log D(G(z)) instead of log(1 - D(G(z)))", lambda f: F.logsigmoid(f).mean()),
        ("sum instead of mean", lambda f: -F.softplus(f).sum()),
        ("a double sigmoid", lambda f: minimax_generator_loss(torch.sigmoid(f))),
        ("log1p(-sigmoid(x)) still rounds to log(0)", lambda f: torch.log1p(-torch.sigmoid(f)).mean()),
        ("clamped probability", lambda f: torch.log(torch.clamp(1 - torch.sigmoid(f), min=1e-8)).mean()),
    ],
    "discriminator_scores": [
        ("returns tensors", lambda r, f: (torch.sigmoid(r).mean(), torch.sigmoid(f).mean()), ".item()"),
        ("no sigmoid", lambda r, f: (r.mean().item(), f.mean().item())),
        ("sigmoid of the mean", lambda r, f: (torch.sigmoid(r.mean()).item(), torch.sigmoid(f.mean()).item()), "sigmoid first"),
        ("swapped", lambda r, f: discriminator_scores(f, r), "swapped"),
        ("a list, not a tuple", lambda r, f: list(discriminator_scores(r, f))),
        ("accuracy instead of probability", lambda r, f: ((r > 0).float().mean().item(), (f > 0).float().mean().item())),
        ("1 - D(G(z))", lambda r, f: (torch.sigmoid(r).mean().item(), 1 - torch.sigmoid(f).mean().item())),
        ("sum instead of mean", lambda r, f: (torch.sigmoid(r).sum().item(), torch.sigmoid(f).sum().item())),
        ("numpy on logits that carry a graph", lambda r, f: (float(np.mean(1 / (1 + np.exp(-r.numpy().astype(np.float64))))),
                                                            float(np.mean(1 / (1 + np.exp(-f.numpy().astype(np.float64)))))),
         "", ERROR),
    ],
    "dcgan_weights_init": [
        ("std 0.2", _init_variant(conv=(0.0, 0.2))),
        ("BatchNorm scale centred at 0", _init_variant(bn=(0.0, 0.02))),
        ("BatchNorm scale set to 1 without noise", _init_variant(bn=None)),
        ("BatchNorm bias not zeroed", _init_variant(zero_bias=False), "biases must be exactly 0"),
        ("Linear initialised too", _init_variant(linear=True), "left untouched"),
        ("ConvTranspose2d forgotten", _init_variant(types=(nn.Conv2d,)), "ConvTranspose2d"),
        ("uniform instead of normal", _init_variant(conv_init=lambda w: nn.init.uniform_(w, -0.02, 0.02))),
        ("xavier instead of N(0, 0.02)", _init_variant(conv_init=nn.init.xavier_normal_)),
        ("normal_(w, 0.02) sets the mean", _init_variant(conv_init=lambda w: nn.init.normal_(w, 0.02))),
        ("zeroes a conv bias that may not exist", _init_variant(conv_bias=True), "", ERROR),
    ],
}

CATALOGUE = catalogue(
    ASSIGNMENT, harness="a01", correct=CORRECT, wrong=WRONG,
    wrong_seeds=(DEFAULT_SEED, 7),
    quotable=frozenset({0.02, 1.0}),  # the DCGAN init's std; sigmoid(100) rounds to 1.0 in float32
)
