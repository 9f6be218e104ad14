"""Sandbox-side harness of assignment 01: the DCGAN weight initialisation.

The losses and ``discriminator_scores`` use the generic :func:`.common.call`.
``dcgan_weights_init`` needs a module tree to act on: :func:`weights_init` builds one here
(every kind of layer a DCGAN has, plus layers the function must leave alone), fills every
parameter with junk so that "left untouched" and "initialised" are told apart, runs
``model.apply(student_fn)`` and returns every parameter before and after. It knows no
expected answer; the judge reads the statistics.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn

from .a02 import isolated_rng

JUNK_LOW, JUNK_HIGH = 2.0, 3.0  # every parameter starts in U(2, 3): far from any initialisation


def init_probe_tree() -> nn.Module:
    """The module tree the probe initialises (shared with the judge, which reads its names).

    Large Conv/ConvTranspose/BatchNorm layers give the judge enough weights for tight
    statistics; the nested Sequential makes ``apply`` recurse; Linear, Conv1d, BatchNorm1d,
    activations and a bias-free conv test that other modules are handled gracefully.
    """
    return nn.Sequential(
        nn.Conv2d(16, 32, 4, 2, 1, bias=True),  # 8192 weights, a bias the judge lets be
        nn.LeakyReLU(0.2),
        nn.Sequential(
            nn.ConvTranspose2d(32, 16, 4, 2, 1, bias=False),  # 8192 weights, no bias
            nn.BatchNorm2d(1024),  # 1024 scales
            nn.ReLU(),
        ),
        nn.Linear(64, 32),  # must stay untouched
        nn.Conv1d(4, 8, 3),  # any Conv: either left alone or initialised like the 2d ones
        nn.BatchNorm1d(256),
        nn.Tanh(),
    )


def weights_init(fn: Callable[[nn.Module], Any], payload: dict) -> dict:
    """``init_probe_tree().apply(fn)`` on junk-filled parameters.

    payload: {"seed": int}. Returns {"before": {name: tensor}, "after": {name: tensor}}
    over ``named_parameters()``.
    """
    with isolated_rng(payload["seed"]):
        model = init_probe_tree()
        junk = torch.Generator().manual_seed(payload["seed"] + 1)
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.uniform_(JUNK_LOW, JUNK_HIGH, generator=junk)
        before = {name: p.detach().clone() for name, p in model.named_parameters()}
        model.apply(fn)
        after = {name: p.detach().clone() for name, p in model.named_parameters()}
    return {"before": before, "after": after}
