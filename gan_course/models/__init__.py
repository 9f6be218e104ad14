"""Architectures (no objectives), chosen by name from the :data:`MODELS` registry.

Every generator has ``latent_dim`` and is called ``G(z, labels=None)`` with z (B, latent_dim);
every discriminator / critic is called ``D(x, labels=None)`` and returns logits (B,).
Conditional models require labels; unconditional ones ignore them.

| name    | generator                | discriminator / critic                          | data           |
|---------|--------------------------|-------------------------------------------------|----------------|
| ``mlp`` | MLP (Goodfellow 2014)    | MLP with dropout                                | points, images |
| ``dcgan`` | DCGAN (Radford 2015)   | DCGAN, BatchNorm                                | 28, 32, 64     |
| ``wgan``  | DCGAN                  | critic with layer norm, no BatchNorm (Gulrajani 2017) | 28, 32, 64 |
| ``sngan`` | DCGAN                  | spectral norm on every layer (Miyato 2018)      | 28, 32, 64     |
| ``cgan``  | PixelShuffle + ICNR, class embedding | SN projection discriminator (Miyato & Koyama 2018) | 28, 32 |

WGAN and SNGAN are architectures here; their objectives (Wasserstein + gradient penalty,
hinge) are chosen separately in :mod:`gan_course.losses`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from torch import nn

from ..errors import ConfigError
from .cgan import CGAN_BN_MOMENTUM, ConditionalDiscriminator, ConditionalGenerator
from .dcgan import DCGAN_IMAGE_SIZES, DCGANDiscriminator, DCGANGenerator
from .init import DCGAN_INIT_STD, add_spectral_norm, dcgan_weights_init, icnr_
from .mlp import LEAKY_SLOPE, MLPDiscriminator, MLPGenerator

DATA_KINDS = frozenset({"points", "image"})
DCGAN_WIDTH = 64  # ngf = ndf, Radford et al. 2015 / pytorch examples
MLP_WIDTH = 128  # first hidden layer of COURSE.md 02's MLPs
CGAN_GENERATOR_WIDTH = 128  # seed 000
CGAN_DISCRIMINATOR_WIDTH = 64  # seed 000
CGAN_IMAGE_SIZES = (28, 32)  # MNIST-like and CIFAR-like (the classes themselves take any multiple of 4)

Build = Callable[..., "tuple[nn.Module, nn.Module]"]


@dataclass(frozen=True)
class ModelSpec:
    """What a model name builds and what it fits.

    ``build(data_shape=, num_classes=, latent_dim=, width=)`` returns ``(generator,
    discriminator)``; call it through :func:`build_models`, which validates first.
    ``image_sizes`` empty means any size (or no images at all).
    """

    name: str
    description: str
    conditional: bool
    data_kinds: frozenset[str]
    image_sizes: tuple[int, ...]
    discriminator_has_batchnorm: bool
    spectral_norm: bool
    build: Build


def _build_mlp(*, data_shape, num_classes, latent_dim, width):
    w = width or MLP_WIDTH
    images = len(data_shape) == 3
    G = MLPGenerator(latent_dim, data_shape, (w, 2 * w, 2 * w), output="tanh" if images else "none")
    D = MLPDiscriminator(data_shape, (w, 2 * w, w))
    return G, D


def _dcgan_family(**critic_options) -> Build:
    def build(*, data_shape, num_classes, latent_dim, width):
        channels, size, _ = data_shape
        w = width or DCGAN_WIDTH
        G = DCGANGenerator(latent_dim, channels, size, w)
        D = DCGANDiscriminator(channels, size, w, **critic_options)
        return G, D

    return build


def _build_cgan(*, data_shape, num_classes, latent_dim, width):
    channels, size, _ = data_shape
    g_width = width or CGAN_GENERATOR_WIDTH
    d_width = max(g_width * CGAN_DISCRIMINATOR_WIDTH // CGAN_GENERATOR_WIDTH, 1)
    G = ConditionalGenerator(latent_dim, num_classes, channels, size, g_width)
    D = ConditionalDiscriminator(num_classes, channels, size, d_width)
    return G, D


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="mlp",
            description="MLP generator and dropout MLP discriminator (Goodfellow et al. 2014); "
            "2D points or flattened images",
            conditional=False, data_kinds=frozenset({"points", "image"}), image_sizes=(),
            discriminator_has_batchnorm=False, spectral_norm=False, build=_build_mlp,
        ),
        ModelSpec(
            name="dcgan",
            description="DCGAN generator and BatchNorm discriminator (Radford et al. 2015)",
            conditional=False, data_kinds=frozenset({"image"}), image_sizes=DCGAN_IMAGE_SIZES,
            discriminator_has_batchnorm=True, spectral_norm=False, build=_dcgan_family(norm="batch"),
        ),
        ModelSpec(
            name="wgan",
            description="DCGAN generator and layer-norm critic without BatchNorm, fit for a "
            "gradient penalty (Gulrajani et al. 2017)",
            conditional=False, data_kinds=frozenset({"image"}), image_sizes=DCGAN_IMAGE_SIZES,
            discriminator_has_batchnorm=False, spectral_norm=False, build=_dcgan_family(norm="layer"),
        ),
        ModelSpec(
            name="sngan",
            description="DCGAN generator and spectral-norm discriminator (Miyato et al. 2018)",
            conditional=False, data_kinds=frozenset({"image"}), image_sizes=DCGAN_IMAGE_SIZES,
            discriminator_has_batchnorm=False, spectral_norm=True, build=_dcgan_family(spectral_norm=True),
        ),
        ModelSpec(
            name="cgan",
            description="conditional GAN: PixelShuffle + ICNR generator with a class embedding, "
            "spectral-norm projection discriminator (Mirza & Osindero 2014; Miyato & Koyama 2018)",
            conditional=True, data_kinds=frozenset({"image"}), image_sizes=CGAN_IMAGE_SIZES,
            discriminator_has_batchnorm=False, spectral_norm=True, build=_build_cgan,
        ),
    )
}


def get_model_spec(name: str) -> ModelSpec:
    """The :class:`ModelSpec` called ``name``; a :class:`ConfigError` listing the choices otherwise."""
    try:
        return MODELS[name]
    except KeyError:
        raise ConfigError(
            f"unknown model {name!r}; choose one of: {', '.join(MODELS)} (e.g. --model dcgan)"
        ) from None


def _check(spec: ModelSpec, shape: tuple[int, ...], num_classes: int, latent_dim: int, width: int | None) -> None:
    model = f"model {spec.name!r}"
    if len(shape) not in (1, 3) or any(n < 1 for n in shape):
        raise ConfigError(
            f"data_shape must be (D,) for points or (C, H, W) for images, got {shape}; "
            f"pass the shape of one sample without the batch dimension"
        )
    kind = "points" if len(shape) == 1 else "image"
    if kind not in spec.data_kinds:
        fits = [name for name, other in MODELS.items() if kind in other.data_kinds]
        raise ConfigError(
            f"{model} needs {'images (C, H, W)' if kind == 'points' else 'points (D,)'} but the data "
            f"are {kind} of shape {shape}; "
            f"use --model {' or --model '.join(fits)}"
        )
    if kind == "image":
        _, height, width_px = shape
        if spec.image_sizes and height != width_px:
            raise ConfigError(
                f"{model} needs square images, got {height}x{width_px}; resize the data with "
                f"--image-size {min(spec.image_sizes, key=lambda s: abs(s - height))}"
            )
        if spec.image_sizes and height not in spec.image_sizes:
            sizes = ", ".join(map(str, spec.image_sizes))
            nearest = min(spec.image_sizes, key=lambda s: abs(s - height))
            raise ConfigError(
                f"{model} supports image sizes {sizes}, but the data are {height}x{height}; "
                f"resize them with --image-size {nearest}"
            )
    if spec.conditional and num_classes < 1:
        unconditional = sorted(
            (name for name, other in MODELS.items() if not other.conditional and kind in other.data_kinds),
            key=lambda name: shape[-1] not in MODELS[name].image_sizes,  # models made for this size first
        )
        raise ConfigError(
            f"{model} is conditional and needs a labelled dataset (num_classes > 0), but the data "
            f"have no labels; choose a labelled dataset with --dataset or an unconditional "
            f"model (--model {unconditional[0]})"
        )
    if latent_dim < 1:
        raise ConfigError(f"latent_dim must be a positive integer, got {latent_dim}; try --latent-dim 100")
    if width is not None and width < 1:
        raise ConfigError(f"width must be a positive integer, got {width}; leave it unset for the model's default")


def build_models(
    name: str,
    *,
    data_shape: Sequence[int],
    num_classes: int = 0,
    latent_dim: int = 100,
    width: int | None = None,
) -> tuple[nn.Module, nn.Module]:
    """(generator, discriminator) of model ``name`` for samples of shape ``data_shape``.

    data_shape: (2,) for points or (C, H, W) for images; num_classes: classes of a labelled
    dataset (0 = unlabelled; conditional models need > 0); width: the model's width knob
    (MLP first hidden layer, DCGAN ngf = ndf, CGAN generator width), None for its default.
    Raises :class:`ConfigError` naming the fix for an unknown name, images-only models on
    points, unsupported image sizes and conditional models on unlabelled data.
    """
    spec = get_model_spec(name)
    shape = tuple(int(n) for n in data_shape)
    _check(spec, shape, num_classes, latent_dim, width)
    return spec.build(data_shape=shape, num_classes=num_classes, latent_dim=latent_dim, width=width)


def count_parameters(module: nn.Module) -> int:
    """Number of scalar parameters of ``module`` (a spectral-norm weight counts once)."""
    return sum(p.numel() for p in module.parameters())


__all__ = [
    "CGAN_BN_MOMENTUM", "DATA_KINDS", "DCGAN_INIT_STD", "DCGAN_IMAGE_SIZES", "LEAKY_SLOPE", "MODELS",
    "ConditionalDiscriminator", "ConditionalGenerator", "DCGANDiscriminator", "DCGANGenerator",
    "MLPDiscriminator", "MLPGenerator", "ModelSpec", "add_spectral_norm", "build_models",
    "count_parameters", "dcgan_weights_init", "get_model_spec", "icnr_",
]
