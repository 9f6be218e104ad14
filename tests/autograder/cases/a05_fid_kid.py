"""Implementations of assignment 05's ``frechet_distance`` (FID on feature statistics, Heusel et al.
2017) and ``kernel_inception_distance`` (KID, the unbiased MMD^2 with a cubic polynomial kernel,
Binkowski et al. 2018) for the tests of their hidden checks: ``FID_CORRECT`` / ``KID_CORRECT``
(the first is the one the solution notebook uses) and ``FID_WRONG`` / ``KID_WRONG`` (mistake,
code[, words its failure message must contain]); part of :mod:`.a05_cgan_losses`'s catalogue."""

from __future__ import annotations

import numpy as np
import scipy.linalg
import torch

from gan_course.course.checks import _fid_kid


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


# --- wrong implementations ------------------------------------------------------------------


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


FID_CORRECT = [frechet_distance, _fid_scipy, _fid_numpy_symmetric, _fid_torch_input_dtype, _fid_always_float32]
KID_CORRECT = [kernel_inception_distance, _kid_numpy, _kid_loop, _kid_input_dtype]
FID_WRONG = [  # (mistake, implementation[, words the message must contain])
    ("scipy sqrtm without .real", _fid_scipy_complex, ".real"),
    ("square roots of unclamped eigenvalues", _fid_sqrt_eigenvalues_unclamped, "clamp"),
    ("elementwise square root", _fid_variant(root="elementwise")),
    ("square roots of sigma1 and sigma2 separately", _fid_variant(root="separate"), "separately"),
    ("missing factor 2", _fid_variant(factor=1.0)),
    ("||mu1 - mu2|| not squared", _fid_variant(squared=False)),
    ("returns a tensor", _fid_variant(as_tensor=True)),
]
KID_WRONG = [  # (mistake, implementation[, words the message must contain])
    ("biased MMD (diagonals included)", _kid_variant(biased=True), "BIASED"),
    ("quadratic kernel", _kid_variant(degree=2), "cubic"),
    ("no 1/d scale", _kid_variant(gamma="1")),
    ("1/sqrt(d) scale", _kid_variant(gamma="1/sqrt(d)")),
    ("no + 1 in the kernel", _kid_variant(coef0=0.0)),
    ("cross term not doubled", _kid_variant(cross=1.0)),
    ("returns a tensor", _kid_variant(as_tensor=True)),
]
