"""Grader-private references for FID and KID on feature statistics (float64).

- Frechet distance (FID): Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule
  Converge to a Local Nash Equilibrium", https://arxiv.org/abs/1706.08500:
  ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)).
- Kernel inception distance (KID): Binkowski et al. 2018, "Demystifying MMD GANs",
  https://arxiv.org/abs/1801.01401: the unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3.

Tr((S1 S2)^(1/2)) is computed without a non-symmetric matrix square root: S1 S2 is similar to
the symmetric PSD matrix S1^(1/2) S2 S1^(1/2), whose eigenvalues (clamped at 0 against
rounding) are those of S1 S2. This stays real and finite for singular covariances, where
``scipy.linalg.sqrtm`` returns complex parts.
"""

from __future__ import annotations

import torch
from torch import Tensor

KID_DEGREE = 3  # Binkowski et al. 2018, section 4 (the polynomial kernel of KID)
KID_COEF0 = 1.0  # k(x, y) = (gamma x.y + coef0)^degree with gamma = 1 / d


def as_float64(x) -> Tensor:
    """numpy array or tensor -> float64 CPU tensor."""
    return torch.as_tensor(x).detach().to("cpu", torch.float64)


def psd_sqrt(matrix: Tensor) -> Tensor:
    """Symmetric square root of a symmetric PSD matrix (d, d), eigenvalues clamped at 0."""
    values, vectors = torch.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * values.clamp_min(0).sqrt()) @ vectors.T  # (d, d)


def trace_sqrt_product(sigma1: Tensor, sigma2: Tensor) -> Tensor:
    """Tr((sigma1 sigma2)^(1/2)) for symmetric PSD (d, d) matrices: a 0-dim tensor."""
    root = psd_sqrt(sigma1)
    middle = root @ sigma2 @ root  # (d, d), symmetric PSD, similar to sigma1 @ sigma2
    return torch.linalg.eigvalsh((middle + middle.T) / 2).clamp_min(0).sqrt().sum()


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2)); mu (d,), sigma (d, d)."""
    mu1, sigma1, mu2, sigma2 = (as_float64(a) for a in (mu1, sigma1, mu2, sigma2))
    diff = mu1 - mu2  # (d,)
    return float(diff @ diff + sigma1.trace() + sigma2.trace() - 2 * trace_sqrt_product(sigma1, sigma2))


def polynomial_kernel(x: Tensor, y: Tensor, *, degree: int = KID_DEGREE, coef0: float = KID_COEF0,
                      gamma: float | None = None) -> Tensor:
    """k(x_i, y_j) = (gamma x_i.y_j + coef0)^degree with gamma = 1 / d: (n, d), (m, d) -> (n, m)."""
    gamma = 1.0 / x.shape[1] if gamma is None else gamma
    return (gamma * x @ y.T + coef0) ** degree


def mmd2_unbiased(k_xx: Tensor, k_yy: Tensor, k_xy: Tensor) -> Tensor:
    """Unbiased MMD^2 from kernel matrices (n, n), (m, m), (n, m): within-set means over
    i != j, cross mean over all n * m pairs (Gretton et al. 2012, eq. 5; Binkowski et al. 2018)."""
    n, m = k_xx.shape[0], k_yy.shape[0]
    xx = (k_xx.sum() - k_xx.diagonal().sum()) / (n * (n - 1))
    yy = (k_yy.sum() - k_yy.diagonal().sum()) / (m * (m - 1))
    return xx + yy - 2 * k_xy.mean()


def kernel_inception_distance(feats_real, feats_fake) -> float:
    """Unbiased MMD^2 with the cubic polynomial kernel; feats (n, d) and (m, d), n, m >= 2."""
    x, y = as_float64(feats_real), as_float64(feats_fake)
    return float(mmd2_unbiased(polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)))


__all__ = [
    "KID_COEF0", "KID_DEGREE", "frechet_distance", "kernel_inception_distance", "mmd2_unbiased",
    "polynomial_kernel", "psd_sqrt", "trace_sqrt_product",
]
