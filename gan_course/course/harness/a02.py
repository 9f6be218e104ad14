"""Sandbox-side harness of assignment 02 (a GAN for a 2D ring).

Runs the student's ``RingDataset``, ``make_generator`` / ``make_discriminator`` and the two
training steps on objects built here from plain payloads, and returns plain data: points,
the layers met during a forward pass (in call order), outputs, and parameters and gradients
after a step. ``energy_distance`` uses the generic :func:`.common.call`.

Also home of two helpers the other harness modules share: :func:`isolated_rng` (seeded,
and leaves the caller's torch / numpy / random state as it was: hidden test cells run in the
student's kernel) and :class:`LeafTrace` (which leaf modules a forward pass calls, in order).
Knows no expected answer.
"""

from __future__ import annotations

import contextlib
import random
from typing import Any, Callable, Iterator

import numpy as np
import torch
from torch import nn

from .common import ProbeSGD

STEP_LATENT_DIM = 4  # the tiny G and D the step probes train (no dropout: deterministic steps)
STEP_HIDDEN = 16
STEP_SLOPE = 0.2


# --- shared helpers ----------------------------------------------------------------------


@contextlib.contextmanager
def isolated_rng(seed: int) -> Iterator[None]:
    """Seed torch, numpy and random with ``seed``; restore all three states afterwards."""
    py_state, np_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        random.seed(seed)
        np.random.seed(seed % 2**32)
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)


def describe(value: Any) -> dict:
    """A returned value as plain data: a tensor with its metadata, or the Python value and type."""
    if isinstance(value, torch.Tensor):
        return {"tensor": value.detach(), "dtype": str(value.dtype), "shape": list(value.shape), "type": "Tensor"}
    if isinstance(value, (bool, int, float, str, np.generic)) or value is None:
        return {"python": value, "type": type(value).__name__}
    return {"python": None, "type": type(value).__name__}


class LeafTrace:
    """Records every call of a leaf module of ``model`` (type and hyper-parameters, in call
    order). Layers whose type name is in ``keep`` also keep a copy of their input and output;
    with ``params`` every layer also keeps its ``weight`` and ``bias`` (Linear layers always do)."""

    def __init__(self, model: nn.Module, *, keep: tuple[str, ...] = (), params: bool = False) -> None:
        self.calls: list[dict] = []
        self.keep = keep
        self.params = params
        leaves = [m for m in model.modules() if not list(m.children())]
        self.handles = [m.register_forward_hook(self._hook) for m in leaves]

    def _hook(self, module: nn.Module, inputs: tuple, output: Any) -> None:
        call: dict[str, Any] = {"type": type(module).__name__}
        for attr in ("in_features", "out_features", "in_channels", "out_channels", "num_features",
                     "negative_slope", "p", "kernel_size", "stride", "padding", "eps"):
            value = getattr(module, attr, None)
            if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
                call[attr] = list(value)
            elif isinstance(value, (bool, int, float, str)):
                call[attr] = value
        if isinstance(module, nn.Linear) or self.params:
            for name in ("weight", "bias"):
                value = getattr(module, name, None)
                call[name] = value.detach().clone() if isinstance(value, torch.Tensor) else None
        if call["type"] in self.keep:
            if inputs and isinstance(inputs[0], torch.Tensor):
                call["input"] = inputs[0].detach().clone()
            if isinstance(output, torch.Tensor):
                call["output"] = output.detach().clone()
        self.calls.append(call)

    def stop(self) -> list[dict]:
        for handle in self.handles:
            handle.remove()
        return self.calls


def _error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


# --- RingDataset -------------------------------------------------------------------------


def _read(dataset: Any, count: int) -> dict:
    """The first ``count`` items of ``dataset`` stacked to (count, 2), plus the first item's type."""
    first = dataset[0]
    info = {
        "item_type": type(first).__name__,
        "item_dtype": str(getattr(first, "dtype", "")),
        "item_shape": list(getattr(first, "shape", [])),
        "points": None,
    }
    if isinstance(first, torch.Tensor):
        items = [dataset[i] for i in range(count)]
        if all(isinstance(t, torch.Tensor) and t.shape == first.shape for t in items):
            info["points"] = torch.stack([t.detach() for t in items]).reshape(count, -1)  # (count, 2)
    return info


