"""Sandbox harnesses of assignment 05 (conditional GAN, loss strategies, FID and KID).

- :func:`icnr_` hands the student a fresh conv weight (a Parameter, as ``conv.weight`` is) and
  reports the weight after the call and whether the function returned that same weight.
- :func:`metric` calls a metric on numpy arrays or torch tensors and reports what came back
  (a float, a tensor, a complex number...) without judging it.

Papers: Aitken et al. 2017 (ICNR), https://arxiv.org/abs/1707.02937; Heusel et al. 2017
(FID), https://arxiv.org/abs/1706.08500; Binkowski et al. 2018 (KID),
https://arxiv.org/abs/1801.01401.

Runs next to student code: imports only the standard library, torch and numpy; no expected
answers.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from .common import _describe, seeded


def icnr_(fn: Callable[..., Any], payload: dict) -> dict:
    """``fn(weight, *args, **kwargs)`` on a weight of ``payload["shape"]`` filled with
    ``payload["fill"]``; an ``nn.Parameter`` when ``payload["parameter"]``.

    Returns {"weight_after", "returned_is_weight" (the same object), "returned_shares_weight"
    (a tensor viewing the same storage, e.g. ``weight.data``), "returned_type",
    "is_parameter", "requires_grad"} measured after the call.
    """
    data = torch.full(payload["shape"], float(payload["fill"]))
    weight = nn.Parameter(data) if payload.get("parameter") else data
    with seeded(payload.get("seed")):
        returned = fn(weight, *payload.get("args", []), **payload.get("kwargs", {}))
    shares = (
        isinstance(returned, torch.Tensor)
        and returned.shape == weight.shape
        and returned.data_ptr() == weight.data_ptr()
    )
    return {
        "weight_after": weight.detach().clone(),
        "returned_is_weight": returned is weight,
        "returned_shares_weight": bool(shares),
        "returned_type": type(returned).__name__,
        "is_parameter": isinstance(weight, nn.Parameter),
        "requires_grad": bool(weight.requires_grad),
    }


def _copy(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def metric(fn: Callable[..., Any], payload: dict) -> dict:
    """``fn(*args)`` for a metric that should return a Python float.

    Returns {"kind": "float" | "tensor" | "array" | "complex" | "other", "type": the type's name,
    "value": its real part as a float when it is a number (or a one-element tensor or
    array), "imag": the imaginary part when complex}.
    """
    with seeded(payload.get("seed")):
        result = fn(*[_copy(a) for a in payload["args"]])
    out: dict = {"kind": "other", "type": type(result).__name__, "value": None, "imag": None}
    if isinstance(result, (float, np.floating)):  # numpy.float64 is a float too
        out.update(kind="float", value=float(result))
    elif isinstance(result, numbers.Complex) and not isinstance(result, numbers.Real):
        out.update(kind="complex", value=float(result.real), imag=float(result.imag))
    elif isinstance(result, torch.Tensor) and result.numel() == 1:
        out.update(kind="tensor", **_item(result.detach().cpu().reshape(()).item()))
    elif isinstance(result, np.ndarray) and result.size == 1:
        out.update(kind="array", **_item(result.reshape(()).item()))
    return out


def _item(item: Any) -> dict:
    if isinstance(item, complex):
        return {"value": float(item.real), "imag": float(item.imag)}
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        return {"value": float(item)}
    return {}


# --- projection_logits -------------------------------------------------------------------


def projection_logits(fn: Callable[..., Any], payload: dict) -> dict:
    """``fn(features, labels, head, embedding)`` with ``head = nn.Linear(F, 1)`` and ``embedding =
    nn.Embedding(K, F)`` loaded from ``payload["head"]`` / ``payload["embedding"]`` (state dicts),
    in ``payload["dtype"]``; ``payload["spectral"]`` wraps the embedding in spectral norm, as the
    course's discriminator does.

    Returns the described result and, when it is a tensor with a graph, the gradients of its
    sum with respect to the features, the head's weight and bias and the embedding's weight
    (``grads``: None where unused, or ``grad_error``).
    """
    dtype = getattr(torch, payload.get("dtype", "float32"))
    features = payload["features"].to(dtype).clone().requires_grad_(True)  # (B, F)
    labels = payload["labels"].clone()  # (B,)
    with seeded(0):
        head = nn.Linear(features.shape[1], 1)
        embedding = nn.Embedding(payload["num_classes"], features.shape[1])
    head.load_state_dict(payload["head"])
    embedding.load_state_dict(payload["embedding"])
    head, embedding = head.to(dtype), embedding.to(dtype)
    if payload.get("spectral"):
        with seeded(0):  # its power iteration starts from random vectors: not from the caller's RNG
            embedding = torch.nn.utils.parametrizations.spectral_norm(embedding)
        embedding.eval()  # no power iteration during the call: the normalised weight stays fixed
    effective = embedding.weight.detach().clone()  # (K, F), after normalisation when spectral
    with seeded(payload.get("seed")):
        result = fn(features, labels, head, embedding)
    out: dict = {"result": _describe(result), "embedding_weight": effective, "grads": None, "grad_error": None,
                 "labels_after": labels}
    if isinstance(result, torch.Tensor) and result.requires_grad:
        leaves = [features, head.weight, head.bias,
                  embedding.parametrizations.weight.original if payload.get("spectral") else embedding.weight]
        try:
            grads = torch.autograd.grad(result.sum(), leaves, allow_unused=True)
            out["grads"] = [None if g is None else g.detach() for g in grads]
        except RuntimeError as error:
            out["grad_error"] = str(error)[:500]
    return out
