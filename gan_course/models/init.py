"""Weight initialisation and normalisation helpers shared by the architectures.

- DCGAN initialisation: Radford et al. 2015, "Unsupervised Representation Learning with Deep
  Convolutional Generative Adversarial Networks", https://arxiv.org/abs/1511.06434, section 4
  ("all weights were initialized from a zero-centered Normal distribution with standard
  deviation 0.02"); BatchNorm scales ~ N(1, 0.02) as in the pytorch/examples dcgan.
- ICNR: Aitken et al. 2017, "Checkerboard artifact free sub-pixel convolution",
  https://arxiv.org/abs/1707.02937, for the sub-pixel convolution (PixelShuffle) of
  Shi et al. 2016, https://arxiv.org/abs/1609.05158.
- Spectral normalisation: Miyato et al. 2018, "Spectral Normalization for Generative
  Adversarial Networks", https://arxiv.org/abs/1802.05957.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

from ..errors import ConfigError

DCGAN_INIT_STD = 0.02  # Radford et al. 2015, section 4
DCGAN_BN_SCALE_MEAN = 1.0  # BatchNorm scale ~ N(1, 0.02): pytorch/examples dcgan

_CONV_TYPES = (
    nn.Conv1d, nn.Conv2d, nn.Conv3d,
    nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d,
)
_BATCHNORM_TYPES = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)
SPECTRAL_NORM_TYPES = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)  # COURSE.md 04: add_spectral_norm


def _weight_tensor(module: nn.Module) -> Tensor:
    """The trainable weight itself: the original one when a parametrisation (spectral
    norm) sits on top of it, since a parametrised ``module.weight`` is a computed tensor."""
    if parametrize.is_parametrized(module, "weight"):
        return module.parametrizations.weight.original
    return module.weight


@torch.no_grad()
def dcgan_weights_init(module: nn.Module) -> None:
    """DCGAN initialisation of one module, in place; use as ``model.apply(dcgan_weights_init)``.

    Conv / ConvTranspose (1d, 2d, 3d) weights ~ N(0, 0.02); BatchNorm weight ~ N(1, 0.02)
    and bias 0. Every other module (and every conv bias) is left untouched.
    """
    if isinstance(module, _CONV_TYPES):
        nn.init.normal_(_weight_tensor(module), 0.0, DCGAN_INIT_STD)
    elif isinstance(module, _BATCHNORM_TYPES) and module.affine:
        nn.init.normal_(module.weight, DCGAN_BN_SCALE_MEAN, DCGAN_INIT_STD)
        nn.init.zeros_(module.bias)


@torch.no_grad()
def icnr_(
    weight: Tensor,
    upscale_factor: int = 2,
    init: Callable[[Tensor], object] = nn.init.kaiming_normal_,
) -> Tensor:
    """ICNR initialisation, in place, of a conv weight feeding ``nn.PixelShuffle(r)``.

    weight: (C * r^2, C_in, k, k). A sub-kernel (C, C_in, k, k) is drawn with ``init``
    (``nn.init.kaiming_normal_`` defaults) and repeated so that the r^2 channels that
    PixelShuffle gathers into output channel c (input channels c*r^2 ... c*r^2 + r^2 - 1)
    are equal. At initialisation conv + PixelShuffle then equals a conv followed by
    nearest-neighbour upsampling: no checkerboard. Returns ``weight``.
    """
    r2 = upscale_factor ** 2
    out_channels = weight.shape[0]
    if upscale_factor < 1 or out_channels % r2 != 0:
        raise ConfigError(
            f"icnr_ needs a weight whose first dimension is a multiple of upscale_factor**2 = {r2}, "
            f"got shape {tuple(weight.shape)}; give the conv C * {r2} output channels for "
            f"nn.PixelShuffle({upscale_factor})"
        )
    sub_kernel = torch.empty(out_channels // r2, *weight.shape[1:], dtype=weight.dtype, device=weight.device)
    init(sub_kernel)  # (C, C_in, k, k)
    weight.copy_(sub_kernel.repeat_interleave(r2, dim=0))  # (C * r^2, C_in, k, k), PixelShuffle order
    return weight


def _has_spectral_norm(module: nn.Module) -> bool:
    if not parametrize.is_parametrized(module, "weight"):
        return False
    return any(type(p).__name__ == "_SpectralNorm" for p in module.parametrizations.weight)


def add_spectral_norm(module: nn.Module) -> nn.Module:
    """Spectral normalisation on every Linear, Conv2d and ConvTranspose2d in ``module``
    (``module`` itself included), in place; returns ``module`` (Miyato et al. 2018).

    ConvTranspose2d stores its weight as (C_in, C_out, k, k), so its output dimension is 1
    (``dim=1``); the others use dim 0. Layers that already carry spectral norm are skipped,
    so calling this twice does not normalise twice.
    """
    targets = [m for m in module.modules() if isinstance(m, SPECTRAL_NORM_TYPES) and not _has_spectral_norm(m)]
    for layer in targets:
        spectral_norm(layer, dim=1 if isinstance(layer, nn.ConvTranspose2d) else 0)
    return module


__all__ = [
    "DCGAN_BN_SCALE_MEAN", "DCGAN_INIT_STD", "SPECTRAL_NORM_TYPES", "add_spectral_norm",
    "dcgan_weights_init", "icnr_",
]
