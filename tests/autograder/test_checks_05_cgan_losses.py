"""Do the hidden checks of assignment 05 (conditional GAN, LSGAN, ICNR, FID, KID) pass every
correct implementation and fail realistic mistakes, with messages that do not give the answer
away? And are the grader's private FID / KID references right (closed forms, unbiasedness)?

``CORRECT[function]`` lists correct implementations (the first is the clean, idiomatic one
the solution notebook reuses); ``WRONG[function]`` lists ``(mistake, implementation)`` pairs.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
import scipy.linalg
import torch
import torch.nn.functional as F
from torch import nn

from gan_course.course.checks import CheckFailure, LocalRunner, _fid_kid, check, checks_for

from .check_cases import (assert_harness_free_of_answers, assert_replies_load_with_weights_only,
                          assert_unanswered_functions_fail, numbers, same)

from .test_checks_05_projection import projection_logits

ASSIGNMENT = "05_cgan_losses"
SEEDS = (0, 1, 2)


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


# --- frechet_distance -----------------------------------------------------------------------


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2)) as a float.

    Tr((sigma1 sigma2)^(1/2)) is the sum of the square roots of the eigenvalues of
    sigma1 @ sigma2, which are real and >= 0 up to rounding: clamp them at 0.
    """
    mu1, sigma1, mu2, sigma2 = (torch.as_tensor(a, dtype=torch.float64) for a in (mu1, sigma1, mu2, sigma2))
    diff = mu1 - mu2  # (d,)
    eigenvalues = torch.linalg.eigvals(sigma1 @ sigma2).real.clamp(min=0)  # (d,)
    return float(diff @ diff + sigma1.trace() + sigma2.trace() - 2 * eigenvalues.sqrt().sum())


def _fid_scipy(mu1, sigma1, mu2, sigma2):
    """The pytorch-fid recipe: scipy.linalg.sqrtm, an offset when it fails, keep the real part."""
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, dtype=np.float64)), np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    sigma1, sigma2 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64)), np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    diff = mu1 - mu2
    covmean = scipy.linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * 1e-6
        covmean = scipy.linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    covmean = np.real(covmean)
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def _fid_numpy_symmetric(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = (np.asarray(a, dtype=np.float64) for a in (mu1, sigma1, mu2, sigma2))
    values, vectors = np.linalg.eigh(sigma1)
    root1 = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = np.linalg.eigvalsh(root1 @ sigma2 @ root1)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(sigma1 + sigma2) - 2 * np.sqrt(np.clip(middle, 0, None)).sum())


def _fid_torch_input_dtype(mu1, sigma1, mu2, sigma2):
    """Stays in the inputs' dtype (float32 tensors are computed in float32)."""
    mu1, sigma1, mu2, sigma2 = (torch.as_tensor(a) for a in (mu1, sigma1, mu2, sigma2))
    values, vectors = torch.linalg.eigh(sigma1)
    root1 = vectors @ torch.diag(values.clamp(min=0).sqrt()) @ vectors.T
    middle = torch.linalg.eigvalsh(root1 @ sigma2 @ root1).clamp(min=0)
    return ((mu1 - mu2).pow(2).sum() + torch.trace(sigma1) + torch.trace(sigma2) - 2 * middle.sqrt().sum()).item()


def _fid_always_float32(mu1, sigma1, mu2, sigma2):
    """Everything in float32, even for float64 inputs: rounding-level eigenvalues grow."""
    mu1, sigma1, mu2, sigma2 = (torch.as_tensor(a, dtype=torch.float32) for a in (mu1, sigma1, mu2, sigma2))
    roots = torch.linalg.eigvals(sigma1 @ sigma2).real.clamp(min=0).sqrt()
    return float(torch.sum((mu1 - mu2) ** 2) + torch.trace(sigma1) + torch.trace(sigma2) - 2 * roots.sum())


# --- kernel_inception_distance ---------------------------------------------------------------


