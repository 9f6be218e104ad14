"""Hidden checks of assignment 05's ``frechet_distance`` and ``kernel_inception_distance``.

FID: Heusel et al. 2017, https://arxiv.org/abs/1706.08500; KID: Binkowski et al. 2018,
https://arxiv.org/abs/1801.01401. Probes pass numpy arrays and torch tensors (float32 and
float64), full-rank, singular and nearly singular covariances, identical and swapped
statistics, and feature sets of different sizes. The judge compares with the float64
references of :mod:`gan_course.course.checks._fid_kid`; a wrong value is first matched against the
known mistakes (biased MMD, wrong kernel, elementwise square roots...) for a specific message.
"""

from __future__ import annotations

from typing import Callable

import torch

from ._fid_kid import (
    as_float64, frechet_distance, kernel_inception_distance, mmd2_unbiased, polynomial_kernel, psd_sqrt,
    trace_sqrt_product,
)
from ._loss_checks import single_threaded
from .base import Check, CheckFailure, Probe, expect

FID_RTOL = 1e-4
FID_SCALE_ATOL = 1e-4  # times Tr(S1) + Tr(S2) + ||mu1 - mu2||^2: float32 computations pass
FID_SINGULAR_SCALE_ATOL = 3e-3  # square roots of rounding-level eigenvalues, in float32
KID_RTOL = 1e-3
KID_SCALE_ATOL = 1e-5  # times the mean |k(x, y)|

_FLOAT_RESULT = ("return a Python float (float(...) or .item()), not a {kind}.")