def ring_dataset(fn: Callable[..., Any], payload: dict) -> dict:
    """Build ``fn(n=n, seed=seed)`` under two different global RNG states, and once with
    another seed; read every item of the first (and its first items twice) and the first
    ``compare`` items of the others.

    payload: {"n", "seed", "other_seed", "global_seeds": [a, b], "compare"}.
    """
    n, seed = payload["n"], payload["seed"]
    first_global, second_global = payload["global_seeds"]
    with isolated_rng(first_global):
        dataset = fn(n=n, seed=seed)
        out: dict[str, Any] = {
            "is_dataset": isinstance(dataset, torch.utils.data.Dataset),
            "type": type(dataset).__name__,
            "len": len(dataset),
        }
        out.update(_read(dataset, n))
        reread = _read(dataset, min(n, 50))["points"]
    compared = min(n, payload.get("compare", n))
    with isolated_rng(second_global):
        again = _read(fn(n=n, seed=seed), compared)["points"]
    with isolated_rng(first_global):
        other = _read(fn(n=n, seed=payload["other_seed"]), compared)["points"]
    out.update({"reread": reread, "other_global_state": again, "other_seed": other})
    return out


def ring_dataset_defaults(fn: Callable[..., Any], payload: dict) -> dict:
    """``fn()`` against ``fn(n=..., seed=...)`` with the contract's defaults spelt out.

    payload: {"global_seed", "n", "seed", "count"}: compares the first and last ``count`` items.
    """
    count = payload["count"]
    with isolated_rng(payload["global_seed"]):
        implicit, explicit = fn(), fn(n=payload["n"], seed=payload["seed"])
        out = {"len_default": len(implicit)}
        for key, dataset in (("default", implicit), ("explicit", explicit)):
            size = len(dataset)
            head = [dataset[i] for i in range(min(count, size))]
            tail = [dataset[i] for i in range(max(size - count, 0), size)]
            out[key] = [torch.as_tensor(np.asarray(t)).reshape(-1) for t in head + tail]
    return out


# --- make_generator / make_discriminator -------------------------------------------------