def kernel_inception_distance(feats_real, feats_fake):
    """Unbiased MMD^2 (Binkowski et al. 2018) with k(x, y) = (x.y / d + 1)^3, as a float."""
    x = torch.as_tensor(feats_real, dtype=torch.float64)  # (n, d)
    y = torch.as_tensor(feats_fake, dtype=torch.float64)  # (m, d)
    n, m, d = x.shape[0], y.shape[0], x.shape[1]

    def kernel(a, b):
        return (a @ b.T / d + 1) ** 3

    k_xx, k_yy, k_xy = kernel(x, x), kernel(y, y), kernel(x, y)  # (n, n), (m, m), (n, m)
    within_real = (k_xx.sum() - k_xx.diagonal().sum()) / (n * (n - 1))  # pairs i != j
    within_fake = (k_yy.sum() - k_yy.diagonal().sum()) / (m * (m - 1))
    return float(within_real + within_fake - 2 * k_xy.mean())


def _kid_numpy(feats_real, feats_fake):
    x, y = np.asarray(feats_real, dtype=np.float64), np.asarray(feats_fake, dtype=np.float64)
    d = x.shape[1]
    k_xx, k_yy, k_xy = (x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3
    np.fill_diagonal(k_xx, 0)
    np.fill_diagonal(k_yy, 0)
    n, m = len(x), len(y)
    return float(k_xx.sum() / (n * (n - 1)) + k_yy.sum() / (m * (m - 1)) - 2 * k_xy.sum() / (n * m))


def _kid_loop(feats_real, feats_fake):
    x, y = np.asarray(feats_real, dtype=np.float64), np.asarray(feats_fake, dtype=np.float64)
    d = x.shape[1]

    def k(a, b):
        return (float(np.dot(a, b)) / d + 1) ** 3

    xx = [k(x[i], x[j]) for i in range(len(x)) for j in range(len(x)) if i != j]
    yy = [k(y[i], y[j]) for i in range(len(y)) for j in range(len(y)) if i != j]
    xy = [k(a, b) for a in x for b in y]
    return sum(xx) / len(xx) + sum(yy) / len(yy) - 2 * sum(xy) / len(xy)


def _kid_input_dtype(feats_real, feats_fake):
    """Stays in the inputs' dtype (float32 tensors are computed in float32)."""
    x, y = torch.as_tensor(feats_real), torch.as_tensor(feats_fake)
    d = x.shape[1]
    k_xx = (x @ x.T / d + 1).pow(3).fill_diagonal_(0)
    k_yy = (y @ y.T / d + 1).pow(3).fill_diagonal_(0)
    k_xy = (x @ y.T / d + 1).pow(3)
    n, m = len(x), len(y)
    return (k_xx.sum() / (n * (n - 1)) + k_yy.sum() / (m * (m - 1)) - 2 * k_xy.mean()).item()


CORRECT = {
    "lsgan_discriminator_loss": [lsgan_discriminator_loss, _lsgan_d_mse, _lsgan_d_pow, _lsgan_d_loop],
    "lsgan_generator_loss": [lsgan_generator_loss, _lsgan_g_mse, _lsgan_g_loop],
    "conditional_input": [conditional_input, _conditional_scatter, _conditional_eye, _conditional_loop],
    "icnr_": [icnr_, _icnr_fastai, _icnr_loop, _icnr_init_full_then_copy, _icnr_expand],
    "frechet_distance": [frechet_distance, _fid_scipy, _fid_numpy_symmetric, _fid_torch_input_dtype, _fid_always_float32],
    "kernel_inception_distance": [kernel_inception_distance, _kid_numpy, _kid_loop, _kid_input_dtype],
}


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


def _fid_scipy_complex(mu1, sigma1, mu2, sigma2):
    diff = np.asarray(mu1) - np.asarray(mu2)
    covmean = scipy.linalg.sqrtm(np.asarray(sigma1) @ np.asarray(sigma2))
    return diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)


