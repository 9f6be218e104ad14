"""The catalogue of assignment 05 (conditional GAN, LSGAN, ICNR, FID, KID): correct
implementations of every graded function and realistic mistakes, each with the verdict its hidden
check must give (``projection_logits``'s cases: :mod:`.a05_projection`; FID's and KID's:
:mod:`.a05_fid_kid`). ``tests/autograder/test_checks.py`` runs it."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from . import a05_fid_kid as fid_kid
from . import a05_projection as projection
from .catalogue import ERROR, catalogue

ASSIGNMENT = "05_cgan_losses"


# --- lsgan_discriminator_loss ---------------------------------------------------------------


def lsgan_discriminator_loss(real_out, fake_out, real_label=1.0):
    """Least squares (Mao et al. 2017): 0.5 * mean((real - real_label)^2) + 0.5 * mean(fake^2)."""
    return 0.5 * ((real_out - real_label) ** 2).mean() + 0.5 * (fake_out ** 2).mean()


def _lsgan_d_mse(real_out, fake_out, real_label=1.0):
    return 0.5 * F.mse_loss(real_out, torch.full_like(real_out, real_label)) + 0.5 * F.mse_loss(fake_out, torch.zeros_like(fake_out))


def _lsgan_d_pow(real_out, fake_out, real_label=1.0):
    return 0.5 * torch.mean(torch.pow(real_out - real_label, 2)) + 0.5 * torch.mean(torch.square(fake_out))


def _lsgan_d_loop(real_out, fake_out, real_label=1.0):
    real, fake = real_out.flatten(), fake_out.flatten()
    real_term = sum((real[i] - real_label) ** 2 for i in range(len(real))) / len(real)
    fake_term = sum(fake[i] ** 2 for i in range(len(fake))) / len(fake)
    return 0.5 * real_term + 0.5 * fake_term


# --- lsgan_generator_loss -------------------------------------------------------------------


def lsgan_generator_loss(fake_out):
    """Least squares generator loss: 0.5 * mean((fake - 1)^2)."""
    return 0.5 * ((fake_out - 1.0) ** 2).mean()


def _lsgan_g_mse(fake_out):
    return 0.5 * F.mse_loss(fake_out, torch.ones_like(fake_out))


def _lsgan_g_loop(fake_out):
    flat = fake_out.flatten()
    return 0.5 * sum((flat[i] - 1) ** 2 for i in range(len(flat))) / len(flat)


# --- conditional_input ----------------------------------------------------------------------


def conditional_input(z, labels, num_classes=10):
    """[z, one_hot(labels)]: (B, d), (B,) -> (B, d + num_classes), in z's dtype and device."""
    one_hot = F.one_hot(labels, num_classes).to(z.dtype)  # (B, num_classes)
    return torch.cat([z, one_hot], dim=1)


def _conditional_scatter(z, labels, num_classes=10):
    one_hot = torch.zeros(z.shape[0], num_classes, dtype=z.dtype, device=z.device)
    one_hot.scatter_(1, labels.unsqueeze(1), 1.0)
    return torch.cat((z, one_hot), 1)


def _conditional_eye(z, labels, num_classes=10):
    return torch.hstack([z, torch.eye(num_classes, device=z.device)[labels].to(z)])


def _conditional_loop(z, labels, num_classes=10):
    rows = []
    for i in range(z.shape[0]):
        code = torch.zeros(num_classes, dtype=z.dtype)
        code[int(labels[i])] = 1
        rows.append(torch.cat([z[i], code]))
    return torch.stack(rows)


# --- icnr_ ----------------------------------------------------------------------------------


