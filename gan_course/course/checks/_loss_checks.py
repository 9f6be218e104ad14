"""A generic hidden check for a GAN loss on raw network outputs (COURSE.md conventions).

Every loss of assignments 04 and 05 is a pure function of one or two batches of scores
that returns a 0-dim tensor, averages over the batch, accepts (B,) and (B, 1) inputs,
keeps the inputs' dtype, stays finite for outputs of magnitude 100, and is differentiable.
:func:`loss_check` builds the probes for those properties (plus one per optional argument,
given and left to its default) and a judge that compares values and gradients with the
reference in :mod:`gan_course.losses`. When a value is wrong, the judge first tries the
function's known mistakes (``diagnoses``) so the most specific message fires.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, TypeVar

import torch

from gan_course.course.harness.common import seeded

from .base import Check, CheckFailure, Probe, expect, expect_close, expect_scalar_tensor

T = TypeVar("T")
LARGE_OUTPUT = 100.0  # COURSE.md: losses must be finite for outputs of magnitude 100
REPEATS = 4  # the "repeated batch" probe: a sum grows 4x, a mean does not
VALUE_RTOL, VALUE_ATOL = 1e-4, 1e-5


@dataclass(frozen=True)
class Diagnosis:
    """A known wrong formula and the message that explains it."""

    formula: Callable[..., torch.Tensor]
    message: str


@dataclass
class LossSpec:
    """What :func:`loss_check` needs to know about one loss.

    ``arity`` is 1 (fake only) or 2 (real, fake). ``options`` maps an optional argument's
    name to ``(default, given)``: one probe calls without it, one passes ``given``.
    ``messages`` may override the generic message of any probe label.
    """

    assignment: str
    function: str
    reference: Callable[..., torch.Tensor]
    arity: int
    formula: str
    options: dict[str, tuple[float, float]] = field(default_factory=dict)
    diagnoses: list[Diagnosis] = field(default_factory=list)
    messages: dict[str, str] = field(default_factory=dict)


def _call(args: list, kwargs: dict | None = None, *, label: str) -> Probe:
    grad_of = [i for i, a in enumerate(args) if isinstance(a, torch.Tensor)]
    return Probe("common.call", {"args": list(args), "kwargs": dict(kwargs or {}), "grad_of": grad_of}, label)


def _make_probes(spec: LossSpec) -> Callable[[torch.Generator], list[Probe]]:
    def make(g: torch.Generator) -> list[Probe]:
        n = spec.arity
        batches = [torch.randn(12, generator=g) * 3 for _ in range(n)]
        big = torch.tensor([LARGE_OUTPUT, -LARGE_OUTPUT, LARGE_OUTPUT, -LARGE_OUTPUT, 0.5])
        large = [big, -big.flip(0)][:n]  # real pushed up, fake pushed down (or fake alone)
        probes = [
            _call(batches, label="default arguments"),
            _call([b.repeat(REPEATS) for b in batches], label="a repeated batch"),
            _call([b.unsqueeze(1) for b in batches], label="(B, 1) inputs"),
            _call(large, label="outputs of magnitude 100"),
            _call([b.double() for b in batches], label="float64 inputs"),
        ]
        if n == 2:
            probes.append(_call([torch.randn(5, generator=g) * 2, torch.randn(9, generator=g) * 2], label="batches of different sizes"))
        for name, (_default, given) in spec.options.items():
            probes.append(_call(batches, {name: given}, label=f"{name}={given}"))
            probes.append(_call([b.unsqueeze(1) for b in batches], {name: given}, label=f"{name}={given}, (B, 1) inputs"))
        return probes

    return make


def _generic_message(spec: LossSpec, label: str) -> str:
    name = spec.function
    if label in spec.messages:
        return spec.messages[label]
    if label == "default arguments":
        defaults = ", ".join(f"{k}={d}" for k, (d, _) in spec.options.items())
        extra = f" Called without optional arguments, the defaults ({defaults}) apply." if defaults else ""
        return f"`{name}` gives a wrong value. It should be {spec.formula}, on the raw scores (no sigmoid).{extra}"
    if label == "(B, 1) inputs" or label.endswith("(B, 1) inputs"):
        return (f"`{name}` gives a different value for inputs of shape (B, 1) than for (B,). Build any target with the "
                "inputs' own shape (torch.full_like / ones_like), and never mix a (B,) and a (B, 1) tensor: "
                "broadcasting them gives a (B, B) matrix.")
    if label == "outputs of magnitude 100":
        return f"`{name}` is wrong for outputs of magnitude 100. It should be {spec.formula}; use the raw scores as they are."
    if label == "float64 inputs":
        return f"`{name}` is wrong for float64 inputs: compute everything from the inputs (same dtype and device)."
    if label == "batches of different sizes":
        return (f"`{name}` must average each term over its own batch: the real and fake batches can have "
                "different sizes, so take each mean separately.")
    option = label.split("=")[0]
    return f"`{name}` gives a wrong value when `{option}` is passed explicitly: use the argument you are given, not a fixed number."


def _judge(spec: LossSpec) -> Callable[[list[Probe], list[dict]], None]:
    name = spec.function

    def judge(probes: list[Probe], results: list[dict]) -> None:
        by_label = {p.label: (p, r) for p, r in zip(probes, results)}
        losses = {p.label: expect_scalar_tensor(r, name) for p, r in zip(probes, results)}
        for probe, result in zip(probes, results):
            expect(result["value"]["result"]["requires_grad"],
                   f"`{name}` must stay differentiable: build it from torch operations on the scores, without .item(), "
                   "float() or numpy.")
        # the most specific diagnosis first: a sum grows with the batch, a mean does not
        single, repeated = losses["default arguments"], losses["a repeated batch"]
        expected_single = spec.reference(*by_label["default arguments"][0].payload["args"])
        if not torch.allclose(repeated.double(), single.double(), rtol=1e-4, atol=1e-6) and torch.allclose(
            repeated.double(), REPEATS * single.double(), rtol=1e-4, atol=1e-6
        ) and abs(float(expected_single)) > 1e-3:
            raise CheckFailure(f"`{name}` grows when the same batch is repeated: average over the batch with .mean(), do not sum.")
        big = losses["outputs of magnitude 100"]
        big_grads = by_label["outputs of magnitude 100"][1]["value"]["grads"]
        expect(bool(torch.isfinite(big)) and all(g is not None and bool(torch.isfinite(g).all()) for g in big_grads),
               f"`{name}` is not finite (or has non-finite gradients) for outputs of magnitude 100: "
               "work with the raw scores directly; no exp, sigmoid or log is needed here.")
        for probe, result in zip(probes, results):
            args, kwargs = probe.payload["args"], probe.payload["kwargs"]
            loss = losses[probe.label]
            expected = spec.reference(*args, **kwargs)
            if not _close(loss, expected):
                for diagnosis in spec.diagnoses:
                    if _close(loss, diagnosis.formula(*args, **kwargs)):
                        raise CheckFailure(f"`{name}` gives a wrong value ({probe.label}). {diagnosis.message}")
                raise CheckFailure(_generic_message(spec, probe.label))
            if probe.label == "float64 inputs":
                expect(result["value"]["result"]["dtype"] == "torch.float64",
                       f"`{name}` should keep the inputs' dtype (float64 in, float64 out): avoid .float() and "
                       "tensors created without dtype=... from the inputs.")
            grads = result["value"]["grads"]
            expect(all(g is not None for g in grads),
                   f"`{name}` must be differentiable with respect to every batch of scores it takes ({probe.label}).")
            leaves = [a.detach().clone().requires_grad_(True) for a in args]
            wanted = torch.autograd.grad(spec.reference(*leaves, **kwargs), leaves)
            for got, want in zip(grads, wanted):
                expect_close(got, want, f"`{name}` has the right value but wrong gradients ({probe.label}). "
                             "Did you detach something, or compute part of the loss outside torch?",
                             rtol=1e-4, atol=1e-6)

    return judge


def _close(actual: torch.Tensor, expected: torch.Tensor) -> bool:
    a, e = actual.detach().double().reshape(()), expected.detach().double().reshape(())
    return bool(torch.isfinite(a)) and bool(torch.allclose(a, e, rtol=VALUE_RTOL, atol=VALUE_ATOL))


def single_threaded(fn: Callable[..., T]) -> Callable[..., T]:
    """``fn`` run with one intra-op torch thread (restored after): probe builders and judges do
    many tiny tensor ops, which two threads on a busy machine slow down tens of times."""

    @functools.wraps(fn)
    def wrapped(*args, **kwargs) -> T:
        with seeded(None):
            return fn(*args, **kwargs)

    return wrapped


def loss_check(spec: LossSpec, *, timeout: float = 10.0) -> Check:
    """The :class:`Check` of the loss described by ``spec``."""
    return Check(spec.assignment, spec.function, single_threaded(_make_probes(spec)), single_threaded(_judge(spec)), timeout=timeout,
                 description=f"{spec.function}: {spec.formula}")


__all__ = ["Diagnosis", "LARGE_OUTPUT", "LossSpec", "loss_check", "single_threaded"]
