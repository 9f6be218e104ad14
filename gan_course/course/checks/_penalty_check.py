"""Hidden check of assignment 04's ``gradient_penalty(critic, real, fake, weight=10.0, eps=None)``.

WGAN-GP, Gulrajani et al. 2017, "Improved Training of Wasserstein GANs",
https://arxiv.org/abs/1704.00028, algorithm 1: x_hat = eps * real + (1 - eps) * fake with
eps ~ U(0, 1) per sample, penalty = weight * mean((||grad_x critic(x_hat)||_2 - 1)^2).

The harness hands the student a recording critic, so the judge sees every batch the critic
was called on. From x_hat it recovers the eps of each sample (x_hat must lie on the segment
between real_i and fake_i, one eps per sample), checks those eps (the given ones, or U(0, 1)
statistics when eps=None), and recomputes the reference penalty with
:func:`gan_course.losses.gradient_penalty` at exactly those eps, in float64. Gradients of
the result with respect to the critic's parameters catch a missing ``create_graph=True``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from gan_course.course.harness.a04 import build_model, load_model
from gan_course.course.harness.common import seeded
from gan_course.losses import GP_WEIGHT, gradient_penalty

from ._loss_checks import single_threaded
from .base import Check, CheckFailure, Probe, draw_seed, expect, expect_scalar_tensor

NAME = "gradient_penalty"
CRITIC_GAIN = 1.7  # critic weights ~ N(0, gain^2 / fan_in): gradient norms clearly away from 1
STATS_BATCH = 256  # samples in the eps-statistics probe
KS_LIMIT = 0.17  # Kolmogorov-Smirnov distance to U(0, 1) for 256 samples: P(false alarm) < 1e-6
VALUE_RTOL = 1e-3
SEGMENT_ATOL = 1e-5  # how far (relative to the data) x_hat may lie off the real-fake segment
WITH_PARAM_GRADS = ("a conv critic on images", "an MLP critic on points (B, D)")

# label -> (critic, input shape, dtype, how weight and eps are passed)
_CASES = {
    "a critic with zero gradient, default weight and eps": ("constant", (6, 1, 4, 4), torch.float32, "none"),
    "a critic with zero gradient, weight=3.5": ("constant", (6, 3), torch.float32, "weight positional"),
    "a linear critic on images": ("linear", (5, 2, 3, 3), torch.float32, "eps keyword"),
    "a conv critic on images": ("conv", (6, 2, 4, 4), torch.float32, "weight and eps keywords"),
    "an MLP critic on points (B, D)": ("mlp", (7, 5), torch.float32, "weight and eps positional"),
    "float64 inputs": ("mlp", (6, 3), torch.float64, "eps keyword"),
    "eps drawn by your function (statistics)": ("conv", (STATS_BATCH, 1, 3, 3), torch.float32, "none"),
}


def _critic_state(kind: str, shape: list[int], g: torch.Generator) -> dict:
    with seeded(0):
        model = build_model(kind, shape)
    state = {}
    for key, tensor in model.state_dict().items():
        if tensor.dim() >= 2:
            state[key] = torch.randn(tensor.shape, generator=g) * CRITIC_GAIN / math.sqrt(tensor[0].numel())
        else:
            state[key] = torch.randn(tensor.shape, generator=g) * 0.3
    return state


def _given_eps(batch: int, g: torch.Generator, dtype: torch.dtype) -> torch.Tensor:
    """eps away from 0.5, so that swapping real and fake is visible: (B,)."""
    eps = 0.05 + 0.3 * torch.rand(batch, generator=g)
    flip = torch.rand(batch, generator=g) < 0.5
    return torch.where(flip, 1 - eps, eps).to(dtype)


@single_threaded
def _probes(g: torch.Generator) -> list[Probe]:
    probes = []
    for label, (kind, shape, dtype, style) in _CASES.items():
        batch, sample_shape = shape[0], list(shape[1:])
        real = torch.randn(shape, generator=g).to(dtype)
        fake = (torch.randn(shape, generator=g) + 0.5).to(dtype)
        eps = _given_eps(batch, g, dtype)
        args, kwargs = {
            "none": ([], {}),
            "weight positional": ([3.5], {}),
            "eps keyword": ([], {"eps": eps}),
            "weight and eps keywords": ([], {"weight": 2.0, "eps": eps}),
            "weight and eps positional": ([10.0, eps], {}),
        }[style]
        payload = {"model": kind, "shape": sample_shape, "state": _critic_state(kind, sample_shape, g),
                   "dtype": str(dtype).removeprefix("torch."),
                   "real": real, "fake": fake, "args": args, "kwargs": kwargs,
                   "seed": draw_seed(g)}
        probes.append(Probe("a04.gradient_penalty", payload, label))
    return probes


def _weight_and_eps(payload: dict) -> tuple[float, torch.Tensor | None]:
    args, kwargs = payload["args"], payload["kwargs"]
    weight = args[0] if args else kwargs.get("weight", GP_WEIGHT)
    eps = args[1] if len(args) > 1 else kwargs.get("eps")
    return weight, eps


# --- what the critic saw -----------------------------------------------------------------


def _recover_eps(probe: Probe, result: dict) -> torch.Tensor:
    """The eps of each sample, from the x_hat the critic saw; raises when x_hat is not
    eps_i * real_i + (1 - eps_i) * fake_i. Returns (B,) float64."""
    real, fake, seen = probe.payload["real"], probe.payload["fake"], result["value"]["seen"]
    batch = real.shape[0]
    expect(len(seen) > 0, f"`{NAME}` never called the critic: evaluate critic(x_hat) and differentiate its scores.")
    expect(all(s.shape[1:] == real.shape[1:] for s in seen),
           f"`{NAME}` called the critic on a batch whose samples do not have the shape of `real` ({probe.label}): "
           "x_hat must have the shape of real and fake.")
    x_hat = torch.cat(seen)
    if x_hat.shape[0] != batch:
        chunks = x_hat.split(batch) if x_hat.shape[0] % batch == 0 else []
        expect(bool(chunks) and all(torch.equal(c, chunks[0]) for c in chunks),
               f"`{NAME}` should call the critic on the interpolated batch x_hat (one row per sample; {probe.label}); "
               "it saw a different number of samples.")
        x_hat = chunks[0]
    diff = (real - fake).flatten(start_dim=1).double()  # (B, n)
    offset = (x_hat - fake).flatten(start_dim=1).double()  # (B, n)
    eps = (offset * diff).sum(dim=1) / (diff * diff).sum(dim=1)  # (B,) least squares
    residual = offset - eps[:, None] * diff
    scale = 1 + float(torch.cat([real.abs().flatten(), fake.abs().flatten()]).max())
    tolerance = SEGMENT_ATOL * scale  # float32 rounding of eps and 1 - eps; a per-pixel eps is off by O(1)
    expect(float(residual.abs().max()) <= tolerance,
           f"`{NAME}`: the critic saw points that are not on the segments between real and fake with ONE eps per sample "
           f"({probe.label}). x_hat_i = eps_i * real_i + (1 - eps_i) * fake_i, with eps of shape (B, 1, ..., 1) "
           "broadcast over the other dims; torch.rand_like(real) draws one eps per pixel instead.")
    return eps


def _judge_eps(probe: Probe, eps: torch.Tensor) -> None:
    _, given = _weight_and_eps(probe.payload)
    if given is not None:
        if torch.allclose(eps, given.double(), atol=1e-4):
            return
        if torch.allclose(eps, 1 - given.double(), atol=1e-4):
            raise CheckFailure(f"`{NAME}` swaps real and fake ({probe.label}): with eps given, x_hat = eps * real + "
                               "(1 - eps) * fake, so eps = 1 gives the real sample.")
        raise CheckFailure(f"`{NAME}` does not interpolate with the eps it is given ({probe.label}): when eps is passed, "
                           "use it (reshaped to (B, 1, ..., 1)) instead of drawing a new one.")
    expect(bool((eps >= -1e-5).all() and (eps <= 1 + 1e-5).all()),
           f"`{NAME}` with eps=None drew mixing weights outside [0, 1] ({probe.label}): eps ~ U(0, 1) is torch.rand, "
           "not torch.randn.")
    expect(float(eps.std()) > 1e-6,
           f"`{NAME}` with eps=None used the same eps for the whole batch ({probe.label}): draw one eps per sample, "
           "torch.rand(B, 1, ..., 1).")
    if eps.numel() >= STATS_BATCH:
        sorted_eps = eps.clamp(0, 1).sort().values
        n = sorted_eps.numel()
        ranks = torch.arange(1, n + 1, dtype=torch.float64)
        distance = torch.maximum(ranks / n - sorted_eps, sorted_eps - (ranks - 1) / n).max()
        expect(float(distance) < KS_LIMIT,
               f"`{NAME}` with eps=None: over {n} samples the eps do not look uniform on [0, 1]. Draw them with "
               "torch.rand (uniform), one per sample.")


# --- values ------------------------------------------------------------------------------


def _variants(critic, x_hat: torch.Tensor, weight: float) -> dict[str, torch.Tensor]:
    """Known wrong penalties at the student's own x_hat, for a specific diagnosis."""
    x = x_hat.detach().double().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x).sum(), x)  # (B, ...)
    norms = grad.flatten(start_dim=1).norm(dim=1)  # (B,)
    batch = x.shape[0]
    return {
        "one norm over the whole batch: the norm must be taken per sample, over all non-batch dims "
        "(grad.flatten(1).norm(dim=1), or view(B, -1)).": weight * (grad.norm() - 1) ** 2,
        "a norm over the last dimension only: flatten every non-batch dim first (grad.flatten(1).norm(dim=1)).":
            weight * ((grad.norm(dim=-1) - 1) ** 2).mean(),
        "gradients of the MEAN of the scores: differentiate scores.sum() (or pass grad_outputs=ones_like(scores)), "
        "otherwise every gradient is divided by the batch size.": weight * ((norms / batch - 1) ** 2).mean(),
        "the squared norm: the penalty uses the L2 norm itself, (||g|| - 1)^2.": weight * ((norms ** 2 - 1) ** 2).mean(),
        "a one-sided penalty: WGAN-GP penalises norms below 1 too, (||g|| - 1)^2.": weight * (F.relu(norms - 1) ** 2).mean(),
        "a sum over the batch: average (||g|| - 1)^2 over the samples.": weight * ((norms - 1) ** 2).sum(),
        "(||g|| - 1) without the square.": weight * (norms - 1).mean(),
        "|(||g|| - 1)| instead of its square.": weight * (norms - 1).abs().mean(),
        "a penalty without the factor `weight` (check its default in the signature too).": ((norms - 1) ** 2).mean(),
        "a fixed weight: use the `weight` argument.": GP_WEIGHT * ((norms - 1) ** 2).mean(),
    }