def _stats(g: torch.Generator, samples: int, dim: int, *, shift: float = 0.0, jitter: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean (d,) and covariance (d, d) of ``samples`` correlated Gaussian points, float64."""
    mixing = torch.randn(dim, dim, generator=g, dtype=torch.float64) / dim ** 0.5
    points = torch.randn(samples, dim, generator=g, dtype=torch.float64) @ mixing + shift  # (n, d)
    return points.mean(dim=0), torch.cov(points.T) + jitter * torch.eye(dim, dtype=torch.float64)


def _convert(values: tuple, to: str) -> list:
    if to == "numpy":
        return [v.numpy() for v in values]
    return [v.to(getattr(torch, to)) for v in values]


@single_threaded
def _fid_probes(g: torch.Generator) -> list[Probe]:
    full1, full2 = _stats(g, 60, 8), _stats(g, 60, 8, shift=0.4)
    small1, small2 = _stats(g, 40, 6), _stats(g, 40, 6, shift=0.3)
    sing1, sing2 = _stats(g, 6, 16), _stats(g, 6, 16, shift=0.2)
    near1, near2 = _stats(g, 5, 12, jitter=1e-10), _stats(g, 5, 12, shift=0.3, jitter=1e-10)
    d1 = torch.rand(5, generator=g, dtype=torch.float64) + 0.1
    d2 = torch.rand(5, generator=g, dtype=torch.float64) + 0.1
    mu1, mu2 = torch.randn(5, generator=g, dtype=torch.float64), torch.randn(5, generator=g, dtype=torch.float64)
    cases = [
        ("numpy float64, full-rank covariances", (*full1, *full2), "numpy"),
        ("the same statistics twice", (*full1, *full1), "numpy"),
        ("swapped arguments", (*full2, *full1), "numpy"),
        ("torch float32 tensors", (*small1, *small2), "float32"),
        ("diagonal covariances", (mu1, torch.diag(d1), mu2, torch.diag(d2)), "float64"),
        ("singular covariances (fewer samples than dimensions)", (*sing1, *sing2), "float64"),
        ("nearly singular covariances", (*near1, *near2), "numpy"),
    ]
    return [Probe("a05.metric", {"args": _convert(values, to)}, label) for label, values, to in cases]


def _fid_scale(args: list) -> float:
    mu1, s1, mu2, s2 = (as_float64(a) for a in args)
    return float(s1.trace().abs() + s2.trace().abs() + (mu1 - mu2).pow(2).sum())


def _fid_mistakes(args: list) -> dict[str, float]:
    mu1, s1, mu2, s2 = (as_float64(a) for a in args)
    diff = mu1 - mu2
    traces = s1.trace() + s2.trace()
    right = trace_sqrt_product(s1, s2)
    return {
        "the factor 2 in front of Tr((sigma1 sigma2)^(1/2)) is missing.": float(diff @ diff + traces - right),
        "||mu1 - mu2|| is not squared.": float(diff.norm() + traces - 2 * right),
        "the square roots are taken of sigma1 and sigma2 separately; the formula needs the square root of the "
        "product sigma1 @ sigma2 (the two do not commute).": float(diff @ diff + traces - 2 * (psd_sqrt(s1) @ psd_sqrt(s2)).trace()),
        "a square root of the trace: the formula takes the trace of the matrix square root.":
            float(diff @ diff + traces - 2 * (s1 @ s2).trace().sqrt()),
    }


@single_threaded
def _fid_judge(probes: list[Probe], results: list[dict]) -> None:
    name = "frechet_distance"
    for probe, result in zip(probes, results):
        value = result["value"]
        if value["kind"] == "complex":
            raise CheckFailure(
                f"`{name}` returned a complex number ({probe.label}). scipy.linalg.sqrtm of sigma1 @ sigma2 can carry "
                "tiny imaginary parts (rounding, singular covariances): keep the real part (.real) before the trace.")
        expect(value["kind"] == "float", f"`{name}`: " + _FLOAT_RESULT.format(kind=value["type"]))
        got = value["value"]
        expect(got == got and abs(got) != float("inf"),
               f"`{name}` is not finite ({probe.label}). With singular covariances sigma1 @ sigma2 has eigenvalues that "
               "are zero up to rounding, sometimes slightly negative: clamp them at 0 before a square root (or use "
               "scipy.linalg.sqrtm and keep .real). np.sqrt / torch.sqrt of a matrix are elementwise, not matrix roots.")
    for probe, result in zip(probes, results):
        args, got = probe.payload["args"], result["value"]["value"]
        scale = _fid_scale(args)
        singular = "singular" in probe.label
        atol = (FID_SINGULAR_SCALE_ATOL if singular else FID_SCALE_ATOL) * scale
        expected = frechet_distance(*args)
        if abs(got - expected) <= atol + FID_RTOL * abs(expected):
            continue
        for mistake, wrong in _fid_mistakes(args).items():
            if abs(got - wrong) <= atol + FID_RTOL * abs(wrong):
                raise CheckFailure(f"`{name}` gives a wrong value ({probe.label}): {mistake}")
        if probe.label == "the same statistics twice":
            raise CheckFailure(f"`{name}` is not 0 for two identical sets of statistics: the distance of a "
                               "distribution to itself must vanish.")
        if singular:
            raise CheckFailure(f"`{name}` is wrong for {probe.label}: product eigenvalues that are 0 up to rounding "
                               "must contribute 0. Clamp negative eigenvalues at 0, or keep only the real part of sqrtm.")
        raise CheckFailure(f"`{name}` gives a wrong value ({probe.label}): compute ||mu1 - mu2||^2 + Tr(sigma1) + "
                           "Tr(sigma2) - 2 Tr((sigma1 @ sigma2)^(1/2)) with a MATRIX square root.")


# --- kernel_inception_distance -----------------------------------------------------------


@single_threaded
def _kid_probes(g: torch.Generator) -> list[Probe]:
    def feats(n: int, d: int, *, shift: float = 0.0, scale: float = 1.0) -> torch.Tensor:
        return (torch.randn(n, d, generator=g, dtype=torch.float64) * scale + shift).abs()  # (n, d), like ReLU features

    cases = [
        ("numpy float64 features, n != m", (feats(24, 16), feats(40, 16, shift=0.3, scale=1.2)), "numpy"),
        ("torch float32 features", (feats(30, 8), feats(20, 8, scale=1.5)), "float32"),
        ("two samples of the same distribution", (feats(25, 12), feats(35, 12)), "float64"),
        ("one feature dimension", (feats(15, 1), feats(10, 1, shift=0.5)), "float64"),
        ("many features", (feats(12, 64), feats(18, 64, shift=0.2)), "float32"),
    ]
    return [Probe("a05.metric", {"args": _convert(values, to)}, label) for label, values, to in cases]


def _kid_mistakes(x: torch.Tensor, y: torch.Tensor) -> dict[str, Callable[[], float]]:
    d = x.shape[1]

    def mmd(k: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], unbiased: bool = True) -> float:
        kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
        return float(mmd2_unbiased(kxx, kyy, kxy) if unbiased else kxx.mean() + kyy.mean() - 2 * kxy.mean())

    return {
        "it includes the diagonal terms k(x_i, x_i) and k(y_j, y_j): that is the BIASED estimator. Average the "
        "within-set kernels over pairs i != j only (divide by n(n - 1)).": lambda: mmd(polynomial_kernel, False),
        "the kernel's degree is wrong: KID uses the cubic kernel (x.y / d + 1)^3.":
            lambda: mmd(lambda a, b: polynomial_kernel(a, b, degree=2)),
        "the kernel does not divide x.y by the feature dimension d.": lambda: mmd(lambda a, b: polynomial_kernel(a, b, gamma=1.0)),
        "the kernel divides x.y by sqrt(d) instead of d.": lambda: mmd(lambda a, b: polynomial_kernel(a, b, gamma=d ** -0.5)),
        "the kernel misses the + 1 inside the cube.": lambda: mmd(lambda a, b: polynomial_kernel(a, b, coef0=0.0)),
        "the cross term is not doubled: MMD^2 = E k(x, x') + E k(y, y') - 2 E k(x, y).":
            lambda: float(mmd2_unbiased(polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y) / 2)),
    }


@single_threaded
def _kid_judge(probes: list[Probe], results: list[dict]) -> None:
    name = "kernel_inception_distance"
    for probe, result in zip(probes, results):
        value = result["value"]
        expect(value["kind"] == "float", f"`{name}`: " + _FLOAT_RESULT.format(kind=value["type"]))
        got = value["value"]
        expect(got == got and abs(got) != float("inf"), f"`{name}` is not finite ({probe.label}).")
    for probe, result in zip(probes, results):
        x, y = (as_float64(a) for a in probe.payload["args"])
        got = result["value"]["value"]
        scale = float(polynomial_kernel(x, x).abs().mean() + polynomial_kernel(y, y).abs().mean())
        atol = KID_SCALE_ATOL * scale
        expected = kernel_inception_distance(x, y)
        if abs(got - expected) <= atol + KID_RTOL * abs(expected):
            continue
        for mistake, wrong in _kid_mistakes(x, y).items():
            w = wrong()
            if abs(got - w) <= atol + KID_RTOL * abs(w):
                raise CheckFailure(f"`{name}` gives a wrong value ({probe.label}): {mistake}")
        raise CheckFailure(
            f"`{name}` gives a wrong value ({probe.label}). With k(x, y) = (x.y / d + 1)^3: the mean of k over pairs "
            "i != j within the real features, plus the same within the fake features, minus twice the mean of k over "
            "all n * m real-fake pairs. The two sets can have different sizes.")


def frechet_distance_check(assignment: str) -> Check:
    """The :class:`Check` of ``frechet_distance`` for ``assignment``."""
    return Check(assignment, "frechet_distance", _fid_probes, _fid_judge,
                 description="FID of two Gaussians: real and finite, numpy and torch, singular covariances")


def kernel_inception_distance_check(assignment: str) -> Check:
    """The :class:`Check` of ``kernel_inception_distance`` for ``assignment``."""
    return Check(assignment, "kernel_inception_distance", _kid_probes, _kid_judge,
                 description="unbiased MMD^2 with the cubic polynomial kernel")


__all__ = ["frechet_distance_check", "kernel_inception_distance_check"]