def _fid_sqrt_eigenvalues_unclamped(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = (torch.as_tensor(a, dtype=torch.float64) for a in (mu1, sigma1, mu2, sigma2))
    tr_covmean = torch.linalg.eigvals(sigma1 @ sigma2).real.sqrt().sum()
    return float((mu1 - mu2).pow(2).sum() + sigma1.trace() + sigma2.trace() - 2 * tr_covmean)


def _fid_variant(*, root="product", factor=2.0, squared=True, as_tensor=False):
    def impl(mu1, sigma1, mu2, sigma2):
        mu1, sigma1, mu2, sigma2 = (torch.as_tensor(a, dtype=torch.float64) for a in (mu1, sigma1, mu2, sigma2))
        if root == "elementwise":
            tr = torch.sqrt(sigma1 @ sigma2).trace()
        elif root == "separate":
            tr = (_fid_kid.psd_sqrt(sigma1) @ _fid_kid.psd_sqrt(sigma2)).trace()
        else:
            tr = _fid_kid.trace_sqrt_product(sigma1, sigma2)
        diff = (mu1 - mu2).pow(2).sum() if squared else (mu1 - mu2).norm()
        value = diff + sigma1.trace() + sigma2.trace() - factor * tr
        return value if as_tensor else float(value)

    return impl


def _kid_variant(*, biased=False, degree=3, gamma="1/d", coef0=1.0, cross=2.0, as_tensor=False):
    def impl(feats_real, feats_fake):
        x, y = torch.as_tensor(feats_real, dtype=torch.float64), torch.as_tensor(feats_fake, dtype=torch.float64)
        d = x.shape[1]
        g = {"1/d": 1 / d, "1": 1.0, "1/sqrt(d)": d ** -0.5}[gamma]

        def k(a, b):
            return (g * a @ b.T + coef0) ** degree

        k_xx, k_yy, k_xy = k(x, x), k(y, y), k(x, y)
        if biased:
            value = k_xx.mean() + k_yy.mean() - cross * k_xy.mean()
        else:
            value = _fid_kid.mmd2_unbiased(k_xx, k_yy, k_xy * cross / 2)
        return value if as_tensor else float(value)

    return impl


WRONG = {
    "lsgan_discriminator_loss": [
        ("no factor 0.5", lambda r, f, real_label=1.0: ((r - real_label) ** 2).mean() + (f ** 2).mean()),
        ("smoothing applied to the fake targets", lambda r, f, real_label=1.0: 0.5 * ((r - real_label) ** 2).mean()
         + 0.5 * ((f - (1 - real_label)) ** 2).mean()),
        ("ignores real_label", lambda r, f, real_label=1.0: 0.5 * ((r - 1) ** 2).mean() + 0.5 * (f ** 2).mean()),
        ("wrong default real_label", lambda r, f, real_label=0.9: lsgan_discriminator_loss(r, f, real_label)),
        ("fake target -1", lambda r, f, real_label=1.0: 0.5 * ((r - real_label) ** 2).mean() + 0.5 * ((f + 1) ** 2).mean()),
        ("sigmoid on the outputs", lambda r, f, real_label=1.0: lsgan_discriminator_loss(torch.sigmoid(r), torch.sigmoid(f), real_label)),
        ("sum instead of mean", lambda r, f, real_label=1.0: 0.5 * ((r - real_label) ** 2).sum() + 0.5 * (f ** 2).sum()),
        ("mean of the summed terms (needs equal batch sizes)", lambda r, f, real_label=1.0:
         (0.5 * (r - real_label) ** 2 + 0.5 * f ** 2).mean()),
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
        ("one-hot first", lambda z, labels, num_classes=10: torch.cat([F.one_hot(labels, num_classes).to(z), z], dim=1)),
        ("F.one_hot without num_classes", lambda z, labels, num_classes=10: torch.cat([z, F.one_hot(labels).to(z)], dim=1)),
        ("ignores num_classes", lambda z, labels, num_classes=10: torch.cat([z, F.one_hot(labels, 10).to(z)], dim=1)),
        ("forces float32", lambda z, labels, num_classes=10: torch.cat([z, F.one_hot(labels, num_classes)], dim=1).float()),
        ("the raw label as one column", lambda z, labels, num_classes=10: torch.cat([z, labels.to(z).unsqueeze(1)], dim=1)),
        ("labels scaled into [0, 1] and broadcast", lambda z, labels, num_classes=10:
         torch.cat([z, (labels.to(z) / num_classes).unsqueeze(1).expand(-1, num_classes)], dim=1)),
        ("stacks along the batch dimension", lambda z, labels, num_classes=10:
         torch.cat([z.flatten(), F.one_hot(labels, num_classes).to(z).flatten()])),
    ],
    "icnr_": [
        ("repeat instead of repeat_interleave", _icnr_variant(order="repeat")),
        ("kaiming_uniform_ instead of kaiming_normal_", _icnr_variant(init="uniform")),
        ("mode='fan_out'", _icnr_variant(init="fan_out")),
        ("xavier_normal_", _icnr_variant(init="xavier")),
        ("DCGAN's N(0, 0.02)", _icnr_variant(init="dcgan")),
        ("ignores upscale_factor", _icnr_variant(use_r=False)),
        ("one kernel for every channel", _icnr_variant(one_kernel=True)),
        ("not in place (returns a new tensor)", _icnr_variant(in_place=False)),
        ("wrong default upscale_factor", _icnr_variant(default_r=3)),
        ("returns None", _icnr_no_return),
    ],
    "frechet_distance": [
        ("scipy sqrtm without .real", _fid_scipy_complex),
        ("square roots of unclamped eigenvalues", _fid_sqrt_eigenvalues_unclamped),
        ("elementwise square root", _fid_variant(root="elementwise")),
        ("square roots of sigma1 and sigma2 separately", _fid_variant(root="separate")),
        ("missing factor 2", _fid_variant(factor=1.0)),
        ("||mu1 - mu2|| not squared", _fid_variant(squared=False)),
        ("returns a tensor", _fid_variant(as_tensor=True)),
    ],
    "kernel_inception_distance": [
        ("biased MMD (diagonals included)", _kid_variant(biased=True)),
        ("quadratic kernel", _kid_variant(degree=2)),
        ("no 1/d scale", _kid_variant(gamma="1")),
        ("1/sqrt(d) scale", _kid_variant(gamma="1/sqrt(d)")),
        ("no + 1 in the kernel", _kid_variant(coef0=0.0)),
        ("cross term not doubled", _kid_variant(cross=1.0)),
        ("returns a tensor", _kid_variant(as_tensor=True)),
    ],
}


# --- the tests ------------------------------------------------------------------------------


CORRECT_CASES = [(function, impl) for function, impls in CORRECT.items() for impl in impls]
WRONG_CASES = [(function, label, impl) for function, pairs in WRONG.items() for label, impl in pairs]


def test_every_graded_function_has_correct_and_wrong_implementations():
    """Is every check of the assignment exercised by this file, both ways?"""
    graded = set(checks_for(ASSIGNMENT)) - {"projection_logits"}  # its cases: test_checks_05_projection.py
    assert set(CORRECT) == graded and set(WRONG) == graded
    assert all(len(CORRECT[f]) >= 3 and CORRECT[f][0].__name__ == f for f in graded)
    assert all(len(WRONG[f]) >= 5 for f in graded)


@pytest.mark.parametrize("function, impl", CORRECT_CASES,
                         ids=[f"{f}-{impl.__name__}" for f, impl in CORRECT_CASES])
@pytest.mark.parametrize("seed", SEEDS)
def test_correct_implementation_passes(function, impl, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's sqrtm warns about singular matrices
        check(ASSIGNMENT, function, {function: impl}, seed=seed)


@pytest.mark.parametrize("function, label, impl", WRONG_CASES, ids=[f"{f}-{label}" for f, label, _ in WRONG_CASES])
def test_wrong_implementation_fails_without_giving_the_answer(function, label, impl):
    with warnings.catch_warnings(), pytest.raises(CheckFailure) as failure:
        warnings.simplefilter("ignore")
        check(ASSIGNMENT, function, {function: impl})
    message = str(failure.value)
    assert f"`{function}`" in message
    assert "tensor(" not in message
    inputs = {n for probe in checks_for(ASSIGNMENT)[function].probes(0) for n in numbers(probe.label)}
    for number in set(numbers(message)) - inputs:
        assert not any(same(number, value) for value in _expected_values(function)), (number, message)


@pytest.mark.parametrize("function, reference", [
    ("lsgan_discriminator_loss", "gan_course.losses:d_lsgan"),
    ("lsgan_generator_loss", "gan_course.losses:g_lsgan"),
    ("icnr_", "gan_course.models.init:icnr_"),
    ("frechet_distance", "gan_course.course.checks._fid_kid:frechet_distance"),
    ("kernel_inception_distance", "gan_course.course.checks._fid_kid:kernel_inception_distance"),
    ("conditional_input", "gan_course.course.checks.a05_cgan_losses:conditional_input_reference"),
])
def test_the_library_reference_passes_the_check(function, reference):
    """Do the library's (and the grader's private) references pass their own checks?"""
    import importlib

    module, _, name = reference.partition(":")
    check(ASSIGNMENT, function, {function: getattr(importlib.import_module(module), name)})


def test_missing_and_placeholder_functions_fail_with_a_clear_message():
    """Does an unanswered notebook (NotImplementedError, or no function at all) fail every check?"""
    assert_unanswered_functions_fail(ASSIGNMENT)


def test_harness_replies_load_with_weights_only():
    """Would every reply of the sandbox load with torch.load(weights_only=True), as the grader reads it?"""
    assert_replies_load_with_weights_only(ASSIGNMENT, {**CORRECT, "projection_logits": [projection_logits]})


def test_harness_imports_neither_gan_course_nor_the_checks():
    """The harness runs next to student code: does it stay free of answers and grader code?"""
    from gan_course.course.harness import a05

    assert_harness_free_of_answers(a05)


@pytest.mark.parametrize("function, impl, expected", [
    ("lsgan_discriminator_loss", WRONG["lsgan_discriminator_loss"][1][1], "fake outputs are always compared with 0"),
    ("conditional_input", WRONG["conditional_input"][0][1], "[z, one_hot(labels)]"),
    ("conditional_input", WRONG["conditional_input"][1][1], "num_classes=num_classes"),
    ("icnr_", _icnr_variant(order="repeat"), "repeat_interleave"),
    ("icnr_", _icnr_variant(init="uniform"), "kaiming_uniform_"),
    ("icnr_", _icnr_variant(init="fan_out"), "kaiming_normal_"),
    ("icnr_", _icnr_variant(in_place=False), "in place"),
    ("frechet_distance", _fid_scipy_complex, ".real"),
    ("frechet_distance", _fid_sqrt_eigenvalues_unclamped, "clamp"),
    ("frechet_distance", _fid_variant(root="separate"), "separately"),
    ("kernel_inception_distance", _kid_variant(biased=True), "BIASED"),
    ("kernel_inception_distance", _kid_variant(degree=2), "cubic"),
])
def test_failures_name_the_specific_mistake(function, impl, expected):
    with warnings.catch_warnings(), pytest.raises(CheckFailure, match=re.escape(expected)):
        warnings.simplefilter("ignore")
        check(ASSIGNMENT, function, {function: impl})


# --- the grader's private references ---------------------------------------------------------


def test_frechet_reference_matches_the_closed_form_for_diagonal_gaussians():
    """For diagonal covariances, FID = ||mu1 - mu2||^2 + sum (sqrt(s1) - sqrt(s2))^2."""
    g = torch.Generator().manual_seed(3)
    mu1, mu2 = torch.randn(7, generator=g, dtype=torch.float64), torch.randn(7, generator=g, dtype=torch.float64)
    s1, s2 = torch.rand(7, generator=g, dtype=torch.float64) + 0.1, torch.rand(7, generator=g, dtype=torch.float64) * 3
    closed = float((mu1 - mu2).pow(2).sum() + (s1.sqrt() - s2.sqrt()).pow(2).sum())
    assert _fid_kid.frechet_distance(mu1, torch.diag(s1), mu2, torch.diag(s2)) == pytest.approx(closed, rel=1e-12)
    assert _fid_kid.frechet_distance(mu1.numpy(), torch.diag(s1).numpy(), mu1.numpy(), torch.diag(s1).numpy()) == pytest.approx(0, abs=1e-12)


def test_frechet_reference_matches_scipy_for_full_covariances_and_is_symmetric():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(50, 6)) @ rng.normal(size=(6, 6)), rng.normal(size=(50, 6)) + 0.5
    stats = [a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)]
    value = _fid_kid.frechet_distance(*stats)
    assert value == pytest.approx(_fid_scipy(*stats), rel=1e-9)
    assert value == pytest.approx(_fid_kid.frechet_distance(*stats[2:], *stats[:2]), rel=1e-9)
    # 1-D Gaussians: (m1 - m2)^2 + (sd1 - sd2)^2
    assert _fid_kid.frechet_distance([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4 + 1, rel=1e-12)


def test_frechet_reference_is_real_and_finite_for_singular_covariances():
    """Fewer samples than dimensions: rank-deficient sigmas; the result must be real, finite, >= 0."""
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(4, 20)), rng.normal(size=(5, 20)) + 0.2
    stats = [a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)]
    value = _fid_kid.frechet_distance(*stats)
    assert math.isfinite(value) and value > 0
    assert value == pytest.approx(frechet_distance(*stats), rel=1e-6)


