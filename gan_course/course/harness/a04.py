"""Sandbox harnesses of assignment 04 (WGAN, WGAN-GP, SNGAN).

Each harness builds the module a probe describes (an architecture named here plus a
state_dict from the grader), calls the student's function on it, and returns plain
measurements: values, the parameters after the call, the inputs a critic saw, gradients.
The architectures live here so that the grader can rebuild exactly the same modules.

Papers: Arjovsky et al. 2017 (WGAN, weight clipping), https://arxiv.org/abs/1701.07875;
Gulrajani et al. 2017 (WGAN-GP), https://arxiv.org/abs/1704.00028; Miyato et al. 2018
(spectral normalisation), https://arxiv.org/abs/1802.05957.

Runs next to student code: imports only the standard library and torch; no expected answers.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import torch
from torch import nn

from .common import ProbeSGD, _describe, seeded

SPECTRAL_NORM_FORWARDS = 12  # train-mode forward passes: one power iteration each


# --- architectures the grader can rebuild ------------------------------------------------


class ConstantCritic(nn.Module):
    """Scores that do not depend on x (gradient exactly zero everywhere): (B, ...) -> (B,)."""

    def __init__(self) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(start_dim=1).sum(dim=1) * 0.0 + self.bias  # (B,)


class TwoBranchNet(nn.Module):
    """A custom (non-Sequential) module with layers as attributes and in a ModuleList:
    (B, 6) -> (B,). Used to check that every layer inside, at any depth, is found."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(6, 12)
        self.blocks = nn.ModuleList([nn.Sequential(nn.LeakyReLU(0.2), nn.Linear(12, 12)), nn.LayerNorm(12)])
        self.head = nn.Linear(12, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(x)  # (B, 12)
        h = self.blocks[1](self.blocks[0](h))  # (B, 12)
        return self.head(torch.nn.functional.leaky_relu(h, 0.2)).flatten()  # (B,)


def build_model(kind: str, shape: list[int] | None = None) -> nn.Module:
    """The architecture called ``kind`` for inputs of non-batch shape ``shape``."""
    shape = list(shape or [])
    size = math.prod(shape) if shape else 0
    if kind == "constant":
        return ConstantCritic()
    if kind == "linear":  # (B, ...) -> (B,): gradient w everywhere
        return nn.Sequential(nn.Flatten(), nn.Linear(size, 1), nn.Flatten(0))
    if kind == "mlp":  # (B, D) -> (B,)
        return nn.Sequential(nn.Flatten(), nn.Linear(size, 16), nn.Tanh(), nn.Linear(16, 1), nn.Flatten(0))
    if kind == "conv":  # (B, C, H, W) -> (B,)
        channels, height, width = shape
        return nn.Sequential(
            nn.Conv2d(channels, 4, 3, padding=1), nn.Tanh(),  # (B, 4, H, W)
            nn.Flatten(), nn.Linear(4 * height * width, 1), nn.Flatten(0),  # (B,)
        )
    if kind == "clip_critic":  # (B, 1, 6, 6) -> (B,), with BatchNorm buffers that are not parameters
        return nn.Sequential(
            nn.Conv2d(1, 4, 3), nn.LeakyReLU(0.2),  # (B, 4, 4, 4)
            nn.Flatten(), nn.Linear(64, 8), nn.BatchNorm1d(8), nn.LeakyReLU(0.2),  # (B, 8)
            nn.Linear(8, 1), nn.Flatten(0),  # (B,)
        )
    if kind == "sn_convnet":  # (B, 3, 8, 8) -> (B,), nested Sequentials
        return nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.LeakyReLU(0.2),  # (B, 8, 8, 8)
            nn.Sequential(
                nn.Conv2d(8, 8, 4, stride=2, padding=1),  # (B, 8, 4, 4)
                nn.BatchNorm2d(8), nn.LeakyReLU(0.2),
                nn.ConvTranspose2d(8, 6, 4, stride=2, padding=1),  # (B, 6, 8, 8)
            ),
            nn.LeakyReLU(0.2), nn.Flatten(),  # (B, 384)
            nn.Linear(384, 16),  # (B, 16)
            nn.Sequential(nn.LeakyReLU(0.2), nn.Linear(16, 1)), nn.Flatten(0),  # (B,)
        )
    if kind == "sn_custom":  # (B, 6) -> (B,)
        return TwoBranchNet()
    raise ValueError(f"unknown architecture {kind!r}")