def icnr_(weight, upscale_factor=2):
    """ICNR (Aitken et al. 2017): a kaiming_normal_ sub-kernel (C, C_in, k, k), each kernel repeated
    r^2 times in a row so that nn.PixelShuffle(r) starts as nearest-neighbour upsampling."""
    r2 = upscale_factor ** 2
    sub_kernel = torch.empty(weight.shape[0] // r2, *weight.shape[1:])  # (C, C_in, k, k)
    nn.init.kaiming_normal_(sub_kernel)
    with torch.no_grad():
        weight.copy_(sub_kernel.repeat_interleave(r2, dim=0))  # (C * r^2, C_in, k, k)
    return weight


def _icnr_fastai(weight, upscale_factor=2):
    ni, nf, h, w = weight.shape
    ni2 = ni // upscale_factor ** 2
    k = nn.init.kaiming_normal_(weight.new_zeros([ni2, nf, h, w])).transpose(0, 1)
    k = k.contiguous().view(ni2, nf, -1).repeat(1, 1, upscale_factor ** 2)
    weight.data.copy_(k.contiguous().view([nf, ni, h, w]).transpose(0, 1))
    return weight


def _icnr_loop(weight, upscale_factor=2):
    r2 = upscale_factor * upscale_factor
    sub = nn.init.kaiming_normal_(torch.zeros(weight.shape[0] // r2, *weight.shape[1:]))
    for c in range(sub.shape[0]):
        for j in range(r2):
            weight.data[c * r2 + j] = sub[c]
    return weight


def _icnr_init_full_then_copy(weight, upscale_factor=2):
    r2 = upscale_factor ** 2
    nn.init.kaiming_normal_(weight)  # same fan_in as the sub-kernel: C_in * k * k
    with torch.no_grad():
        weight.copy_(weight[::r2].clone().repeat_interleave(r2, 0))
    return weight


def _icnr_expand(weight, upscale_factor=2):
    r2 = upscale_factor ** 2
    sub = torch.empty(weight.shape[0] // r2, *weight.shape[1:])
    nn.init.kaiming_normal_(sub, a=0, mode="fan_in", nonlinearity="leaky_relu")
    weight.data = sub.unsqueeze(1).expand(-1, r2, *sub.shape[1:]).reshape(weight.shape).clone()
    return weight


# --- wrong implementations ------------------------------------------------------------------


def _icnr_variant(*, order="interleave", init="normal", use_r=True, one_kernel=False, in_place=True, default_r=2):
    def impl(weight, upscale_factor=default_r):
        r = upscale_factor if use_r else 2
        r2 = r * r
        sub = torch.empty(1 if one_kernel else weight.shape[0] // r2, *weight.shape[1:])
        {"normal": nn.init.kaiming_normal_, "uniform": nn.init.kaiming_uniform_,
         "fan_out": lambda t: nn.init.kaiming_normal_(t, mode="fan_out"), "xavier": nn.init.xavier_normal_,
         "dcgan": lambda t: nn.init.normal_(t, 0.0, 0.02)}[init](sub)
        copies = weight.shape[0] // sub.shape[0]
        full = sub.repeat(copies, 1, 1, 1) if order == "repeat" else sub.repeat_interleave(copies, dim=0)
        if not in_place:
            return full
        with torch.no_grad():
            weight.copy_(full)
        return weight

    return impl


def _icnr_no_return(weight, upscale_factor=2):
    icnr_(weight, upscale_factor)


CORRECT = {
    "lsgan_discriminator_loss": [lsgan_discriminator_loss, _lsgan_d_mse, _lsgan_d_pow, _lsgan_d_loop],
    "lsgan_generator_loss": [lsgan_generator_loss, _lsgan_g_mse, _lsgan_g_loop],
    "conditional_input": [conditional_input, _conditional_scatter, _conditional_eye, _conditional_loop],
    "projection_logits": projection.CORRECT,
    "icnr_": [icnr_, _icnr_fastai, _icnr_loop, _icnr_init_full_then_copy, _icnr_expand],
    "frechet_distance": fid_kid.FID_CORRECT,
    "kernel_inception_distance": fid_kid.KID_CORRECT,
}

WRONG = {  # (mistake, implementation[, words the message must contain[, status]])
    "lsgan_discriminator_loss": [
        ("no factor 0.5", lambda r, f, real_label=1.0: ((r - real_label) ** 2).mean() + (f ** 2).mean()),
        ("smoothing applied to the fake targets", lambda r, f, real_label=1.0: 0.5 * ((r - real_label) ** 2).mean()
         + 0.5 * ((f - (1 - real_label)) ** 2).mean(), "fake outputs are always compared with 0"),
        ("ignores real_label", lambda r, f, real_label=1.0: 0.5 * ((r - 1) ** 2).mean() + 0.5 * (f ** 2).mean()),
        ("wrong default real_label", lambda r, f, real_label=0.9: lsgan_discriminator_loss(r, f, real_label)),
        ("fake target -1", lambda r, f, real_label=1.0: 0.5 * ((r - real_label) ** 2).mean() + 0.5 * ((f + 1) ** 2).mean()),
        ("sigmoid on the outputs", lambda r, f, real_label=1.0: lsgan_discriminator_loss(torch.sigmoid(r), torch.sigmoid(f), real_label)),
        ("sum instead of mean", lambda r, f, real_label=1.0: 0.5 * ((r - real_label) ** 2).sum() + 0.5 * (f ** 2).sum()),
        ("mean of the summed terms (needs equal batch sizes)", lambda r, f, real_label=1.0:
         (0.5 * (r - real_label) ** 2 + 0.5 * f ** 2).mean(), "", ERROR),
    ],
    "lsgan_generator_loss": [
        ("no factor 0.5", lambda f: ((f - 1) ** 2).mean()),
        ("target 0 instead of 1", lambda f: 0.5 * (f ** 2).mean()),
        ("sum instead of mean", lambda f: 0.5 * ((f - 1) ** 2).sum()),
        ("sigmoid on the outputs", lambda f: 0.5 * ((torch.sigmoid(f) - 1) ** 2).mean()),
        ("the Wasserstein generator loss", lambda f: -f.mean()),
        ("a smoothed target 0.9", lambda f: 0.5 * ((f - 0.9) ** 2).mean()),
    ],
    "conditional_input": [
        ("one-hot first", lambda z, labels, num_classes=10: torch.cat([F.one_hot(labels, num_classes).to(z), z], dim=1),
         "[z, one_hot(labels)]"),
        ("F.one_hot without num_classes", lambda z, labels, num_classes=10: torch.cat([z, F.one_hot(labels).to(z)], dim=1),
         "num_classes=num_classes"),
        ("ignores num_classes", lambda z, labels, num_classes=10: torch.cat([z, F.one_hot(labels, 10).to(z)], dim=1), "",
         ERROR),
        ("forces float32", lambda z, labels, num_classes=10: torch.cat([z, F.one_hot(labels, num_classes)], dim=1).float()),
        ("the raw label as one column", lambda z, labels, num_classes=10: torch.cat([z, labels.to(z).unsqueeze(1)], dim=1)),
        ("labels scaled into [0, 1] and broadcast", lambda z, labels, num_classes=10:
         torch.cat([z, (labels.to(z) / num_classes).unsqueeze(1).expand(-1, num_classes)], dim=1)),
        ("stacks along the batch dimension", lambda z, labels, num_classes=10:
         torch.cat([z.flatten(), F.one_hot(labels, num_classes).to(z).flatten()])),
    ],
    "projection_logits": projection.WRONG,
    "icnr_": [
        ("repeat instead of repeat_interleave", _icnr_variant(order="repeat"), "repeat_interleave"),
        ("kaiming_uniform_ instead of kaiming_normal_", _icnr_variant(init="uniform"), "kaiming_uniform_"),
        ("mode='fan_out'", _icnr_variant(init="fan_out"), "kaiming_normal_"),
        ("xavier_normal_", _icnr_variant(init="xavier")),
        ("DCGAN's N(0, 0.02)", _icnr_variant(init="dcgan")),
        ("ignores upscale_factor", _icnr_variant(use_r=False), "", ERROR),
        ("one kernel for every channel", _icnr_variant(one_kernel=True)),
        ("not in place (returns a new tensor)", _icnr_variant(in_place=False), "in place"),
        ("wrong default upscale_factor", _icnr_variant(default_r=3), "", ERROR),
        ("returns None", _icnr_no_return),
    ],
    "frechet_distance": fid_kid.FID_WRONG,
    "kernel_inception_distance": fid_kid.KID_WRONG,
}

CATALOGUE = catalogue(
    ASSIGNMENT, harness="a05", correct=CORRECT, wrong=WRONG,
    seeds=(0, 1, 2),
    quotable=frozenset({0.5, 1.0}),  # LSGAN's factor 0.5; the default real_label=1.0
    references={
        "lsgan_discriminator_loss": "gan_course.losses:d_lsgan",
        "lsgan_generator_loss": "gan_course.losses:g_lsgan",
        "icnr_": "gan_course.models.init:icnr_",
        "frechet_distance": "gan_course.course.checks._fid_kid:frechet_distance",
        "kernel_inception_distance": "gan_course.course.checks._fid_kid:kernel_inception_distance",
        "conditional_input": "gan_course.course.checks.a05_cgan_losses:conditional_input_reference",
        "projection_logits": "gan_course.models.cgan:projection_logits",
    },
)
