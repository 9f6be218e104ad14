"""Sandbox-side harness of assignment 03 (DCGAN on faces): the two networks and truncated noise.

``lerp`` and ``slerp`` use the generic :func:`.common.call`. Here:
:func:`dcgan_generator` builds the student's generator, runs a latent batch through it in
both accepted shapes and records the layers it calls (with the activations around them when
asked); :func:`dcgan_discriminator` builds the student's discriminator, runs an image batch
through it in train and eval mode and records the layers it calls with their parameters; and
:func:`truncated_noise` calls the student's sampler with a freshly seeded ``torch.Generator``
under a chosen global RNG state. Knows no expected answer.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn

from .a02 import LeafTrace, describe, isolated_rng

TRACED_LAYERS = ("ConvTranspose2d", "BatchNorm2d")  # layers whose input and output the trace keeps


def _layer(module: nn.Module) -> dict:
    """A leaf module's type and channel counts, without running it."""
    layer = {"type": type(module).__name__}
    for attr in ("in_channels", "out_channels", "num_features"):
        if hasattr(module, attr):
            layer[attr] = getattr(module, attr)
    return layer


def dcgan_generator(fn: Callable[..., Any], payload: dict) -> dict:
    """``G = fn(**kwargs)`` in train mode on ``z`` (B, latent) and on ``z`` as (B, latent, 1, 1).

    payload: {"kwargs": dict, "z": (B, latent) tensor, "seed": int, "trace": bool,
    "forward": bool (default True)}. Returns the outputs (or the error each input shape
    raised) and the leaf layers called during the first forward pass (with the
    ConvTranspose2d / BatchNorm2d activations when ``trace``); with ``forward`` False only
    the leaf layers in registration order (``layers``).
    """
    with isolated_rng(payload["seed"]):
        model = fn(**payload["kwargs"])
        if not isinstance(model, nn.Module):
            return {"is_module": False, "type": type(model).__name__}
        if not payload.get("forward", True):  # structure only: the full-width model is slow to run
            return {"is_module": True, "type": type(model).__name__, "layers": [_layer(m) for m in model.modules() if not list(m.children())]}
        model.train()
        z = payload["z"].clone()  # (B, latent)
        out: dict[str, Any] = {"is_module": True, "type": type(model).__name__}
        trace = LeafTrace(model, keep=TRACED_LAYERS if payload.get("trace") else ())
        for key, latent in (("flat", z), ("spatial", z[:, :, None, None])):  # (B, L) and (B, L, 1, 1)
            out[f"{key}_error"] = None
            try:
                with torch.no_grad():
                    out[key] = model(latent.clone())
            except Exception as error:  # noqa: BLE001 - reported to the judge, which explains it
                out[f"{key}_error"] = f"{type(error).__name__}: {error}"[:2000]
            if key == "flat":
                out["calls"] = trace.stop()
        if out["flat_error"] is not None:  # the (B, L) call failed: trace the other one instead
            trace = LeafTrace(model, keep=TRACED_LAYERS if payload.get("trace") else ())
            with torch.no_grad():
                try:
                    model(z[:, :, None, None].clone())
                except Exception:  # noqa: BLE001 - already reported above
                    pass
            out["calls"] = trace.stop()
    return out


def dcgan_discriminator(fn: Callable[..., Any], payload: dict) -> dict:
    """``D = fn(**kwargs)`` on images ``x`` (B, C, 64, 64): once in train mode (recording every
    leaf layer called, with its parameters), then twice in eval mode.

    payload: {"kwargs": dict, "x": (B, C, 64, 64) tensor or None, "seed": int}. With ``x``
    None only the leaf layers in registration order (``layers``) come back.
    """
    with isolated_rng(payload["seed"]):
        model = fn(**payload["kwargs"])
        if not isinstance(model, nn.Module):
            return {"is_module": False, "type": type(model).__name__}
        if payload["x"] is None:  # structure only
            return {"is_module": True, "type": type(model).__name__, "layers": [_layer(m) for m in model.modules() if not list(m.children())]}
        out: dict[str, Any] = {"is_module": True, "type": type(model).__name__, "forward_error": None}
        x = payload["x"].clone()  # (B, C, 64, 64)
        trace = LeafTrace(model, params=True)
        try:
            model.train()
            with torch.no_grad():
                out["train_out"] = model(x.clone())
                out["calls"] = trace.stop()
                model.eval()
                out["eval_out"] = model(x.clone())
                out["eval_again"] = model(x.clone())
        except Exception as error:  # noqa: BLE001 - reported to the judge, which explains it
            out["forward_error"] = f"{type(error).__name__}: {error}"[:2000]
        if "calls" not in out:
            out["calls"] = trace.stop()
    return out


def truncated_noise(fn: Callable[..., Any], payload: dict) -> dict:
    """``fn(n, latent_dim, threshold, generator=torch.Generator().manual_seed(s))`` (or with
    no ``generator`` argument when ``generator_seed`` is None) under global seed ``global_seed``.

    payload: {"args": [n, latent_dim, threshold], "generator_seed": int | None, "global_seed": int}.
    Returns {"result": described value}.
    """
    with isolated_rng(payload["global_seed"]):
        if payload["generator_seed"] is None:
            result = fn(*payload["args"])
        else:
            generator = torch.Generator().manual_seed(payload["generator_seed"])
            result = fn(*payload["args"], generator=generator)
    return {"result": describe(result)}