def test_kid_reference_matches_a_loop_and_is_unbiased():
    """Is the mean over many draws ~0 for identical distributions, while the biased estimator is not?"""
    g = torch.Generator().manual_seed(6)
    x, y = torch.randn(9, 4, generator=g, dtype=torch.float64), torch.randn(13, 4, generator=g, dtype=torch.float64)
    assert _fid_kid.kernel_inception_distance(x, y) == pytest.approx(_kid_loop(x.numpy(), y.numpy()), rel=1e-10)
    draws = 400
    unbiased, biased = [], []
    for _ in range(draws):
        a, b = torch.randn(10, 4, generator=g, dtype=torch.float64), torch.randn(15, 4, generator=g, dtype=torch.float64)
        unbiased.append(_fid_kid.kernel_inception_distance(a, b))
        biased.append(_kid_variant(biased=True)(a, b))
    unbiased_t, biased_t = torch.tensor(unbiased), torch.tensor(biased)
    standard_error = float(unbiased_t.std()) / math.sqrt(draws)
    assert abs(float(unbiased_t.mean())) < 4 * standard_error
    assert float(biased_t.mean()) > 10 * standard_error


def test_icnr_probes_separate_kaiming_from_its_usual_confusions():
    """With C != C_in in every probe, do fan_out and xavier give a spread far from kaiming's?"""
    from gan_course.course.checks.a05_cgan_losses import _ICNR_CASES, STD_TOLERANCE

    for _, (channels, in_channels, k), _, _, _ in _ICNR_CASES:
        fan_in, fan_out = in_channels * k * k, channels * k * k
        assert abs(math.sqrt(fan_in / fan_out) - 1) > 2 * STD_TOLERANCE
        assert abs(math.sqrt(2 * fan_in / (fan_in + fan_out)) / math.sqrt(2) - 1) > 2 * STD_TOLERANCE


def test_harness_module_imports_neither_gan_course_nor_the_checks():
    import inspect

    from gan_course.course.harness import a05

    source = inspect.getsource(a05)
    assert "gan_course" not in source and "autograder" not in source


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
    """Numbers that could only come from the answer (not 0, 1 or another round constant)."""
    return abs(value) > 1e-6 and all(abs(value - c) > 1e-9 for c in (0.5, 1.0, 2.0, 10.0, 100.0, -1.0))