def load_model(payload: dict) -> nn.Module:
    """``build_model(payload["model"], payload["shape"])`` with ``payload["state"]`` loaded,
    in ``payload["dtype"]`` (a name such as ``"float64"``; float32 by default)."""
    with seeded(0):  # the constructors' own init is overwritten by the state_dict
        model = build_model(payload["model"], payload.get("shape"))
    model.load_state_dict(payload["state"])
    return model.to(getattr(torch, payload.get("dtype", "float32")))


class RecordingCritic(nn.Module):
    """Wraps a critic and records (detached copies of) every batch it is called on."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner
        self.seen: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(x.detach().clone())
        return self.inner(x)


def _call(fn: Callable[..., Any], first: Any, payload: dict) -> Any:
    return fn(first, *payload.get("args", []), **payload.get("kwargs", {}))


# --- harnesses ---------------------------------------------------------------------------


def clip_weights(fn: Callable[..., Any], payload: dict) -> dict:
    """``fn(critic, *args, **kwargs)`` on a rebuilt critic; the state after the call.

    Returns {"returned": described return value, "state_after": state_dict,
    "same_parameters": the critic still holds the very Parameter objects it had}.
    """
    critic = load_model(payload)
    for parameter in critic.parameters():  # as after a training step: the critic has gradients
        parameter.grad = torch.full_like(parameter, 0.5)
    before = [id(p) for p in critic.parameters()]
    with seeded(payload.get("seed")):
        returned = _call(fn, critic, payload)
    return {
        "returned": _describe(returned) if isinstance(returned, torch.Tensor) else {"type": type(returned).__name__, "is_none": returned is None},
        "state_after": {k: v.detach().clone() for k, v in critic.state_dict().items()},
        "same_parameters": [id(p) for p in critic.parameters()] == before,
    }


def gradient_penalty(fn: Callable[..., Any], payload: dict) -> dict:
    """``fn(critic, real, fake, *args, **kwargs)`` with a recording critic.

    Returns the described result, the batches the critic saw (``seen``), whether the call
    left gradients in the critic's parameters (it should not call backward itself), and the
    gradients of the result with respect to the critic's parameters (``param_grads``, one per
    parameter in ``named_parameters`` order, None where unused) or ``grad_error``.
    """
    with seeded(payload.get("seed")):
        return _gradient_penalty(fn, payload)


def _gradient_penalty(fn: Callable[..., Any], payload: dict) -> dict:
    critic = RecordingCritic(load_model(payload))
    real, fake = payload["real"].clone(), payload["fake"].clone()
    result = fn(critic, real, fake, *payload.get("args", []), **payload.get("kwargs", {}))
    params = list(critic.inner.parameters())
    out: dict = {
        "result": _describe(result),
        "seen": critic.seen,
        "grads_left": [p.grad is not None for p in params],
        "param_grads": None,
        "grad_error": None,
    }
    if isinstance(result, torch.Tensor) and result.numel() == 1:
        if not result.requires_grad:
            out["grad_error"] = "the result does not require grad"
        else:
            try:
                grads = torch.autograd.grad(result.sum(), params, allow_unused=True)
                out["param_grads"] = [None if g is None else g.detach() for g in grads]
            except RuntimeError as error:
                out["grad_error"] = str(error)[:500]
    return out


def add_spectral_norm(fn: Callable[..., Any], payload: dict) -> dict:
    """``fn(model)``; then every trainable weight of the layers at ``payload["rescale_paths"]``
    (``weight``, ``weight_orig`` or ``parametrizations.weight.original``) is multiplied by
    ``payload["rescale"]``, as training would change it; then forward passes in train mode
    (power iterations) and one in eval mode. Returns the effective ``weight`` and ``bias`` of
    the layers at ``payload["paths"]``.

    Reading ``layer.weight`` gives the normalised weight with both torch APIs
    (``torch.nn.utils.spectral_norm`` and ``torch.nn.utils.parametrizations.spectral_norm``).
    """
    with seeded(payload.get("seed")):
        return _add_spectral_norm(fn, payload)


def _add_spectral_norm(fn: Callable[..., Any], payload: dict) -> dict:
    model = load_model(payload)
    returned = fn(model)
    out: dict = {"returned_type": type(returned).__name__, "same_object": returned is model, "layers": {}}
    target = returned if isinstance(returned, nn.Module) else model
    x = payload["x"]
    with torch.no_grad():
        for path in payload.get("rescale_paths", []):  # as an optimizer step would: the trained weight changes
            try:
                layer = target.get_submodule(path)
            except AttributeError:
                continue
            for name, parameter in layer.named_parameters():
                if "bias" not in name:
                    parameter.mul_(payload["rescale"])
        target.train()
        for _ in range(payload.get("forwards", SPECTRAL_NORM_FORWARDS)):
            target(x)
        target.eval()
        target(x)
        for path in payload["paths"]:
            try:
                layer = target.get_submodule(path)
            except AttributeError:
                out["layers"][path] = None
                continue
            weight, bias = getattr(layer, "weight", None), getattr(layer, "bias", None)
            out["layers"][path] = {
                "type": type(layer).__name__,
                "weight": weight.detach().clone() if isinstance(weight, torch.Tensor) else None,
                "bias": bias.detach().clone() if isinstance(bias, torch.Tensor) else None,
            }
    return out


# --- critic_step -------------------------------------------------------------------------

STEP_LATENT_DIM = 3  # the probe's tiny generator: latent 3 -> 8 -> 2
STEP_HIDDEN = 8


def step_generator(latent_dim: int = STEP_LATENT_DIM) -> nn.Module:
    """The probe's generator: (B, latent_dim) -> (B, 2). No dropout or BatchNorm: deterministic."""
    return nn.Sequential(nn.Linear(latent_dim, STEP_HIDDEN), nn.LeakyReLU(0.2), nn.Linear(STEP_HIDDEN, 2))