def _close(actual: torch.Tensor, expected: torch.Tensor, weight: float) -> bool:
    a, e = actual.double().reshape(()), expected.detach().double().reshape(())
    return bool(torch.isfinite(a)) and bool(torch.allclose(a, e, rtol=VALUE_RTOL, atol=1e-6 * (1 + abs(weight))))


def _generic_message(label: str) -> str:
    if label.startswith("a critic with zero gradient"):
        return (f"`{NAME}` is wrong for a critic whose gradient is zero everywhere ({label}): every norm is then 0, so "
                "the penalty equals `weight` itself. Check the factor `weight` (and its default in the signature) and "
                "the mean of (norm - 1)^2.")
    return (f"`{NAME}` gives a wrong value ({label}). Differentiate critic(x_hat).sum() with respect to x_hat, take "
            "the L2 norm of each sample's gradient over all non-batch dims, then weight * mean((norm - 1)^2).")


def _judge_value(probe: Probe, result: dict, eps: torch.Tensor, critic) -> None:
    weight, _ = _weight_and_eps(probe.payload)
    loss = result["value"]["result"]["tensor"]
    real, fake = probe.payload["real"].double(), probe.payload["fake"].double()
    expected = gradient_penalty(critic, real, fake, weight, eps=eps)
    if _close(loss, expected, weight):
        return
    x_hat = eps.view(-1, *[1] * (real.dim() - 1)) * real + (1 - eps.view(-1, *[1] * (real.dim() - 1))) * fake
    for mistake, value in _variants(critic, x_hat, weight).items():
        if _close(loss, value, weight):
            raise CheckFailure(f"`{NAME}` gives a wrong value ({probe.label}); it matches {mistake}")
    raise CheckFailure(_generic_message(probe.label))


