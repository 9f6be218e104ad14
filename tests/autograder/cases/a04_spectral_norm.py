"""Implementations of ``add_spectral_norm`` (assignment 04; spectral normalisation, Miyato et al.
2018) for the tests of its hidden check: ``CORRECT`` (the first is the one the solution notebook
uses) and ``WRONG`` (mistake, code[, words its failure message must contain]); part of
:mod:`.a04_wgan_sngan`'s catalogue."""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm as new_spectral_norm

SN_TYPES = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)


# --- add_spectral_norm ---------------------------------------------------------------------


def add_spectral_norm(module):
    """Spectral normalisation on every Linear, Conv2d and ConvTranspose2d inside ``module``."""
    for layer in list(module.modules()):
        if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            torch.nn.utils.parametrizations.spectral_norm(layer)
    return module


def _sn_old_api(module):
    for layer in list(module.modules()):
        if isinstance(layer, SN_TYPES):
            torch.nn.utils.spectral_norm(layer)
    return module


def _sn_recursive_setattr(module):
    for name, child in module.named_children():
        if isinstance(child, SN_TYPES):
            setattr(module, name, new_spectral_norm(child))
        else:
            _sn_recursive_setattr(child)
    return module


def _sn_explicit_dim(module):
    for layer in list(module.modules()):
        if isinstance(layer, SN_TYPES):
            new_spectral_norm(layer, n_power_iterations=1, dim=1 if isinstance(layer, nn.ConvTranspose2d) else 0)
    return module


def _sn_apply(module):
    module.apply(lambda m: new_spectral_norm(m) if isinstance(m, SN_TYPES) else None)
    return module


# --- wrong implementations ------------------------------------------------------------------


def _sn_direct_children(module):
    for layer in module.children():
        if isinstance(layer, SN_TYPES):
            new_spectral_norm(layer)
    return module


def _sn_dim0(module):
    for layer in list(module.modules()):
        if isinstance(layer, SN_TYPES):
            new_spectral_norm(layer, dim=0)
    return module


def _sn_frobenius(module):
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, SN_TYPES):
                layer.weight.div_(layer.weight.norm())
    return module


class _FrobeniusNorm(nn.Module):
    def forward(self, weight):
        return weight / weight.norm()


def _sn_frobenius_parametrization(module):
    for layer in list(module.modules()):
        if isinstance(layer, SN_TYPES):
            parametrize.register_parametrization(layer, "weight", _FrobeniusNorm())
    return module


def _sn_once(module):
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, SN_TYPES):
                dim = 1 if isinstance(layer, nn.ConvTranspose2d) else 0
                matrix = layer.weight.movedim(dim, 0).flatten(1)
                layer.weight.div_(torch.linalg.matrix_norm(matrix, ord=2))
    return module


def _sn_any_weight(module):
    for layer in list(module.modules()):
        if getattr(layer, "weight", None) is not None and not isinstance(layer, nn.Sequential):
            new_spectral_norm(layer)
    return module


def _sn_no_convtranspose(module):
    for layer in list(module.modules()):
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            new_spectral_norm(layer)
    return module


def _sn_no_return(module):
    add_spectral_norm(module)


def _sn_deepcopy(module):
    return add_spectral_norm(copy.deepcopy(module))


CORRECT = [add_spectral_norm, _sn_old_api, _sn_recursive_setattr, _sn_explicit_dim, _sn_apply]
WRONG = [  # (mistake, implementation[, words the message must contain])
    ("returns None", _sn_no_return),
    ("only direct children", _sn_direct_children, "module.modules()"),
    ("ConvTranspose2d with dim=0", _sn_dim0, "dim=1"),
    ("Frobenius norm, once", _sn_frobenius),
    ("Frobenius norm as a parametrization", _sn_frobenius_parametrization),
    ("divides by the top singular value once", _sn_once, "once"),
    ("every module with a weight (BatchNorm, LayerNorm)", _sn_any_weight, "BatchNorm2d"),
    ("skips ConvTranspose2d", _sn_no_convtranspose),
    ("returns a deep copy", _sn_deepcopy),
]