class MidpointPenalty:
    """A stand-in penalty, ``weight * mean(critic(0.7 real + 0.3 fake)^2)``: differentiable in the
    critic's parameters, asymmetric in (real, fake). Records the batches it is called with."""

    def __init__(self, weight: float) -> None:
        self.weight = weight
        self.calls: list[dict] = []

    def __call__(self, critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        self.calls.append({"real": real.detach().clone(), "fake": fake.detach().clone(),
                           "fake_requires_grad": bool(getattr(fake, "requires_grad", False))})
        return self.weight * (critic(0.7 * real + 0.3 * fake) ** 2).mean()


def critic_step(fn: Callable[..., Any], payload: dict) -> dict:
    """``fn(critic, generator, opt_c, real, z, *args, **kwargs)`` with ``opt_c = SGD(critic, lr)``
    and stale gradients on both networks; ``payload["penalty"]`` (a weight or None) becomes a
    :class:`MidpointPenalty` passed as ``args[0]`` or ``kwargs["penalty"]``.

    payload: {"model": critic architecture, "shape", "state": critic state_dict, "g_state",
    "lr", "real": (B, 2), "z": (B, latent), "c_junk", "g_junk": stale gradients, "penalty",
    "penalty_as": "args" | "kwargs" | None, "args", "kwargs", "seed"}.
    Returns the described result, both networks' parameters and gradients after the call,
    their requires_grad flags, the inputs after the call, and the penalty's recorded calls.
    """
    with seeded(payload.get("seed")):
        critic = load_model(payload)
        with seeded(0):
            generator = step_generator(payload["z"].shape[1])
        generator.load_state_dict(payload["g_state"])
        for model, junk in ((critic, payload["c_junk"]), (generator, payload["g_junk"])):
            for parameter, stale in zip(model.parameters(), junk):
                parameter.grad = stale.clone()
        optimizer = ProbeSGD(critic.parameters(), lr=payload["lr"])
        real, z = payload["real"].clone(), payload["z"].clone()
        args, kwargs = list(payload.get("args", [])), dict(payload.get("kwargs", {}))
        penalty = None if payload.get("penalty") is None else MidpointPenalty(payload["penalty"])
        if payload.get("penalty_as") == "args":
            args.insert(0, penalty)
        elif payload.get("penalty_as") == "kwargs":
            kwargs["penalty"] = penalty
        result = fn(critic, generator, optimizer, real, z, *args, **kwargs)

    def grads(model: nn.Module) -> list:
        return [None if p.grad is None else p.grad.detach().clone() for p in model.parameters()]

    return {
        "result": _describe(result),
        "c_params": [p.detach().clone() for p in critic.parameters()],
        "g_params": [p.detach().clone() for p in generator.parameters()],
        "c_grads": grads(critic),
        "g_grads": grads(generator),
        "c_requires_grad": [bool(p.requires_grad) for p in critic.parameters()],
        "g_requires_grad": [bool(p.requires_grad) for p in generator.parameters()],
        "real_after": real.detach().clone(),
        "z_after": z.detach().clone(),
        "penalty_calls": [] if penalty is None else penalty.calls,
    }
