"""Grader side of a check: draw probes, judge the plain results a harness returned.

A :class:`Check` for one graded function knows (1) which probes to run, drawn fresh from
a seed the grader chooses, and (2) how to judge the results against the reference
implementation in :mod:`gan_course`. Judging happens in the grader's process; the student's
code only ever runs inside the harness (in the sandbox, or in the notebook's kernel when a
hidden test cell calls :func:`gan_course.course.checks.check`).

On failure a check raises :class:`CheckFailure` whose message says what is wrong and how to
think about it, without printing the expected answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

import torch


MAX_JUDGED_ELEMENTS = 4 * 1024 * 1024  # a student tensor compared in float64 (the grader's replies hold no more)


class CheckFailure(AssertionError):
    """A check failed; the message is written for the student."""


@dataclass(frozen=True)
class Probe:
    """One call of a harness function (``"<module>.<name>"`` in :mod:`gan_course.course.harness`)."""

    harness: str
    payload: Any
    label: str = ""


class Runner(Protocol):
    """Runs probes of one student function and returns one plain result dict per probe
    (see :func:`gan_course.course.harness.run_probe`)."""

    def run(self, function: str, probes: Sequence[Probe]) -> list[dict]: ...


@dataclass
class Check:
    """How to grade one function: ``make_probes(generator) -> probes`` and
    ``judge(probes, results)`` which raises :class:`CheckFailure`.

    ``timeout`` is the wall-clock budget (seconds) for all probes of this function.
    """

    assignment: str
    function: str
    make_probes: Callable[[torch.Generator], list[Probe]]
    judge: Callable[[list[Probe], list[dict]], None]
    timeout: float = 10.0
    description: str = ""
    extra: dict = field(default_factory=dict)

    def probes(self, seed: int) -> list[Probe]:
        return self.make_probes(torch.Generator().manual_seed(seed))

    def run(self, runner: Runner, *, seed: int) -> None:
        """Run every probe through ``runner`` and judge; raises CheckFailure on failure."""
        probes = self.probes(seed)
        results = runner.run(self.function, probes)
        for probe, result in zip(probes, results):
            raise_for_error(self.function, probe, result)
        self.judge(probes, results)


def raise_for_error(function: str, probe: Probe, result: dict) -> None:
    """Turn a harness error result into a teaching CheckFailure."""
    if result.get("ok"):
        return
    kind = result.get("kind")
    if kind == "missing":
        raise CheckFailure(f"`{function}` is not defined. Run its cell, and keep the function's name and signature as given.")
    if kind == "not_implemented":
        raise CheckFailure(f"`{function}` still raises NotImplementedError: replace the placeholder with your implementation.")
    where = f" ({probe.label})" if probe.label else ""
    raise CheckFailure(
        f"`{function}` raised {result.get('type', 'an exception')}{where}: {result.get('message', '')}".rstrip()
        + "\nRead the error from the bottom up: which line of your function raised it, and with what shapes?"
    )


# --- judging helpers -------------------------------------------------------------------


def value_of(result: dict) -> Any:
    """The returned value of a ``common.call`` probe (a tensor or a Python value)."""
    described = result["value"]["result"]
    return described["tensor"] if "tensor" in described else described["python"]


def draw_seed(g: torch.Generator) -> int:
    """A seed for a probe (a harness's own generator, a model's weights), drawn from the check's generator."""
    return int(torch.randint(0, 2**31 - 1, (1,), generator=g))


def python_float(result: dict, name: str, what: str) -> float:
    """The returned value of a ``common.call`` probe, which must be a Python float (``what`` it is)."""
    described = result["value"]["result"]
    expect("tensor" not in described and isinstance(described.get("python"), float),
           f"`{name}` must return {what} as a Python float (use .item() or float()), got a {described.get('type', 'Tensor')}.")
    return described["python"]


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailure(message)


def expect_close(actual: Any, expected: Any, message: str, *, rtol: float = 1e-4, atol: float = 1e-5) -> None:
    """Raise ``message`` unless ``actual`` matches ``expected`` (never prints the expectation)."""
    if isinstance(actual, torch.Tensor) and (actual.numel() > MAX_JUDGED_ELEMENTS or isinstance(expected, torch.Tensor) and actual.numel() != expected.numel()):
        raise CheckFailure(message)  # checked before float64 materialises it (stride-0 views included)
    try:
        a = torch.as_tensor(actual, dtype=torch.float64)
        e = torch.as_tensor(expected, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        raise CheckFailure(message) from None
    if a.shape != e.shape and a.numel() == e.numel() == 1:
        a, e = a.reshape(()), e.reshape(())
    if a.shape != e.shape or not torch.isfinite(a).all() or not torch.allclose(a, e, rtol=rtol, atol=atol):
        raise CheckFailure(message)


def expect_scalar_tensor(result: dict, function: str) -> torch.Tensor:
    """The result must be a 0-dim floating tensor that carries a gradient graph."""
    described = result["value"]["result"]
    expect("tensor" in described, f"`{function}` must return a torch tensor (a 0-dim loss), not a {described.get('type')}.")
    tensor = described["tensor"]
    expect(
        tensor.dim() == 0,
        f"`{function}` must return a 0-dim tensor (one number for the whole batch), got shape {tuple(tensor.shape)}. "
        "Average over the batch with .mean() so the loss does not grow with the batch size.",
    )
    expect(torch.is_floating_point(tensor), f"`{function}` must return a floating-point tensor.")
    return tensor


def close(actual, expected, *, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    """Whether ``actual`` matches ``expected`` (finite, same shape up to a scalar)."""
    try:
        expect_close(actual, expected, "", rtol=rtol, atol=atol)
    except CheckFailure:
        return False
    return True


KS_C = 3.0  # Kolmogorov-Smirnov tests allow KS_C / sqrt(n): P(false failure) ~ 2 exp(-2 KS_C^2) ~ 3e-8


def ks_distance(samples: torch.Tensor, cdf) -> float:
    """Kolmogorov-Smirnov distance between the empirical distribution of ``samples`` and ``cdf``."""
    x, _ = torch.sort(samples.double().flatten())
    n = x.numel()
    f = cdf(x)
    ranks = torch.arange(1, n + 1, dtype=torch.float64)
    return float(torch.maximum(ranks / n - f, f - (ranks - 1) / n).max())