def _judge_param_grads(probe: Probe, result: dict, eps: torch.Tensor, critic) -> None:
    value = result["value"]
    grads = value["param_grads"]
    expect(value["grad_error"] is None and grads is not None and any(g is not None and bool(g.abs().sum() > 0) for g in grads),
           f"`{NAME}` is not differentiable with respect to the critic's parameters ({probe.label}), yet the critic is "
           "trained on it: call torch.autograd.grad(..., create_graph=True) and keep the gradient in the graph "
           "(no .detach(), no .item()).")
    weight, _ = _weight_and_eps(probe.payload)
    real, fake = probe.payload["real"].double(), probe.payload["fake"].double()
    wanted = torch.autograd.grad(gradient_penalty(critic, real, fake, weight, eps=eps), list(critic.parameters()), allow_unused=True)
    for got, want in zip(grads, wanted):
        want = torch.zeros(()) if want is None else want
        got = torch.zeros_like(want) if got is None else got.double()
        if not torch.allclose(got, want, rtol=1e-3, atol=1e-5 * (1 + float(want.abs().max()))):
            raise CheckFailure(f"`{NAME}` has the right value but wrong gradients with respect to the critic's parameters "
                               f"({probe.label}): build x_hat from detached real and fake, and keep every step after "
                               "the critic call inside the autograd graph (create_graph=True).")