def grader_weights(shapes: list[tuple[int, int]], seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The (weight, bias) the grader puts into Linear layers of ``(out, in)`` shapes, in order:
    N(0, 1/in) weights and N(0, 0.1^2) biases from a generator seeded with ``seed`` -- never
    zero, so every activation and dropout mask shows in the outputs. The judge draws the same."""
    generator = torch.Generator().manual_seed(int(seed))
    return [(torch.randn(out, fan_in, generator=generator) / fan_in**0.5, torch.randn(out, generator=generator) * 0.1)
            for out, fan_in in shapes]


def set_grader_weights(model: nn.Module, seed: int) -> None:
    """Load :func:`grader_weights` into every nn.Linear of ``model`` (module order)."""
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    weights = grader_weights([(m.out_features, m.in_features) for m in linears], seed)
    with torch.no_grad():
        for layer, (weight, bias) in zip(linears, weights):
            layer.weight.copy_(weight)
            if layer.bias is not None:
                layer.bias.copy_(bias)


def mlp(fn: Callable[..., Any], payload: dict) -> dict:
    """Build ``fn(**kwargs)``, load the grader's weights into its Linear layers
    (:func:`set_grader_weights`, seed ``weight_seed``), and run ``inputs`` through it: twice in
    eval mode (recording the leaf layers called the first time), once in train mode right after
    ``torch.manual_seed(dropout_seed)``.

    payload: {"kwargs": dict, "inputs": (B, k) tensor, "seed": int, "dropout_seed": int, "weight_seed": int}.
    """
    with isolated_rng(payload["seed"]):
        model = fn(**payload["kwargs"])
        if not isinstance(model, nn.Module):
            return {"is_module": False, "type": type(model).__name__}
        out: dict[str, Any] = {"is_module": True, "type": type(model).__name__, "forward_error": None}
        x = payload["inputs"].clone()
        if "weight_seed" in payload:
            set_grader_weights(model, payload["weight_seed"])
        trace = LeafTrace(model)
        try:
            model.eval()
            with torch.no_grad():
                out["eval_out"] = model(x)
                out["calls"] = trace.stop()
                out["eval_again"] = model(x)
            model.train()
            torch.manual_seed(payload["dropout_seed"])
            with torch.no_grad():
                out["train_out"] = model(x)
        except Exception as error:  # noqa: BLE001 - reported to the judge, which explains it
            out["forward_error"] = _error(error)
        if "calls" not in out:
            out["calls"] = trace.stop()
    return out


# --- discriminator_step / generator_step -------------------------------------------------


def step_networks(latent_dim: int = STEP_LATENT_DIM) -> tuple[nn.Module, nn.Module]:
    """The probe's G (latent_dim -> 16 -> 2) and D (2 -> 16 -> 16 -> 1, logits (B, 1)).

    No dropout and no BatchNorm: a step is deterministic whatever order the student calls D
    in (real first, fake first, or one concatenated batch). The judge builds the same pair.
    """
    generator = nn.Sequential(nn.Linear(latent_dim, STEP_HIDDEN), nn.LeakyReLU(STEP_SLOPE), nn.Linear(STEP_HIDDEN, 2))
    discriminator = nn.Sequential(
        nn.Linear(2, STEP_HIDDEN), nn.LeakyReLU(STEP_SLOPE),
        nn.Linear(STEP_HIDDEN, STEP_HIDDEN), nn.LeakyReLU(STEP_SLOPE),
        nn.Linear(STEP_HIDDEN, 1),
    )
    return generator, discriminator


def _networks(payload: dict) -> tuple[nn.Module, nn.Module]:
    generator, discriminator = step_networks(payload["z"].shape[1])
    generator.load_state_dict(payload["g_state"])
    discriminator.load_state_dict(payload["d_state"])
    return generator, discriminator


def _fill_grads(model: nn.Module, junk: list | None) -> None:
    """Stale gradients, as left by an earlier step that nobody cleared."""
    if junk is not None:
        for parameter, stale in zip(model.parameters(), junk):
            parameter.grad = stale.clone()


def _state_after(result: Any, generator: nn.Module, discriminator: nn.Module, real: torch.Tensor, z: torch.Tensor) -> dict:
    def grads(model: nn.Module) -> list:
        return [None if p.grad is None else p.grad.detach().clone() for p in model.parameters()]

    return {
        "result": describe(result),
        "g_params": [p.detach().clone() for p in generator.parameters()],
        "d_params": [p.detach().clone() for p in discriminator.parameters()],
        "g_grads": grads(generator),
        "g_requires_grad": [bool(p.requires_grad) for p in generator.parameters()],
        "d_requires_grad": [bool(p.requires_grad) for p in discriminator.parameters()],
        "real_after": real.detach().clone(),
        "z_after": z.detach().clone(),
    }


def discriminator_step(fn: Callable[..., Any], payload: dict) -> dict:
    """``fn(G, D, opt_d, real, z, **kwargs)`` with ``opt_d = SGD(D.parameters(), lr)`` and
    stale gradients already on D.

    payload: {"g_state", "d_state", "lr", "real": (B, 2), "z": (B, latent), "kwargs",
    "d_junk": stale gradients for D's parameters, "seed"}.
    """
    with isolated_rng(payload["seed"]):
        generator, discriminator = _networks(payload)
        optimizer = ProbeSGD(discriminator.parameters(), lr=payload["lr"])
        _fill_grads(discriminator, payload.get("d_junk"))
        real, z = payload["real"].clone(), payload["z"].clone()
        result = fn(generator, discriminator, optimizer, real, z, **payload["kwargs"])
    return _state_after(result, generator, discriminator, real, z)


def generator_step(fn: Callable[..., Any], payload: dict) -> dict:
    """``fn(G, D, opt_g, z)`` with ``opt_g = SGD(G.parameters(), lr)`` and stale gradients on G.

    payload: {"g_state", "d_state", "lr", "z": (B, latent), "g_junk", "seed"}.
    """
    with isolated_rng(payload["seed"]):
        generator, discriminator = _networks(payload)
        optimizer = ProbeSGD(generator.parameters(), lr=payload["lr"])
        _fill_grads(generator, payload.get("g_junk"))
        z = payload["z"].clone()
        result = fn(generator, discriminator, optimizer, z)
    return _state_after(result, generator, discriminator, z, z)