@single_threaded
def _judge(probes: list[Probe], results: list[dict]) -> None:
    for probe, result in zip(probes, results):
        expect_scalar_tensor(result, NAME)
        expect(not any(result["value"]["grads_left"]),
               f"`{NAME}` left gradients in the critic's parameters ({probe.label}): return the penalty and let the "
               "training step call backward(); do not call .backward() inside.")
    eps_by_label = {probe.label: _recover_eps(probe, result) for probe, result in zip(probes, results)}
    for probe in probes:
        _judge_eps(probe, eps_by_label[probe.label])
    for probe, result in zip(probes, results):
        critic = load_model({**probe.payload, "dtype": "float64"})
        eps = eps_by_label[probe.label]
        _judge_value(probe, result, eps, critic)
        if probe.label in WITH_PARAM_GRADS:
            _judge_param_grads(probe, result, eps, critic)
        if probe.payload["dtype"] == "float64":
            expect(result["value"]["result"]["dtype"] == "torch.float64",
                   f"`{NAME}` should keep the inputs' dtype (float64 in, float64 out): draw eps with dtype=real.dtype.")


def gradient_penalty_check(assignment: str) -> Check:
    """The :class:`Check` of ``gradient_penalty`` for ``assignment``."""
    return Check(assignment, NAME, _probes, _judge,
                 description="WGAN-GP: per-sample eps, per-sample gradient norms, differentiable w.r.t. the critic")


__all__ = ["gradient_penalty_check"]
